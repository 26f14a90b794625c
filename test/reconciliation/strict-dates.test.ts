import { afterEach, describe, expect, it } from 'vitest';
import type { AlertOutbox } from '../../src/alerts/outbox.js';
import { openStores } from '../../src/app/feature-stores.js';
import { KiwifyApiClient } from '../../src/clients/kiwify-api.js';
import { createLogger } from '../../src/log/logger.js';
import { chunks, MAX_WINDOW_DAYS, saoPauloDate } from '../../src/reconciliation/reconcile-window.js';
import { Reconciler } from '../../src/reconciliation/reconciler.js';
import { startFakeKiwifyApi, type FakeKiwifyApi } from '../../src/sandbox/fake-kiwify-api.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { cpfFor } from '../helpers/kiwify.js';
import { fakeKiwifyApiConfig } from '../helpers/kiwify-api.js';

/**
 * Kiwify does not document whether a bare `end_date` includes its day, nor in which time zone a
 * date is read; one client reports equal dates refused. Against the fake's strict reading (a bare
 * end EXCLUDED, equal or inverted dates refused with 400, midnight in São Paulo or in UTC), the
 * reconciliation still finds a sale made minutes ago — at any hour, including those when São
 * Paulo's date is behind UTC's (21:00–24:00 there).
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60_000;
const days = (from: string, to: string) => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close();
});

function clientFor(fake: FakeKiwifyApi, clock: () => number) {
  return new KiwifyApiClient(fakeKiwifyApiConfig(fake, { clock, sleep: () => Promise.resolve() }));
}

const noAlerts = { enqueue: () => Promise.resolve() } as unknown as AlertOutbox;

/** A paid sale created `agoMs` before `now`, as the API lists it. */
function paidSale(fake: FakeKiwifyApi, n: number, now: number, agoMs: number) {
  const at = new Date(now - agoMs).toISOString();
  return fake.addSale({
    id: `venda-${n}`,
    status: 'paid',
    created_at: at,
    updated_at: at,
    product: { id: 'prod-excel', name: 'Excel PRO' },
    customer: { name: `Cliente ${n}`, email: `cliente${n}@example.com`, cpf: cpfFor(n), mobile: '+5511987654321' },
  });
}

const HOURS: Array<[string, string]> = [
  ['at noon in São Paulo (same date as UTC)', '2026-11-28T15:00:00Z'],
  ['at 22:30 in São Paulo (UTC already the next day)', '2026-11-29T01:30:00Z'],
  ['at 23:58 in São Paulo (two minutes before its midnight)', '2026-11-29T02:58:00Z'],
  ['at 00:10 in São Paulo (a sale of the evening before)', '2026-11-29T03:10:00Z'],
];

describe.each(STORE_TARGETS)('reconciliation against strict dates ($name)', (target) => {
  describe.each(['sao-paulo', 'utc'] as const)('a bare date read at midnight in %s, its end excluded', (zone) => {
    it.for(HOURS)('recovers a sale made minutes ago, %s', async ([, iso], { skip }) => {
      if (!target.available) skip('TEST_DATABASE_URL não definido');
      let now = Date.parse(iso);
      const clock = () => now;
      const fake = await startFakeKiwifyApi();
      const store = await openStores(await target.fresh(), clock);
      cleanup.push(
        () => fake.close(),
        () => store.close(),
      );
      fake.strictDates = zone;
      const reconciler = new Reconciler({
        store,
        api: clientFor(fake, clock),
        alerts: noAlerts,
        log: createLogger('silent'),
        clock,
        intervalMs: 60_000,
        lookbackHours: 72,
      });

      paidSale(fake, 1, now, 3 * MINUTE_MS);
      expect(await reconciler.runOnce()).toMatchObject({ found: 1, queued: 1 });
      // The next run, from the checkpoint (minus its overlap: the first sale again, already in): a sale of two minutes ago.
      now += 15 * MINUTE_MS;
      paidSale(fake, 2, now, 2 * MINUTE_MS);
      expect(await reconciler.runOnce()).toMatchObject({ found: 2, already: 1, queued: 1 });
      expect((await store.events.list()).map((e) => e.orderId).sort()).toEqual(['venda-1', 'venda-2']);

      const lists = fake.calls.filter((c) => c.path === '/v1/sales');
      expect(lists.filter((c) => c.status !== 200)).toEqual([]); // no window refused
      for (const { query } of lists) {
        expect(query.end_date > query.start_date).toBe(true);
        expect(days(query.start_date, query.end_date)).toBeLessThanOrEqual(MAX_WINDOW_DAYS);
      }
    });
  });
});

describe('the windows asked of Kiwify', () => {
  it.each([
    ['noon in São Paulo', '2026-11-28T15:00:00Z'],
    ['22:30 in São Paulo', '2026-11-29T01:30:00Z'],
    ['00:10 in São Paulo', '2026-11-29T03:10:00Z'],
  ])('end after today in São Paulo and in UTC, start on or before the first day, %s', (_when, iso) => {
    const to = Date.parse(iso);
    for (const span of [0, 10 * MINUTE_MS, 3 * DAY_MS, 89 * DAY_MS, 90 * DAY_MS, 180 * DAY_MS, 400 * DAY_MS]) {
      const from = to - span;
      const windows = chunks(from, to);
      expect(windows[0].startDate <= saoPauloDate(from)).toBe(true);
      expect(windows[0].startDate <= new Date(from).toISOString().slice(0, 10)).toBe(true);
      const last = windows.at(-1)!.endDate;
      expect(last > saoPauloDate(to)).toBe(true);
      expect(last > new Date(to).toISOString().slice(0, 10)).toBe(true);
      for (const [i, w] of windows.entries()) {
        expect(w.endDate > w.startDate).toBe(true);
        expect(days(w.startDate, w.endDate)).toBeLessThanOrEqual(MAX_WINDOW_DAYS);
        // The next window starts on this one's end: an excluded end loses no day.
        if (i > 0) expect(w.startDate).toBe(windows[i - 1].endDate);
      }
    }
  });

  it('the fake, strict by default, refuses equal dates and leaves a bare end date out; lenient, it includes it', async () => {
    const fake = await startFakeKiwifyApi();
    cleanup.push(() => fake.close());
    const client = clientFor(fake, Date.now);
    paidSale(fake, 7, Date.parse('2026-11-28T15:00:00Z'), 0);
    const ids = async (startDate: string, endDate: string) => {
      const out: string[] = [];
      for await (const sale of client.listSales({ startDate, endDate })) out.push(String(sale.id));
      return out;
    };
    fake.strictDates = false;
    expect(await ids('2026-11-28', '2026-11-28')).toEqual(['venda-7']);
    fake.strictDates = 'sao-paulo'; // the default
    await expect(ids('2026-11-28', '2026-11-28')).rejects.toThrow(/400/);
    expect(await ids('2026-11-27', '2026-11-28')).toEqual([]);
    expect(await ids('2026-11-28', '2026-11-29')).toEqual(['venda-7']);
  });
});
