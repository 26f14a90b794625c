import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PLANS_FILE } from '../../src/config/config.js';
import { parsePlanMap, PlanMapError, readPlanFile, validatePlan } from '../../src/plans/plan-map.js';
import { normalizeText } from '../../src/domain/text.js';
import { tempDir } from '../helpers/config.js';

function problemsOf(text: string): string[] {
  try {
    parsePlanMap(text);
  } catch (err) {
    if (err instanceof PlanMapError) return err.problems;
    throw err;
  }
  return [];
}

describe('plan map', () => {
  it("ships the school's real map, valid", () => {
    const plans = parsePlanMap(readFileSync(DEFAULT_PLANS_FILE, 'utf8'));
    expect(plans.get('excel pro')).toEqual({ name: 'Excel PRO', courses: [161, 197, 201] });
    expect(plans.get(normalizeText('Especialista em Marketing e Vendas 360º'))?.courses).toHaveLength(10);
  });

  it('matches ignoring case, accents and extra spaces', () => {
    const plans = parsePlanMap(
      '{"Inglês  Fluente": [263, 280], "Design Gráfico": {"courses": [254], "whatsappGroup": "https://chat.whatsapp.com/x"}}',
    );
    expect(plans.get('ingles fluente')?.name).toBe('Inglês  Fluente');
    expect(plans.get('design grafico')).toEqual({ name: 'Design Gráfico', courses: [254], whatsappGroup: 'https://chat.whatsapp.com/x' });
  });

  it('matches look-alike characters and ignores invisible ones', () => {
    const plans = parsePlanMap('{"Especialista em Marketing e Vendas 360º": [123]}');
    expect(plans.get(normalizeText('Especialista em Marketing e Vendas 360°'))?.courses).toEqual([123]);
    expect(plans.get(normalizeText('Especialista em\u200b Marketing e Vendas 360º'))?.courses).toEqual([123]);
  });

  it('refuses two names equal after normalisation, even identical keys JSON.parse would merge', () => {
    expect(problemsOf('{"Excel PRO": [1], "excel  pro": [2]}')).toEqual([
      'linha 1: "excel  pro" repete o plano "Excel PRO" (nomes comparados sem maiúsculas, acentos e espaços extras)',
    ]);
    expect(problemsOf('{\n"Excel PRO": [1],\n"Excel PRO": [2]\n}')).toHaveLength(1);
  });

  it('refuses ids that are not positive integers, empty lists, unknown keys and bad JSON', () => {
    expect(problemsOf('{"A": [0]}')[0]).toContain('positivo');
    expect(problemsOf('{"A": [1.5]}')[0]).toContain('inteiro');
    expect(problemsOf('{"A": ["161"]}')[0]).toContain('número');
    expect(problemsOf('{"A": []}')[0]).toContain('vazia');
    expect(problemsOf('{"A": {"cursos": [1]}}')).toHaveLength(1);
    expect(problemsOf('{"A": [1],}')[0]).toMatch(/^JSON inválido/);
    expect(problemsOf('[1]')[0]).toContain('objeto');
    expect(problemsOf('{}')).toEqual(['nenhum plano definido']);
  });

  it('says what is wrong with malformed JSON in Portuguese, and where (line and column)', () => {
    expect(problemsOf('{"A": [1],, "B": [2]}')).toEqual([
      'JSON inválido na linha 1, coluna 11: vírgula fora de lugar (duas vírgulas seguidas, ou uma vírgula sem nada antes?)',
    ]);
    expect(problemsOf('{\n  "A": [1],\n  "B": [2]\n  "C": [3]\n}')[0]).toBe(
      'JSON inválido na linha 4, coluna 3: texto entre aspas fora de lugar (falta uma vírgula entre dois itens?)',
    );
    expect(problemsOf('{"A": [1]')[0]).toBe(
      'JSON inválido na linha 1, coluna 10: o arquivo termina antes da hora (falta fechar "}" ou "]"?)',
    );
    expect(problemsOf("{'A': [1]}")[0]).toBe('JSON inválido na linha 1, coluna 2: caractere "\'" não permitido (o JSON usa aspas duplas)');
    expect(problemsOf('{"A": tru}')[0]).toContain('linha 1, coluna 7: "tru" não é um valor JSON');
    for (const text of ['{"A": [1],}', '{"A" [1]}', '{"A": [1,]}']) expect(problemsOf(text)[0]).not.toMatch(/Unexpected|found/);
  });

  it('refuses names with control or bidirectional characters, and group links other than a WhatsApp invite', () => {
    expect(problemsOf('{"Plano\\u202eXEL": [1]}')[0]).toMatch(/^linha 1: o nome do plano tem caracteres de controle/);
    expect(problemsOf('{"Plano\\u0000": [1]}')[0]).toContain('caracteres de controle');
    expect(problemsOf('{"A": {"courses": [1], "whatsappGroup": "http://169.254.169.254/"}}')[0]).toContain(
      'https://chat.whatsapp.com/<código>',
    );
    expect(problemsOf('{"A": {"courses": [1], "whatsappGroup": "https://chat.whatsapp.com/AbC123"}}')).toEqual([]);
  });

  it('reads a plan file, naming a missing one and what to check', () => {
    const file = join(tempDir(), 'plans.json');
    writeFileSync(file, '{"A": [1, 1, 2]}');
    expect(readPlanFile(file)).toEqual([{ name: 'A', courses: [1, 2], whatsappGroup: undefined }]);
    expect(() => readPlanFile(join(tempDir(), 'nope.json'))).toThrow(/arquivo não encontrado: confira PLANS_FILE/);
    writeFileSync(file, '{"A": [0]}');
    expect(() => readPlanFile(file)).toThrow(/Mapa de planos inválido .*\n {2}- linha 1: "A": id de curso deve ser positivo/);
  });

  it("reads a plan's Kiwify ids and days of access; one Kiwify plan id belongs to one plan", () => {
    const map = parsePlanMap(
      JSON.stringify({
        'Plano Acme': { courses: [1], kiwifyPlanId: 'plan-1', kiwifyProductId: 'prod-1', accessDays: 365 },
        'Curso Avulso': { courses: [2], kiwifyProductId: 42 },
        Simples: [3],
      }),
    );
    expect([...map.values()]).toEqual([
      { name: 'Plano Acme', courses: [1], kiwifyPlanId: 'plan-1', kiwifyProductId: 'prod-1', accessDays: 365 },
      { name: 'Curso Avulso', courses: [2], kiwifyProductId: '42' },
      { name: 'Simples', courses: [3] },
    ]);
    expect(problemsOf('{"A": {"courses": [1], "kiwifyPlanId": "p"},\n"B": {"courses": [2], "kiwifyPlanId": "p"}}')).toEqual([
      'linha 2: "B" tem o id de plano da Kiwify do plano "A" (cada plano da Kiwify é um só plano do mapa)',
    ]);
    expect(problemsOf('{"A": {"courses": [1], "accessDays": 0}}')[0]).toContain('dias de acesso devem ser 1 ou mais');
    expect(problemsOf('{"A": {"courses": [1], "accessDays": "365"}}')[0]).toContain('dias de acesso devem ser um número inteiro');
    expect(problemsOf(`{"A": {"courses": [1], "kiwifyProductId": "${'x'.repeat(201)}"}}`)[0]).toContain('longo demais');
  });

  it('validates one plan as support edits it: name, courses, group link', () => {
    expect(validatePlan({ name: '  Excel PRO ', courses: [3, 3, 4] })).toEqual({
      ok: true,
      plan: { name: 'Excel PRO', courses: [3, 4], whatsappGroup: undefined },
    });
    const problems = (input: unknown) => {
      const r = validatePlan(input);
      return r.ok ? [] : r.problems;
    };
    expect(problems({ name: 'A', courses: [] })).toEqual(['lista de cursos vazia']);
    expect(problems({ name: ' \u200b ', courses: [1] })).toEqual(['informe o nome do plano']);
    expect(problems({ name: 'x'.repeat(10_000), courses: [1] })[0]).toContain('longo demais');
    expect(problems({ name: 'A', courses: [1], whatsappGroup: 'javascript:alert(1)' })[0]).toContain('https://');
    expect(problems({ name: 'A', courses: [1], extra: 1 })).toHaveLength(1);
    expect(validatePlan({ name: 'A', courses: [1], accessDays: 365, kiwifyPlanId: ' p-1 ', kiwifyProductId: '' })).toEqual({
      ok: true,
      plan: { name: 'A', courses: [1], accessDays: 365, kiwifyPlanId: 'p-1' },
    });
    expect(problems({ name: 'A', courses: [1], accessDays: 36_501 })[0]).toContain('dias de acesso demais');
    expect(problems({ name: 'A', courses: [1], accessDays: 2.5 })[0]).toContain('número inteiro');
    expect(problems({ name: 'A', courses: [1], kiwifyPlanId: 'p\u0000' })[0]).toContain('caracteres de controle');
    expect(problems({ name: 'A', courses: [1], kiwifyPlanId: { id: 1 } })[0]).toContain('id do plano na Kiwify');
    expect(problems({ name: 'Plano\u202e', courses: [1] })[0]).toContain('caracteres de controle');
    expect(problems({ name: 'A', courses: [1], whatsappGroup: 'https://chat.whatsapp.com.evil.example/x' })[0]).toContain(
      'convite do WhatsApp',
    );
  });
});
