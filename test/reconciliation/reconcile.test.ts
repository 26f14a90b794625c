import { afterEach, describe, expect, it } from 'vitest';
import type { AlertOutbox } from '../../src/alerts/outbox.js';
import { KiwifyApiClient } from '../../src/clients/kiwify-api.js';
import { Reconciler } from '../../src/reconciliation/reconciler.js';
import { createLogger } from '../../src/log/logger.js';
import { startFakeKiwifyApi, type ApiSale, type FakeKiwifyApi } from '../../src/sandbox/fake-kiwify-api.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { cpfFor, fixture } from '../helpers/kiwify.js';
import { fakeKiwifyApiConfig } from '../helpers/kiwify-api.js';
import { waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';

const HOUR_MS = 60 * 60 * 1000;
const ONE_OFF = fixture('order_approved.one_off');

/** The one-off fixture's sale as Kiwify's API tells it (same order id as the webhook's). */
function apiSaleOf(
  status: string,
  updatedAt = new Date().toISOString(),
): Omit<Partial<ApiSale>, 'product'> & { status: string; product: { name: string; id?: string } } {
  const c = ONE_OFF.Customer;
  return {
    id: ONE_OFF.order_id,
    reference: ONE_OFF.order_ref,
    status,
    created_at: new Date(Date.now() - HOUR_MS).toISOString(),
    updated_at: updatedAt,
    product: { id: ONE_OFF.Product.product_id, name: ONE_OFF.Product.product_name },
    customer: { name: c.full_name, email: c.email, cpf: c.CPF, mobile: c.mobile },
  };
}

function clientFor(fake: FakeKiwifyApi, clock: () => number = Date.now, waits: number[] = [], clientSecret = fake.clientSecret) {
  return new KiwifyApiClient(
    fakeKiwifyApiConfig(fake, {
      clientSecret,
      clock,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    }),
  );
}

const alertsInto = (texts: string[]) =>
  ({
    enqueue: (text: string) => {
      texts.push(text);
      return Promise.resolve();
    },
  }) as unknown as AlertOutbox;

let server: SandboxedServer | undefined;
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const close of cleanup.splice(0)) await close();
});

describe('reconciliation with the server', () => {
  it('a sale whose webhook never came is enrolled at the first run; the webhook arriving later is a duplicate', async () => {
    server = await startSandboxedServer({ ADMIN_TOKEN: 'admin-token-for-reconcile-tests' }, undefined, {
      kiwifyApi: true,
      beforeStart: (sandbox) => sandbox.kiwifyApi.addSale(apiSaleOf('paid')),
    });
    const { sandbox, runtime, deliver, settled } = server;
    const recovered = await waitFor(async () => (await runtime.store.events.byDedupeKey(`order_approved:${ONE_OFF.order_id}`))?.id);
    const event = await settled(recovered);
    expect(event).toMatchObject({ source: 'kiwify-api', planName: 'Design Gráfico' });
    expect(sandbox.ead.studentByCpf(ONE_OFF.Customer.CPF)?.courses.size).toBe(3);
    await waitFor(() => sandbox.callmebot.calls.some((c) => c.text.includes('Venda recuperada pela conciliação')), 5_000, 'alert');

    const late = await deliver(ONE_OFF);
    expect(late.body).toMatchObject({ duplicate: true, eventId: String(recovered) });
    expect(sandbox.ead.callsTo('POST', '/alunos').filter((c) => c.path === '/alunos')).toHaveLength(1);
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/')).toHaveLength(1);
    expect(sandbox.chatpro.delivered).toHaveLength(1);
    const admin = (path: string) =>
      fetch(`${runtime.url()}/admin/api${path}`, { headers: { authorization: 'Bearer admin-token-for-reconcile-tests' } }).then(
        (r) => r.json() as Promise<Record<string, any>>,
      );
    expect((await admin('/health')).reconciliation).toMatchObject({ found: 1, recovered: 1, error: null });
    expect((await admin(`/events/${recovered}`)).event).toMatchObject({ source: 'kiwify-api' });
  });

  it('a refund only the API tells of revokes by the refund rule', async () => {
    server = await startSandboxedServer();
    const { sandbox, runtime, deliver, settled } = server;
    await settled((await deliver(ONE_OFF)).body.eventId);
    const student = sandbox.ead.studentByCpf(ONE_OFF.Customer.CPF)!;
    sandbox.kiwifyApi.addSale(apiSaleOf('refunded'));
    const reconciler = new Reconciler({
      store: runtime.store,
      api: clientFor(sandbox.kiwifyApi),
      alerts: runtime.alerts,
      log: runtime.log,
      clock: Date.now,
      intervalMs: 60_000,
      lookbackHours: 72,
      onQueued: () => runtime.worker.wake(),
    });
    const report = await reconciler.runOnce();
    expect(report).toMatchObject({ found: 1, queued: 1 });
    const refund = await settled(report!.queuedIds[0]);
    expect(refund.outcome).toBe(`Aluno ${student.id} excluído do EAD: todos os cursos do aluno (254, 751, 169) eram desta venda.`);
    expect(sandbox.ead.students.has(student.id)).toBe(false);
  });
});

