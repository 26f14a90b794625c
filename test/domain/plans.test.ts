import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PLANS_FILE } from '../../src/config.js';
import { parsePlanMap, PlanCatalog, PlanMapError } from '../../src/domain/plans.js';
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

  it('reloads an edited file without a restart; a bad edit keeps the map in use, reported once', () => {
    const file = join(tempDir(), 'plans.json');
    writeFileSync(file, '{"A": [1]}');
    const invalid: PlanMapError[] = [];
    const catalog = new PlanCatalog(file, (e) => invalid.push(e));
    expect(catalog.resolve('a')?.courses).toEqual([1]);
    writeFileSync(file, '{"A": [1, 2], "B": [3]}');
    expect(catalog.resolve('A')?.courses).toEqual([1, 2]);
    writeFileSync(file, '{"A": [1, 2], "B": [-3]}   ');
    expect(catalog.resolve('B')?.courses).toEqual([3]);
    expect(catalog.resolve('B')?.courses).toEqual([3]);
    expect(invalid).toHaveLength(1);
    writeFileSync(file, '{"C": [4]}');
    expect(catalog.resolve('B')).toBeUndefined();
    expect(catalog.resolve('C')?.courses).toEqual([4]);
  });

  it('an invalid map at start-up stops the server with the problems listed', () => {
    const file = join(tempDir(), 'plans.json');
    writeFileSync(file, '{"A": [0]}');
    expect(() => new PlanCatalog(file)).toThrow(/Mapa de planos inválido .*\n {2}- linha 1: "A": id de curso deve ser positivo/);
  });
});
