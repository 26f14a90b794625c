import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plansCommand } from '../../src/cli/commands/plans-command.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { runCommand } from '../helpers/cli.js';
import { tempDir } from '../helpers/config.js';

const dbPath = join(tempDir(), 'plans-cli.db');
let store: Stores;
let sandbox: Sandbox;

/** The CLI on the server's database, with (or without) the EAD to check course ids against. */
const plans = (args: string[], withEad = true) =>
  runCommand(plansCommand, args, {
    SQLITE_PATH: dbPath,
    ...(withEad
      ? { EAD_BASE_URL: sandbox.env.EAD_BASE_URL, EAD_API_KEY: sandbox.env.EAD_API_KEY, EAD_UNIT_ID: sandbox.env.EAD_UNIT_ID }
      : {}),
  });

beforeAll(async () => {
  sandbox = await startSandbox();
  store = await openStores({ SQLITE_PATH: dbPath });
  // A sale that failed because its plan was not mapped.
  const { id } = await store.inbox.insert({
    eventType: 'order_approved',
    dedupeKey: 'a',
    customerKey: 'cpf:1',
    planName: 'Inglês Fluente',
    body: {},
  });
  const [claim] = await store.queue.claimDue('w', 1, 60_000);
  await store.queue.finish(claim, 'failed', 'Falhou', { message: 'sem plano', code: 'unmapped_plan' });
  expect(claim.id).toBe(id);
});
afterAll(async () => {
  await store?.close();
  await sandbox?.close();
});

describe('npm run plans', () => {
  it('set checks ids against the EAD catalog, then requeues the sales waiting for the plan', async () => {
    const unknown = await plans(['set', 'Inglês Fluente', '263,999001']);
    expect(unknown).toMatchObject({ code: 1, err: 'Não salvo: Curso(s) que não existem no catálogo do EAD: 999001.' });
    const ok = await plans(['set', 'ingles fluente', '263, 280', '--whatsapp', 'https://chat.whatsapp.com/abc']);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('Plano "ingles fluente" salvo: cursos 263, 280.');
    expect(ok.out).toContain('1 venda(s) que aguardavam este plano voltaram para a fila');
    expect((await store.events.countByStatus()).pending).toBe(1);
    expect((await plans(['list'])).out).toBe('ingles fluente → 263,280 · 1 venda(s) · grupo https://chat.whatsapp.com/abc');
  });

  it('without the EAD configured, saves unchecked and says so; bad input is refused with the reason', async () => {
    const res = await plans(['set', 'Excel PRO', '161'], false);
    expect(res.code).toBe(0);
    expect(res.err).toContain('os ids dos cursos não foram conferidos');
    // A .env copied from .env.example (EAD_API_KEY=change-me, EAD_UNIT_ID empty): the database is all it needs.
    const example = await runCommand(plansCommand, ['set', 'Excel PRO', '161'], {
      SQLITE_PATH: dbPath,
      EAD_API_KEY: 'change-me',
      EAD_UNIT_ID: '',
    });
    expect(example.code).toBe(0);
    expect(example.err).toContain('os ids dos cursos não foram conferidos');
    expect(example.err).toContain('EAD_API_KEY ainda tem o valor de exemplo');
    const incomplete = await runCommand(plansCommand, ['set', 'Excel PRO', '161'], {
      SQLITE_PATH: dbPath,
      EAD_API_KEY: 'chave-real',
      EAD_UNIT_ID: '',
    });
    expect(incomplete).toMatchObject({ code: 0, err: expect.stringContaining('variáveis do EAD incompletas neste ambiente: EAD_UNIT_ID') });
    expect((await plans(['set', 'Excel PRO', 'abc'], false)).code).toBe(1);
    expect((await plans(['set', 'Excel PRO'])).code).toBe(2);
    expect((await plans(['remove', 'Plano que não existe'])).code).toBe(1);
  });

  it("sets a plan's days of access and Kiwify ids; a set that leaves the ids out keeps them; list shows them", async () => {
    const set = await plans(['set', 'Excel PRO', '161', '--days', '365', '--plan-id', 'plano-excel', '--product-id', 'produto-excel']);
    expect(set).toMatchObject({ code: 0 });
    expect(set.out).toContain(
      'Plano "Excel PRO" salvo: cursos 161; acesso por 365 dias; id do plano plano-excel, id do produto produto-excel.',
    );
    expect(await store.plans.byName('Excel PRO')).toMatchObject({
      accessDays: 365,
      kiwifyPlanId: 'plano-excel',
      kiwifyProductId: 'produto-excel',
    });
    // Without --plan-id/--product-id the ids stay (they are learned from sales); "" clears one. The days are what is given.
    await plans(['set', 'Excel PRO', '161', '--product-id', '']);
    expect(await store.plans.byName('Excel PRO')).toMatchObject({
      kiwifyPlanId: 'plano-excel',
      kiwifyProductId: undefined,
      accessDays: undefined,
    });
    await plans(['set', 'Excel PRO', '161', '--days', '30']);
    expect((await plans(['list'])).out.split('\n')).toContain(
      'Excel PRO → 161 · 0 venda(s) · acesso por 30 dias · id do plano plano-excel',
    );
    for (const days of ['0', 'um ano', '36501']) {
      const bad = await plans(['set', 'Excel PRO', '161', '--days', days]);
      expect(bad.code, days).toBe(1);
      expect(bad.err).toMatch(/dias de acesso/);
    }
    const taken = await plans(['set', 'Outro', '161', '--plan-id', 'plano-excel']);
    expect(taken).toMatchObject({ code: 1, err: expect.stringContaining('já é do plano "Excel PRO"') });
    await plans(['set', 'Excel PRO', '161', '--plan-id', '']); // as the next test expects it
  });

  it('export writes the map as a file; import makes a file the whole map, refusing an invalid one', async () => {
    const file = join(tempDir(), 'plans-export.json');
    writeFileSync(file, (await plans(['export'])).out);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      'Excel PRO': [161],
      'ingles fluente': { courses: [263, 280], whatsappGroup: 'https://chat.whatsapp.com/abc' },
    });
    // Days and ids go out and come back.
    await plans(['set', 'Excel PRO', '161', '--days', '365', '--plan-id', 'plano-excel']);
    const withIds = JSON.parse((await plans(['export'])).out);
    expect(withIds['Excel PRO']).toEqual({ courses: [161], kiwifyPlanId: 'plano-excel', accessDays: 365 });
    const roundTrip = join(tempDir(), 'plans-ids.json');
    writeFileSync(roundTrip, JSON.stringify(withIds));
    expect((await plans(['import', roundTrip])).code).toBe(0);
    expect(await store.plans.byName('Excel PRO')).toMatchObject({ kiwifyPlanId: 'plano-excel', accessDays: 365 });
    expect((await plans(['remove', 'EXCEL pro'])).out).toBe('Plano "EXCEL pro" removido.');
    expect((await plans(['import', file])).out).toContain('2 plano(s) importados');
    expect((await store.plans.all()).map((p) => p.name)).toEqual(['Excel PRO', 'ingles fluente']);

    writeFileSync(file, '{"A": [0]}');
    const bad = await plans(['import', file]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('id de curso deve ser positivo');
    expect(await store.plans.all()).toHaveLength(2);
  });
});