/** A new store on `target` (read through `clock`) and a fake Kiwify API, both closed after the test. */
async function freshStoreAndFake(target: (typeof STORE_TARGETS)[number], clock: () => number) {
  const fake = await startFakeKiwifyApi();
  const store = await openStores(await target.fresh(), clock);
  cleanup.push(
    () => fake.close(),
    () => store.close(),
  );
  return { fake, store };
}

describe.each(STORE_TARGETS)('reconciliation ($name)', (target) => {
  let now = Date.now();
  const clock = () => now;
  async function setup() {
    now = Date.now();
    return freshStoreAndFake(target, clock);
  }
  const reconcilerOf = (store: Stores, fake: FakeKiwifyApi, alerts: string[] = [], secret = fake.clientSecret) =>
    new Reconciler({
      store,
      api: clientFor(fake, clock, [], secret),
      alerts: alertsInto(alerts),
      log: createLogger('silent'),
      clock,
      intervalMs: 60_000,
      lookbackHours: 72,
    });

  it('a list that never ends: the run stops at its bound and tells support once; the automatic runs then hold until a person resumes them', async ({
    skip,
  }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { fake, store } = await setup();
    fake.endless = true;
    const alerts: string[] = [];
    const reconciler = new Reconciler({
      store,
      api: clientFor(fake, clock),
      alerts: alertsInto(alerts),
      log: createLogger('silent'),
      clock,
      intervalMs: 60_000,
      lookbackHours: 72,
      maxRecovered: 250,
    });
    now = Date.now() + 1_000;
    expect(await reconciler.runOnce()).toMatchObject({ queued: 250, limitReached: true });
    expect(await store.events.list({ limit: 1_000 })).toHaveLength(250);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatch(/^🔎 \*250 vendas recuperadas pela conciliação\*/);
    expect(alerts[0]).toContain('parou ao recuperar 250 vendas nesta rodada');
    expect(alerts[0]).toContain('conciliação automática ficou pausada');
    expect(alerts[0]).toContain('npm run reconcile -- --resume');
    expect(alerts[0]).toContain('… e mais 240');
    expect(alerts[0].length).toBeLessThan(2_000);
    // The window was not read to its end: the checkpoint did not move; the run is recorded.
    expect(await store.reconciliation.state()).toMatchObject({ checkpoint: null, last_recovered: 250, last_error: null });

    // The next intervals: nothing runs, nothing is queued, no alert.
    const calls = fake.calls.length;
    for (let i = 0; i < 3; i += 1) {
      now += 60_000;
      expect(await reconciler.runOnce()).toBeUndefined();
    }
    expect(fake.calls.length).toBe(calls);
    expect(await store.events.list({ limit: 1_000 })).toHaveLength(250);
    expect(alerts).toHaveLength(1);

    // A person looked and resumes: one more bounded round, and it holds again.
    expect(await store.reconciliation.resume(250)).toBe(true);
    now += 60_000;
    expect(await reconciler.runOnce()).toMatchObject({ queued: 250, limitReached: true });
    expect(alerts).toHaveLength(2);
    now += 60_000;
    expect(await reconciler.runOnce()).toBeUndefined();
    expect(await store.events.list({ limit: 1_000 })).toHaveLength(500);
  });

  it('a run that recovers fewer than its bound does not hold', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { fake, store } = await setup();
    for (let n = 1; n <= 3; n += 1) fake.addSale({ ...apiSaleOf('paid'), id: `sale-${n}`, reference: `REF${n}` });
    const reconciler = reconcilerOf(store, fake);
    now = Date.now() + 1_000;
    expect(await reconciler.runOnce()).toMatchObject({ queued: 3, limitReached: false });
    expect(await reconciler.holding()).toBe(false);
    expect(await store.reconciliation.resume(300)).toBe(false);
    now += 60_000;
    expect(await reconciler.runOnce()).toMatchObject({ queued: 0 });
  });

  it('sales a run recovers are told in one summary, without the buyers’ names', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { fake, store } = await setup();
    for (let n = 1; n <= 3; n += 1) fake.addSale({ ...apiSaleOf('paid'), id: `sale-${n}`, reference: `REF${n}` });
    const alerts: string[] = [];
    now = Date.now() + 1_000;
    expect(await reconcilerOf(store, fake, alerts).runOnce()).toMatchObject({ queued: 3, limitReached: false });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatch(/^🔎 \*3 vendas recuperadas pela conciliação\*/);
    for (const ref of ['REF1', 'REF2', 'REF3']) expect(alerts[0]).toContain(`pedido ${ref}`);
    expect(alerts[0]).not.toContain(ONE_OFF.Customer.full_name);
    expect(alerts[0]).not.toContain('parou');
    expect((await store.reconciliation.state())?.checkpoint).toBe(now);
  });

  it('two instances reconcile each window once; a restart resumes from the checkpoint', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { fake, store } = await setup();
    fake.addSale({ ...apiSaleOf('paid'), id: 'sale-1' });
    now = Date.now() + 1_000; // the run starts after the sale was updated
    const [a, b] = await Promise.all([reconcilerOf(store, fake).runOnce(), reconcilerOf(store, fake).runOnce()]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect((a ?? b)!.queued).toBe(1);
    const firstRun = fake.calls.filter((c) => c.path === '/v1/sales');
    expect(firstRun.every((c) => c.query.updated_at_start_date === new Date(now - 72 * HOUR_MS).toISOString())).toBe(true);

    // Restarted an hour later (a new instance): it asks from the checkpoint, less the overlap.
    const checkpoint = now;
    now += HOUR_MS;
    fake.addSale({ ...apiSaleOf('paid', new Date(checkpoint + 60_000).toISOString()), id: 'sale-2', reference: 'R2' });
    fake.calls.length = 0;
    const again = await reconcilerOf(store, fake).runOnce();
    expect(again).toMatchObject({ found: 2, already: 1, queued: 1 });
    expect(fake.calls.filter((c) => c.path === '/v1/sales').map((c) => c.query.updated_at_start_date)).toContain(
      new Date(checkpoint - 10 * 60 * 1000).toISOString(),
    );
    expect(await store.reconciliation.state()).toMatchObject({ checkpoint: now, last_found: 2, last_recovered: 1 });
  });

  it('wrong credentials: one alert naming the variables, retried next interval, resumed from the checkpoint once fixed', async ({
    skip,
  }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { fake, store } = await setup();
    const alerts: string[] = [];
    expect(await reconcilerOf(store, fake, alerts, 'segredo-errado').runOnce()).toBeUndefined();
    now += 60_000;
    expect(await reconcilerOf(store, fake, alerts, 'segredo-errado').runOnce()).toBeUndefined();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain('KIWIFY_CLIENT_ID / KIWIFY_CLIENT_SECRET');
    expect((await store.reconciliation.state())!.checkpoint).toBeNull();
    fake.addSale({ ...apiSaleOf('paid'), id: 'sale-x' });
    now += 60_000;
    expect(await reconcilerOf(store, fake, alerts).runOnce()).toMatchObject({ queued: 1 });
    expect(alerts.slice(1)).toEqual([expect.stringContaining('restabelecida'), expect.stringContaining('Venda recuperada')]);
  });
});

