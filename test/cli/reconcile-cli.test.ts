import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileCommand } from '../../src/cli/commands/reconcile-command.js';
import { startFakeEad, type FakeEad } from '../../src/sandbox/fake-ead.js';
import { startFakeKiwifyApi, type FakeKiwifyApi } from '../../src/sandbox/fake-kiwify-api.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { runCommand } from '../helpers/cli.js';
import { tempDir } from '../helpers/config.js';
import { cpfFor } from '../helpers/kiwify.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const dbPath = join(tempDir(), 'reconcile.db');
let store: Stores;
let kiwify: FakeKiwifyApi;
let ead: FakeEad;
let env: Record<string, string>;

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const since = day(Date.now() - 120 * DAY_MS);

beforeAll(async () => {
  store = await openStores({ SQLITE_PATH: dbPath });
  await store.plans.set({ name: 'Excel PRO', courses: [161, 197, 201] }, 'teste');
  [kiwify, ead] = await Promise.all([startFakeKiwifyApi(), startFakeEad()]);
  env = {
    SQLITE_PATH: dbPath,
    KIWIFY_API_URL: kiwify.url,
    KIWIFY_CLIENT_ID: kiwify.clientId,
    KIWIFY_CLIENT_SECRET: kiwify.clientSecret,
    KIWIFY_ACCOUNT_ID: kiwify.accountId,
    EAD_BASE_URL: ead.url,
    EAD_API_KEY: ead.apiKey,
    EAD_UNIT_ID: ead.unitId,
  };
});
afterAll(async () => {
  await Promise.all([store.close(), kiwify.close(), ead.close()]);
});

describe('npm run reconcile', () => {
  it('backfills 250 sales over 120 days: --dry-run changes nothing, then the missing ones are queued once', async () => {
    for (let i = 0; i < 250; i += 1) {
      const created = new Date(Date.now() - 119 * DAY_MS + Math.floor((i * 118) / 250) * DAY_MS).toISOString();
      kiwify.addSale({
        status: i % 50 === 0 ? 'waiting_payment' : 'paid',
        product: { name: 'Excel PRO' },
        created_at: created,
        customer: { name: `Cliente ${i}`, email: `c${i}@example.com`, cpf: cpfFor(1000 + i), mobile: '+5511987654321' },
      });
    }
    const dry = await runCommand(reconcileCommand, ['--since', since, '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('Simulação (--dry-run): nada foi enfileirado.');
    expect(dry.out).toMatch(/Vendas na API da Kiwify\s+250/);
    expect(dry.out).toMatch(/Seriam enfileiradas \(o webhook não chegou\)\s+245/);
    expect(dry.out).toMatch(/Ignoradas: status waiting_payment\s+5/);
    expect((await store.events.countByStatus()).pending).toBe(0);

    const real = await runCommand(reconcileCommand, ['--since', since], env);
    expect(real.out).toMatch(/Enfileiradas \(o webhook não chegou\)\s+245/);
    expect((await store.events.countByStatus()).pending).toBe(245);
    expect((await store.events.list({ limit: 1 }))[0].source).toBe('kiwify-api');
    const again = await runCommand(reconcileCommand, ['--since', since], env);
    expect(again.out).toMatch(/Já na caixa de entrada\s+245/);
    expect(again.out).toMatch(/Enfileiradas \(o webhook não chegou\)\s+0/);
    // Windows of at most 90 days, pages of 100.
    expect(kiwify.calls.filter((c) => c.path === '/v1/sales' && c.status === 400)).toHaveLength(0);
    const listCalls = kiwify.calls.filter((c) => c.path === '/v1/sales');
    expect(listCalls.some((c) => c.query.page_number === '2')).toBe(true);
    expect(new Set(listCalls.map((c) => c.query.start_date)).size).toBe(2); // 120 days: two windows
  });

  it('the audit finds a paid sale without access and a refunded one with access; --fix queues what is missing', async () => {
    kiwify.sales.length = 0;
    const paid = cpfFor(5001);
    const refunded = cpfFor(5002);
    ead.addStudent({ cpf: paid, courses: [161] }); // lacks 197 and 201
    ead.addStudent({ cpf: refunded, courses: [161, 197, 201, 999] });
    ead.addStudent({ cpf: cpfFor(5003), courses: [161, 197, 201] }); // paid, all good
    const sale = (cpf: string, status: string, reference: string) =>
      kiwify.addSale({
        status,
        reference,
        product: { name: 'Excel PRO' },
        customer: { name: 'Pessoa Teste', email: `${reference}@example.com`, cpf },
      });
    sale(paid, 'paid', 'PAGO1');
    sale(refunded, 'refunded', 'REEMB1');
    sale(cpfFor(5003), 'paid', 'OK1');
    const before = ead.calls.filter((c) => c.method !== 'GET').length;

    const audit = await runCommand(reconcileCommand, ['--audit', '--since', day(Date.now() - DAY_MS)], env);
    expect(audit.code).toBe(0);
    expect(audit.out).toContain('3 venda(s)');
    expect(audit.out).toMatch(/PAGO1\s+paid\s+pago sem acesso\s+CPF \*+\d\d\s+Excel PRO cursos 197,201 → fila/);
    expect(audit.out).toMatch(/REEMB1\s+refunded\s+reembolsado com acesso\s+CPF \*+\d\d\s+Excel PRO cursos 161,197,201/);
    expect(audit.out).not.toContain('OK1');
    expect(audit.out).not.toContain(paid);
    expect(audit.out).toContain('Nada foi alterado');
    expect(ead.calls.filter((c) => c.method !== 'GET').length).toBe(before); // read-only

    const pendingBefore = (await store.events.countByStatus()).pending;
    const fixed = await runCommand(reconcileCommand, ['--audit', '--since', day(Date.now() - DAY_MS), '--fix'], env);
    expect(fixed.out).toMatch(/PAGO1 .* → enfileirada \(evento #\d+\)/);
    expect((await store.events.countByStatus()).pending).toBe(pendingBefore + 2);
  });

  it('says what to set when the Kiwify API credentials are missing', async () => {
    const res = await runCommand(reconcileCommand, ['--since', since], { SQLITE_PATH: dbPath });
    expect(res.code).toBe(2);
    expect(res.err).toContain('KIWIFY_CLIENT_ID, KIWIFY_CLIENT_SECRET e KIWIFY_ACCOUNT_ID');
    expect((await runCommand(reconcileCommand, ['--since', 'ontem'], env)).code).toBe(2);
  });
});

describe('npm run reconcile -- --resume', () => {
  it('lets the automatic reconciliation go on after a run stopped at its bound; says so when it was not holding', async () => {
    const db = store.database.db;
    await db
      .insertInto('reconciliation')
      .values({ name: 'kiwify' })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    await db
      .updateTable('reconciliation')
      .set({ last_recovered: 300, last_to: Date.now(), last_error: null })
      .where('name', '=', 'kiwify')
      .execute();
    const resumed = await runCommand(reconcileCommand, ['--resume'], { SQLITE_PATH: dbPath });
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('Conciliação automática retomada');
    expect((await store.reconciliation.state())?.last_recovered).toBe(0);
    const again = await runCommand(reconcileCommand, ['--resume'], { SQLITE_PATH: dbPath });
    expect(again.out).toContain('não estava pausada');
  });
});
