import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DESCRIBED_VARIABLES, forPeople, MAX_TEXT_FOR_PEOPLE, sentence } from '../../src/support/words-for-people.js';
import { courseName } from '../../src/plans/course-catalog.js';

/** What support pages show of texts written for developers, and how messages end. */

describe('forPeople', () => {
  it.each([
    [
      'EAD: conexão recusada (ECONNREFUSED). O serviço pode estar fora do ar, ou EAD_BASE_URL está errado.',
      'EAD: conexão recusada. O serviço pode estar fora do ar, ou o endereço do EAD está errado.',
    ],
    ['ChatPro recusou o token (CHATPRO_TOKEN / CHATPRO_INSTANCE_ID): HTTP 401.', 'ChatPro recusou o token: HTTP 401.'],
    ['CallMeBot recusou a APIKey (CALLMEBOT_APIKEY inválida para CALLMEBOT_PHONE).', 'CallMeBot recusou a APIKey.'],
    ['O EAD não reconhece a unidade 7: confira EAD_UNIT_ID.', 'O EAD não reconhece a unidade 7: confira a unidade do EAD.'],
    [
      'Um desenvolvedor deve conferir EAD_API_KEY na Render; depois reprocesse.',
      'Um desenvolvedor deve conferir a chave da API do EAD na Render; depois reprocesse.',
    ],
    ['importação inicial de PLANS_FILE', 'importação inicial do arquivo de planos'],
    ['Aluno 8 mantido, nada removido: aluno mantido (REVOKE_MODE=courses).', 'Aluno 8 mantido, nada removido: aluno mantido.'],
    [
      'Dados pessoais removidos: encerrado há mais de 180 dia(s) (RETENTION_DAYS).',
      'Dados pessoais removidos: encerrado há mais de 180 dia(s).',
    ],
    ['Kiwify recusou a conta: conta inexistente.. Confira o id.', 'Kiwify recusou a conta: conta inexistente. Confira o id.'],
    ['Aguarde... e tente de novo.', 'Aguarde... e tente de novo.'],
    // An upstream's own codes are not ours to translate.
    ['EAD: falha de rede (ERR_BAD_RESPONSE).', 'EAD: falha de rede (ERR_BAD_RESPONSE).'],
    ['EAD recusou matricular (HTTP 400): Curso(s) não encontrado(s).', 'EAD recusou matricular (HTTP 400): Curso(s) não encontrado(s).'],
  ])('%s', (text, said) => {
    expect(forPeople(text)).toBe(said);
  });

  it('knows the words for every variable a server text names (a new one must be added to VARIABLE_WORDS)', () => {
    // Every variable of the configuration, as .env.example lists them.
    const variables = [...readFileSync('.env.example', 'utf8').matchAll(/^#?\s*([A-Z][A-Z0-9]*_[A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(variables.length).toBeGreaterThan(30);
    const named = new Set<string>();
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => {
        const path = join(dir, f);
        return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
      });
    const serverFiles = walk('src').filter((f) => !/^src\/(cli|bench|demo|sandbox)\/|^src\/config\.ts$/.test(f));
    for (const file of serverFiles) {
      // Only inside string literals and templates (comments name variables freely).
      const strings = readFileSync(file, 'utf8').match(/'[^'\n]*'|`[^`]*`/g) ?? [];
      for (const text of strings) for (const v of variables) if (new RegExp(`\\b${v}\\b`).test(text)) named.add(v);
    }
    const missing = [...named].filter((v) => !DESCRIBED_VARIABLES.has(v) && !/_(MS|HOURS|DAYS|MODE|POLICY)$/.test(v) && v !== 'LOG_LEVEL');
    expect(missing).toEqual([]);
  });
});

describe('sentence', () => {
  it('ends a message with exactly one period, keeping its own "!", "?" or "…"', () => {
    expect(sentence('CALLMEBOT_BASE_URL está errado.')).toBe('CALLMEBOT_BASE_URL está errado.');
    expect(sentence('está errado..')).toBe('está errado.');
    expect(sentence('sem ponto')).toBe('sem ponto.');
    expect(sentence('Pronto!')).toBe('Pronto!');
    expect(sentence('e mais…')).toBe('e mais…');
  });
});

describe('courseName', () => {
  it('decodes HTML entities and trims, as the school typed them into a web form', () => {
    expect(courseName('Ingl&ecirc;s Intermedi&aacute;rio ', 280)).toBe('Inglês Intermediário');
    expect(courseName('  AutoCad&nbsp;3D   2022 ', 396)).toBe('AutoCad 3D 2022');
    expect(courseName('P&amp;D &#8211; M&oacute;dulo&#xA0;I', 1)).toBe('P&D – Módulo I');
    expect(courseName('   ', 7)).toBe('Curso 7');
  });
});

describe('forPeople on hostile text', () => {
  /** Far above what a linear pass takes (milliseconds), far below what the quadratic patterns took (100,000 spaces: 15 s). A correctness bound. */
  const BOUND_MS = 1_000;

  it.each([
    ['100,000 spaces', ' '.repeat(100_000)],
    ['100,000 spaces, then a word', `${' '.repeat(100_000)}x`],
    ['spaces before punctuation', ' .'.repeat(50_000)],
    ['open parentheses', ' ('.repeat(50_000)],
    ['a variable-like run', 'A_'.repeat(50_000)],
  ])('%s: under the bound, and cut to a page’s length', (_name, text) => {
    const started = performance.now();
    const out = forPeople(text);
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
    expect(out.length).toBeLessThanOrEqual(MAX_TEXT_FOR_PEOPLE);
  });

  it('the linear patterns still tidy what they did', () => {
    expect(forPeople('Falhou  (EAD_API_KEY) .')).toBe('Falhou.');
    expect(forPeople('Recusado (ECONNREFUSED) ; confira EAD_UNIT_ID .')).toBe('Recusado; confira a unidade do EAD.');
  });
});