describe.each(STORE_TARGETS)('reconciliation under stress ($name)', (target) => {
  let now = Date.now();
  const clock = () => now;
  const LEASE_MS = 10 * 60 * 1000;
  async function setup() {
    now = Date.now();
    return freshStoreAndFake(target, clock);
  }
  const reconcilerOf = (
    store: Stores,
    fake: FakeKiwifyApi,
    alerts: string[] = [],
    options: Partial<ConstructorParameters<typeof Reconciler>[0]> = {},
  ) =>
    new Reconciler({
      store,
      api: clientFor(fake, clock),
      alerts: alertsInto(alerts),
      log: createLogger('silent'),
      clock,
      intervalMs: 60_000,
      lookbackHours: 72,
      ...options,
    });
  /** A client that really waits out a Retry-After (the others' waits return at once). */
  const waitingClient = (fake: FakeKiwifyApi) => new KiwifyApiClient(fakeKiwifyApiConfig(fake, { clock }));
  /** `n` paid sales of distinct buyers, created an hour ago. */
  const addPaidSales = (fake: FakeKiwifyApi, n: number) => {
    for (let i = 0; i < n; i += 1) {
      fake.addSale({
        id: `sale-${i}`,
        status: 'paid',
        product: { name: 'Excel PRO' },
        created_at: new Date(Date.now() - HOUR_MS).toISOString(),
        customer: { name: `Cliente ${i}`, email: `c${i}@example.com`, cpf: cpfFor(2000 + i) },
      });
    }
  };
  const listCalls = (fake: FakeKiwifyApi) => fake.calls.filter((c) => c.path === '/v1/sales');

  it('a sale updated while the pages are read does not push the next page’s first sale out of sight', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { fake, store } = await setup();
    addPaidSales(fake, 150);
    now = Date.now() + 1_000;
    let bumped = false;
    fake.onPage = (page, sales) => {
      // Page 1 was read; its first sale is updated (after the run's `to`) before page 2 is asked for.
      if (page === 1 && sales.length > 0 && !bumped) {
        bumped = true;
        fake.sales[0].updated_at = new Date(now + 60_000).toISOString();
      }
    };
    const report = await reconcilerOf(store, fake).runOnce();
    expect(bumped).toBe(true);
    expect(report).toMatchObject({ queued: 150 });
    for (const i of [0, 99, 100, 101, 149]) expect(await store.events.byDedupeKey(`order_approved:sale-${i}`)).toBeDefined();
    expect(listCalls(fake).every((c) => c.query.updated_at_end_date === undefined)).toBe(true);
    expect((await store.reconciliation.state())!.checkpoint).toBe(now); // `to`, taken before the read
  });

  it('a subscription sale whose details keep failing is taken as listed; details never change the listed id or status', async ({
    skip,
  }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { fake, store } = await setup();
    fake.hidePlanInList = true;
    const subscription = (id: string, plan: string, i: number) =>
      fake.addSale({
        id,
        type: 'subscription',
        status: 'paid',
        product: { name: 'Excel PRO' },
        created_at: new Date(Date.now() - HOUR_MS).toISOString(),
        customer: { name: `Assinante ${i}`, email: `a${i}@example.com`, cpf: cpfFor(3000 + i) },
        subscription: { id: `sub-${id}`, plan: { name: plan } },
      });
    subscription('sale-down', 'Plano Anual', 1);
    subscription('sale-odd', 'Plano Mensal', 2);
    // 500 on every attempt the client makes (the first and its three retries).
    fake.faults.failNext('http_500', 4, (req) => req.path === '/v1/sales/sale-down');
    fake.detailChanges.set('sale-odd', { id: 'outro-id', status: 'refunded' });
    now = Date.now() + 1_000;
    const report = await reconcilerOf(store, fake).runOnce();
    expect(report).toMatchObject({ found: 2, queued: 2, detailsFailed: 1 });
    const down = await store.events.get((await store.events.byDedupeKey('order_approved:sale-down'))!.id);
    expect(down?.planName).toBe('Excel PRO'); // the product's name stands in for the plan
    const odd = await store.events.get((await store.events.byDedupeKey('order_approved:sale-odd'))!.id);
    expect(odd?.planName).toBe('Plano Mensal'); // the plan comes from the details…
    expect(await store.events.byDedupeKey('order_refunded:outro-id')).toBeUndefined(); // …the id and status do not
    expect(await store.reconciliation.state()).toMatchObject({ checkpoint: now, last_error: null });
  });

  it('the lease is renewed after each page: a run longer than the lease keeps it', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { fake, store } = await setup();
    fake.pageSizeCap = 10;
    addPaidSales(fake, 25);
    now = Date.now() + 1_000;
    let stolen: boolean | undefined;
    fake.onPage = async (page, sales) => {
      if (sales.length === 0) return;
      if (page === 1) now += 9 * 60 * 1000; // page 1 is slow: 9 of the 10 minutes
      if (page === 2) {
        now += 2 * 60 * 1000; // 11 minutes since the run took the lease
        stolen = await store.reconciliation.acquire('outra-instancia', LEASE_MS, 0);
      }
    };
    const report = await reconcilerOf(store, fake).runOnce();
    expect(stolen).toBe(false);
    expect(report).toMatchObject({ queued: 25 });
    expect(await store.reconciliation.state()).toMatchObject({ checkpoint: expect.any(Number), lease_owner: null });
  });

  it('a run whose lease another instance took stops at the next page and moves nothing', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { fake, store } = await setup();
    fake.pageSizeCap = 10;
    addPaidSales(fake, 25);
    now = Date.now() + 1_000;
    let stolen: boolean | undefined;
    fake.onPage = async (page, sales) => {
      if (page === 2 && sales.length > 0) {
        now += LEASE_MS + 60_000; // the lease renewed after page 1 runs out
        stolen = await store.reconciliation.acquire('outra-instancia', LEASE_MS, 0);
      }
    };
    const alerts: string[] = [];
    expect(await reconcilerOf(store, fake, alerts).runOnce()).toBeUndefined();
    expect(stolen).toBe(true);
    expect(listCalls(fake).some((c) => c.query.page_number === '3')).toBe(false);
    expect(await store.reconciliation.state()).toMatchObject({ checkpoint: null, lease_owner: 'outra-instancia', last_error: null });
    expect(alerts.filter((a) => a.includes('falhando'))).toHaveLength(0);
  });

  it('a run past its deadline is aborted, even in a Retry-After wait: one alert, the lease given back', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { fake, store } = await setup();
    addPaidSales(fake, 1);
    fake.throttleNext(1, 60); // a minute, within what the client waits in place
    const alerts: string[] = [];
    const reconciler = reconcilerOf(store, fake, alerts, { api: waitingClient(fake), runDeadlineMs: 300 });
    expect(await reconciler.runOnce()).toBeUndefined();
    expect(fake.calls.some((c) => c.status === 429)).toBe(true);
    const state = await store.reconciliation.state();
    expect(state).toMatchObject({ checkpoint: null, lease_owner: null });
    expect(state!.last_error).toContain('prazo');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain('prazo');
  });

  it('stop() aborts the run under way (a Retry-After wait) instead of waiting for it, and gives the lease back', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { fake, store } = await setup();
    addPaidSales(fake, 1);
    fake.throttleNext(1, 60);
    const alerts: string[] = [];
    const reconciler = reconcilerOf(store, fake, alerts, { api: waitingClient(fake) });
    const running = reconciler.runOnce();
    await waitFor(() => fake.calls.some((c) => c.status === 429), 10_000, 'the 429');
    const started = Date.now();
    await reconciler.stop();
    expect(await running).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await store.reconciliation.state()).toMatchObject({ checkpoint: null, lease_owner: null, last_error: null });
    expect(alerts).toHaveLength(0); // a shutdown is no failure
    expect(await reconciler.runNow()).toBeUndefined(); // stopped: no more runs
    expect(await reconcilerOf(store, fake).runNow()).toMatchObject({ queued: 1 }); // another instance goes on at once
  });

  it('a checkpoint in the future (a clock running ahead) is taken as now: nothing is skipped', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { fake, store } = await setup();
    expect(await store.reconciliation.acquire('adiantada', LEASE_MS, 0)).toBe(true);
    await store.reconciliation.finish('adiantada', { from: now, to: now, found: 0, recovered: 0, checkpoint: now + HOUR_MS });
    addPaidSales(fake, 1);
    fake.sales[0].updated_at = new Date().toISOString(); // after the real checkpoint, long before the future one
    now = Date.now() + 60_000;
    const report = await reconcilerOf(store, fake).runOnce();
    expect(report).toMatchObject({ queued: 1 });
    expect(listCalls(fake).every((c) => c.query.updated_at_start_date === new Date(now - 10 * 60 * 1000).toISOString())).toBe(true);
    expect((await store.reconciliation.state())!.checkpoint).toBe(now);
  });

  it('until a first run goes through, every run looks back from the first attempt', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { fake, store } = await setup();
    const first = now;
    // Updated 71.5 h before the first attempt: inside its 72 h lookback, outside one taken 5 h later.
    addPaidSales(fake, 1);
    fake.sales[0].updated_at = new Date(first - 71.5 * HOUR_MS).toISOString();
    fake.sales[0].created_at = new Date(first - 72 * HOUR_MS).toISOString();
    const broken = { api: clientFor(fake, clock, [], 'segredo-errado') };
    expect(await reconcilerOf(store, fake, [], broken).runOnce()).toBeUndefined();
    now = first + 2 * HOUR_MS;
    expect(await reconcilerOf(store, fake, [], broken).runOnce()).toBeUndefined();
    now = first + 5 * HOUR_MS;
    expect(await reconcilerOf(store, fake).runOnce()).toMatchObject({ queued: 1 });
    expect(listCalls(fake).every((c) => c.query.updated_at_start_date === new Date(first - 72 * HOUR_MS).toISOString())).toBe(true);
  });
});

describe('Kiwify API client', () => {
  it('pages until the count is reached or a page comes back empty, even when Kiwify serves fewer than 100 a page', async () => {
    const fake = await startFakeKiwifyApi();
    cleanup.push(() => fake.close());
    fake.pageSizeCap = 10;
    for (let i = 0; i < 25; i += 1) fake.addSale({ status: 'paid', product: { name: 'Excel PRO' } });
    const client = clientFor(fake);
    const query = {
      startDate: new Date(Date.now() - 24 * HOUR_MS).toISOString().slice(0, 10),
      endDate: new Date(Date.now() + 24 * HOUR_MS).toISOString().slice(0, 10), // tomorrow: a bare end date may be left out
    };
    const read = async () => {
      const ids: string[] = [];
      for await (const sale of client.listSales(query)) ids.push(String(sale.id));
      return ids;
    };
    expect(new Set(await read()).size).toBe(25);
    expect(fake.calls.filter((c) => c.path === '/v1/sales').map((c) => c.query.page_number)).toEqual(['1', '2', '3']);
    fake.calls.length = 0;
    fake.hideCount = true;
    expect(new Set(await read()).size).toBe(25);
    expect(fake.calls.filter((c) => c.path === '/v1/sales').map((c) => c.query.page_number)).toEqual(['1', '2', '3', '4']); // 4: empty
  });

  it('pages through 250 sales in 120 days in windows of at most 90 days; a token expiring mid-run is renewed once; 429 waits Retry-After', async () => {
    const fake = await startFakeKiwifyApi();
    cleanup.push(() => fake.close());
    const start = Date.parse('2026-06-01T12:00:00Z');
    for (let i = 0; i < 250; i += 1) {
      const at = new Date(start + Math.floor((i * 120) / 250) * 24 * HOUR_MS).toISOString();
      fake.addSale({
        status: 'paid',
        product: { name: 'Excel PRO' },
        created_at: at,
        customer: { name: `C ${i}`, email: `c${i}@x.com`, cpf: cpfFor(i) },
      });
    }
    const waits: number[] = [];
    const client = clientFor(fake, Date.now, waits);
    fake.throttleNext(1, 2);
    let pages = 0;
    fake.onCall = (call) => {
      if (call.path === '/v1/sales' && call.status === 200 && (pages += 1) === 1) fake.expireTokens();
    };
    const { chunks } = await import('../../src/reconciliation/reconcile-window.js');
    const seen = new Set<string>();
    for (const chunk of chunks(start, start + 120 * 24 * HOUR_MS)) {
      for await (const sale of client.listSales(chunk)) seen.add(String(sale.id));
    }
    expect(seen.size).toBe(250);
    expect(waits).toEqual([2_000]);
    expect(fake.tokensIssued).toBe(2);
    expect(fake.calls.filter((c) => c.path === '/v1/sales' && c.status === 400)).toHaveLength(0); // no window over 90 days
    expect(pages).toBeGreaterThanOrEqual(3);
  });
});
