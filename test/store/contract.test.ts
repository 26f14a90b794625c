import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import type { NewEvent } from '../../src/domain/inbox-event.js';
import { LeaseLostError, type ClaimedEvent } from '../../src/store/store.js';
import { STORE_TARGETS } from '../helpers/databases.js';

/** The behaviour every store must have, run against SQLite and PostgreSQL alike. */

let seq = 0;
function event(customer: string, overrides: Partial<NewEvent> = {}): NewEvent {
  seq += 1;
  return {
    eventType: 'order_approved',
    dedupeKey: `order_approved:order-${seq}`,
    customerKey: `cpf:${customer}`,
    orderId: `order-${seq}`,
    orderRef: `REF${seq}`,
    planName: 'Inglês Fluente',
    customerName: 'José da Silva',
    customerEmail: 'jose@example.com',
    body: { n: seq },
    ...overrides,
  };
}

describe.each(STORE_TARGETS)('store contract: $name', (target) => {
  let now = 1_000_000;
  const clock = () => now;
  let store: Stores;
  let config: Awaited<ReturnType<typeof target.fresh>>;
  /** The latest claim of each event: writes of a run are fenced by it. */
  const claims = new Map<number, ClaimedEvent>();
  const claimOf = (id: number) => claims.get(id)!;
  /** Who holds an event's lease, as the database has it (leases are the store's own business). */
  const leaseOwnerOf = async (id: number) =>
    (await store.database.db.selectFrom('events').select('lease_owner').where('id', '=', id).executeTakeFirstOrThrow()).lease_owner;
  async function claim(owner: string, limit: number, leaseMs: number): Promise<ClaimedEvent[]> {
    const rows = await store.queue.claimDue(owner, limit, leaseMs);
    for (const row of rows) claims.set(row.id, row);
    return rows;
  }

  beforeEach(async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    now = 1_000_000;
    config = await target.fresh();
    store = await openStores(config, clock);
  });
  afterEach(async () => {
    await store?.close();
  });

  describe('inbox', () => {
    it('inserts once per dedupe key and returns the first id to duplicates, changing nothing', async () => {
      const e = event('1');
      const first = await store.inbox.insert(e);
      expect(first.duplicate).toBe(false);
      const before = await store.events.get(first.id);
      now += 5_000;
      const again = await store.inbox.insert({ ...e, body: { different: true } });
      expect(again).toEqual({ id: first.id, duplicate: true });
      expect(await store.events.get(first.id)).toEqual(before);
    });

    it('collapses concurrent copies of one event onto one row', async () => {
      const e = event('1');
      const results = await Promise.all(Array.from({ length: 30 }, () => store.inbox.insert(e)));
      const ids = new Set(results.map((r) => r.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    });

    it('in one group commit: new rows, an existing row and copies within the batch', async () => {
      const a = event('1');
      const b = event('2');
      const c = event('3');
      const first = await store.inbox.insert(a);
      const results = await Promise.all([b, a, b, c, a].map((e) => store.inbox.insert(e)));
      expect(results[1]).toEqual({ id: first.id, duplicate: true });
      expect(results[4]).toEqual({ id: first.id, duplicate: true });
      expect(results[0].duplicate).toBe(false);
      expect(results[2]).toEqual({ id: results[0].id, duplicate: true });
      expect(results[3].duplicate).toBe(false);
      expect(new Set([first.id, results[0].id, results[3].id]).size).toBe(3);
      expect((await store.events.list()).length).toBe(3);
    });

    it('collapses copies raced by two independent store instances (two processes)', async ({ skip }) => {
      // SQLite is one process by design; two synchronous connections in one thread would
      // only deadlock each other on the busy timeout.
      if (target.name === 'sqlite') skip('SQLite: um processo por arquivo');
      const other = await openStores(config, clock);
      try {
        const e = event('1');
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).inbox.insert(e)));
        expect(new Set(results.map((r) => r.id)).size).toBe(1);
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      } finally {
        await other.close();
      }
    });

    it('migrating an up-to-date database again is a no-op', async () => {
      const { id } = await store.inbox.insert(event('1'));
      const again = await openStores(config, clock);
      try {
        expect((await again.events.get(id))?.id).toBe(id);
      } finally {
        await again.close();
      }
    });
  });

  describe('claiming', () => {
    it('claims due events oldest first, up to the limit, as processing with a lease', async () => {
      const a = await store.inbox.insert(event('1'));
      const b = await store.inbox.insert(event('2'));
      await store.inbox.insert(event('3'));
      const claimed = await claim('w1', 2, 60_000);
      expect(claimed.map((e) => e.id)).toEqual([a.id, b.id]);
      expect(claimed[0]).toMatchObject({ event: { status: 'processing', attempts: 1 }, leaseOwner: 'w1', leaseUntil: now + 60_000 });
      expect(await claim('w2', 10, 60_000)).toHaveLength(1);
      expect(await claim('w2', 10, 60_000)).toHaveLength(0);
    });

    it('runs one customer at a time, in arrival order', async () => {
      const a1 = await store.inbox.insert(event('A'));
      const a2 = await store.inbox.insert(event('A'));
      const b1 = await store.inbox.insert(event('B'));
      const first = await claim('w', 10, 60_000);
      expect(first.map((e) => e.id)).toEqual([a1.id, b1.id]);
      expect(await claim('w', 10, 60_000)).toEqual([]);
      await store.queue.finish(claimOf(a1.id), 'done', 'ok');
      expect((await claim('w', 10, 60_000)).map((e) => e.id)).toEqual([a2.id]);
    });

    it('holds later events of a customer while an earlier one waits to be retried', async () => {
      const a1 = await store.inbox.insert(event('A'));
      const a2 = await store.inbox.insert(event('A'));
      await claim('w', 1, 60_000);
      await store.queue.retryAt(claimOf(a1.id), now + 30_000, { message: 'EAD fora do ar', code: 'test' });
      expect(await claim('w', 10, 60_000)).toEqual([]);
      now += 30_000;
      expect((await claim('w', 10, 60_000)).map((e) => e.id)).toEqual([a1.id]);
      await store.queue.finish(claimOf(a1.id), 'done', 'ok');
      expect((await claim('w', 10, 60_000)).map((e) => e.id)).toEqual([a2.id]);
    });

    it('a failed earlier event no longer holds the customer back', async () => {
      const a1 = await store.inbox.insert(event('A'));
      const a2 = await store.inbox.insert(event('A'));
      await claim('w', 1, 60_000);
      await store.queue.finish(claimOf(a1.id), 'failed', 'falhou', { message: 'plano sem cursos', code: 'test' });
      expect((await claim('w', 10, 60_000)).map((e) => e.id)).toEqual([a2.id]);
    });

    it('an event scheduled for later blocks nothing and runs when due', async () => {
      const scheduled = await store.inbox.insert(event('A', { availableAt: now + 3_600_000 }));
      const later = await store.inbox.insert(event('A'));
      expect((await claim('w', 10, 60_000)).map((e) => e.id)).toEqual([later.id]);
      await store.queue.finish(claimOf(later.id), 'done', 'ok');
      expect(await claim('w', 10, 60_000)).toEqual([]);
      now += 3_600_000;
      expect((await claim('w', 10, 60_000)).map((e) => e.id)).toEqual([scheduled.id]);
    });

    it('a requeued earlier event waits while a later one of the customer is running', async () => {
      const a1 = await store.inbox.insert(event('A'));
      const a2 = await store.inbox.insert(event('A'));
      await claim('w', 1, 60_000);
      await store.queue.finish(claimOf(a1.id), 'failed', 'falhou', { message: 'x', code: 'test' });
      await claim('w', 1, 60_000); // a2 running
      expect(await store.queue.requeue(a1.id)).toBe('queued');
      expect(await claim('w', 10, 60_000)).toEqual([]);
      await store.queue.finish(claimOf(a2.id), 'done', 'ok');
      expect((await claim('w', 10, 60_000)).map((e) => e.id)).toEqual([a1.id]);
    });

    it('a scheduled event that comes due waits its turn behind a running one, then goes before later ones', async () => {
      const scheduled = await store.inbox.insert(event('A', { availableAt: now + 1_000 }));
      const running = await store.inbox.insert(event('A'));
      await claim('w', 10, 60_000);
      const later = await store.inbox.insert(event('A'));
      now += 1_000; // the scheduled one is due, but the customer is busy
      expect(await claim('w', 10, 60_000)).toEqual([]);
      await store.queue.finish(claimOf(running.id), 'done', 'ok');
      expect((await claim('w', 10, 60_000)).map((e) => e.id)).toEqual([scheduled.id]);
      await store.queue.finish(claimOf(scheduled.id), 'done', 'ok');
      expect((await claim('w', 10, 60_000)).map((e) => e.id)).toEqual([later.id]);
    });

    it("a claim looks only at each customer's next event: a long history and a long backlog change nothing", async () => {
      for (let i = 0; i < 200; i += 1) {
        const done = await store.inbox.insert(event('A'));
        await claim('w', 1, 60_000);
        await store.queue.finish(claimOf(done.id), 'done', 'ok');
      }
      const backlog = [];
      for (let i = 0; i < 200; i += 1) backlog.push((await store.inbox.insert(event('A'))).id);
      const other = await store.inbox.insert(event('B'));
      // Two customers with work: two claims, whatever is behind them.
      expect((await claim('w', 10, 60_000)).map((e) => e.id)).toEqual([backlog[0], other.id]);
      expect(await claim('w', 10, 60_000)).toEqual([]);
      await store.queue.finish(claimOf(backlog[0]), 'done', 'ok');
      expect((await claim('w', 10, 60_000)).map((e) => e.id)).toEqual([backlog[1]]);
    });

    it('a type no flow acts on is stored ignored and never claimed', async () => {
      const { id } = await store.inbox.insert(event('A', { eventType: 'pix_created', ignored: { outcome: 'nada a fazer' } }));
      expect(await store.events.get(id)).toMatchObject({ status: 'ignored', outcome: 'nada a fazer', finishedAt: now });
      const next = await store.inbox.insert(event('A'));
      expect((await claim('w', 10, 60_000)).map((e) => e.id)).toEqual([next.id]);
    });

    it('the leases of an owner known to be gone end at once; others keep theirs', async () => {
      const a = await store.inbox.insert(event('A'));
      const b = await store.inbox.insert(event('B'));
      await claim('dead', 1, 60_000);
      await claim('alive', 1, 60_000);
      expect(await store.queue.otherLeaseOwners('alive')).toEqual(['dead']);
      expect(await store.queue.expireLeases(['dead'])).toBe(1);
      const retaken = await claim('alive', 10, 60_000);
      expect(retaken.map((e) => [e.id, e.attempts])).toEqual([[a.id, 2]]);
      expect(claimOf(b.id).leaseOwner).toBe('alive');
    });

    it('gives an expired lease to another worker and stops the old owner from writing', async () => {
      const { id } = await store.inbox.insert(event('A'));
      const [dead] = await claim('dead', 1, 1_000);
      await store.journal.saveStep(dead, 'first', { ok: 1 });
      expect(await claim('alive', 1, 1_000)).toEqual([]);
      now += 1_001;
      const [taken] = await claim('alive', 1, 60_000);
      expect(taken).toMatchObject({ id, leaseOwner: 'alive', attempts: 2 });
      await expect(store.journal.saveStep(dead, 'second', {})).rejects.toBeInstanceOf(LeaseLostError);
      expect(await store.queue.finish(dead, 'done', 'ok')).toBe(false);
      expect([...(await store.journal.loadSteps(id)).keys()]).toEqual(['first']);
      expect(await store.queue.finish(taken, 'done', 'ok')).toBe(true);
    });

    it('fences a run by its attempt: the same worker taking back its expired lease stops the old run', async () => {
      const { id } = await store.inbox.insert(event('A'));
      const [first] = await claim('w', 1, 1_000);
      now += 1_001;
      const [again] = await claim('w', 1, 60_000);
      expect(again).toMatchObject({ id, leaseOwner: 'w', attempts: 2 });
      await expect(store.journal.saveStep(first, 'late', {})).rejects.toBeInstanceOf(LeaseLostError);
      expect(await store.queue.finish(first, 'done', 'ok')).toBe(false);
      await store.journal.saveStep(again, 'step', {});
      expect(await store.queue.finish(again, 'done', 'ok')).toBe(true);
    });

    it('keeps a lease that is renewed', async () => {
      const { id } = await store.inbox.insert(event('A'));
      await claim('w1', 1, 1_000);
      now += 900;
      await store.queue.extendLeases([claimOf(id)], 1_000);
      now += 900;
      expect(await claim('w2', 1, 1_000)).toEqual([]);
    });

    it('release puts an event back without counting the attempt', async () => {
      const { id } = await store.inbox.insert(event('A'));
      await claim('w', 1, 60_000);
      expect(await store.queue.release(claimOf(id))).toBe(true);
      expect(await store.events.get(id)).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await leaseOwnerOf(id)).toBeNull();
    });
  });

  describe('journal and history', () => {
    it('keeps step results, lets one be rewritten, and records history in order', async () => {
      const { id } = await store.inbox.insert(event('A'));
      await claim('w', 1, 60_000);
      await store.journal.saveStep(claimOf(id), 'cadastro', { studentId: '42', password: 'segredo' });
      await store.journal.saveStep(claimOf(id), 'matricula', { courses: [1, 2] });
      await store.journal.rewriteStep(id, 'cadastro', { studentId: '42' });
      expect(Object.fromEntries(await store.journal.loadSteps(id))).toEqual({
        cadastro: { studentId: '42' },
        matricula: { courses: [1, 2] },
      });
      await store.journal.addHistory(id, 'retry', 'primeira');
      await store.journal.addHistory(id, 'done', 'segunda');
      expect((await store.journal.history(id)).map((h) => h.message)).toEqual(['primeira', 'segunda']);
    });

    it('lists steps done in the same millisecond in the order they were done', async () => {
      const { id } = await store.inbox.insert(event('A'));
      await claim('w', 1, 60_000);
      const order = ['zeta', 'lookup', 'cadastro', 'alfa', 'matricula'];
      for (const step of order) await store.journal.saveStep(claimOf(id), step, {});
      await store.journal.saveStep(claimOf(id), 'lookup', { again: true });
      expect((await store.journal.listSteps(id)).map((s) => s.step)).toEqual(order);
    });
  });

  describe('operations', () => {
    it('requeue: failed/retrying/ignored run again; running is refused; unknown is not found', async () => {
      const { id } = await store.inbox.insert(event('A'));
      await claim('w', 1, 60_000);
      expect(await store.queue.requeue(id)).toBe('running');
      await store.queue.finish(claimOf(id), 'failed', 'falhou', { message: 'erro', code: 'test' });
      expect(await store.queue.requeue(id)).toBe('queued');
      expect(await store.events.get(id)).toMatchObject({ status: 'pending', nextRunAt: now, finishedAt: null });
      await claim('w', 1, 60_000);
      await store.queue.finish(claimOf(id), 'done', 'ok');
      expect(await store.queue.requeue(id)).toBe('not_retryable');
      expect(await store.queue.requeue(999_999)).toBe('not_found');
    });

    it('resolve: a failure support settled is closed apart from done; running is refused; unknown is not found', async () => {
      const { id } = await store.inbox.insert(event('A'));
      const later = await store.inbox.insert(event('A'));
      await claim('w', 1, 60_000);
      expect(await store.queue.resolve(id, 'Resolvido manualmente: x')).toBe('running');
      await store.queue.finish(claimOf(id), 'failed', 'falhou', { message: 'CPF inválido', code: 'invalid_cpf' });
      expect(await store.queue.resolve(id, 'Resolvido manualmente: cadastrado à mão')).toBe('resolved');
      expect(await store.events.get(id)).toMatchObject({
        status: 'resolved',
        outcome: 'Resolvido manualmente: cadastrado à mão',
        finishedAt: now,
      });
      expect(await store.queue.resolve(id, 'de novo')).toBe('not_resolvable');
      expect(await store.queue.requeue(id)).toBe('not_retryable');
      expect(await store.queue.resolve(999_999, 'x')).toBe('not_found');
      expect(await store.events.countByStatus()).toMatchObject({ failed: 0, resolved: 1, done: 0 });
      expect(await store.events.failedOfCause()).toEqual([]);
      // The customer's next event runs as before.
      expect((await claim('w', 5, 60_000)).map((e) => e.id)).toEqual([later.id]);
    });

    it('counts every run of an event, and files failures by cause (code) for the list and bulk replay', async () => {
      const a = await store.inbox.insert(event('A', { planName: 'Plano X' }));
      const b = await store.inbox.insert(event('B', { planName: 'plano  x' }));
      const c = await store.inbox.insert(event('C', { planName: 'Excel PRO' }));
      await claim('w', 3, 60_000);
      await store.queue.retryAt(claimOf(a.id), now, { message: 'fora do ar', code: 'http_503' });
      await claim('w', 3, 60_000);
      await store.queue.finish(claimOf(a.id), 'failed', 'falhou', { message: 'sem plano', code: 'unmapped_plan' });
      await store.queue.finish(claimOf(b.id), 'failed', 'falhou', { message: 'sem plano', code: 'unmapped_plan' });
      await store.queue.finish(claimOf(c.id), 'failed', 'falhou', { message: 'CPF inválido', code: 'invalid_cpf' });
      expect(await store.events.get(a.id)).toMatchObject({ runs: 2, attempts: 2, lastErrorCode: 'unmapped_plan' });
      expect(await store.events.failuresByCause()).toEqual(
        expect.arrayContaining([
          { code: 'unmapped_plan', count: 2 },
          { code: 'invalid_cpf', count: 1 },
        ]),
      );
      expect((await store.events.failedOfCause('unmapped_plan')).map((e) => e.id)).toEqual([a.id, b.id]);
      expect((await store.events.list({ cause: 'invalid_cpf' })).map((e) => e.id)).toEqual([c.id]);
      expect(await store.queue.requeue(a.id)).toBe('queued');
      // A cause lists failures only: the requeued one has left it, though its row keeps the old code.
      expect((await store.events.list({ cause: 'unmapped_plan' })).map((e) => e.id)).toEqual([b.id]);
      const none = { planId: null, productId: null, productName: null };
      expect(await store.events.salesByPlanKeys()).toEqual(
        expect.arrayContaining([
          { planName: 'Plano X', ...none, sales: 1, lastId: a.id },
          { planName: 'plano  x', ...none, sales: 1, lastId: b.id },
          { planName: 'Excel PRO', ...none, sales: 1, lastId: c.id },
        ]),
      );
    });

    it('lists newest first with status filter, accent-insensitive search and paging', async () => {
      const a = await store.inbox.insert(event('A', { customerName: 'Conceição Ávila', planName: 'Excel PRO' }));
      const b = await store.inbox.insert(event('B', { customerEmail: 'maria@example.com', orderRef: 'XyZ9' }));
      const c = await store.inbox.insert(event('C', { planName: 'Operador de micro/Maria 100%' }));
      await claim('w', 1, 60_000);
      await store.queue.finish(claimOf(a.id), 'failed', 'falhou', { message: 'erro', code: 'test' });

      expect((await store.events.list()).map((e) => e.id)).toEqual([c.id, b.id, a.id]);
      expect((await store.events.list({ status: 'failed' })).map((e) => e.id)).toEqual([a.id]);
      expect((await store.events.list({ q: 'conceicao' })).map((e) => e.id)).toEqual([a.id]);
      expect((await store.events.list({ q: 'MARIA' })).map((e) => e.id)).toEqual([c.id, b.id]);
      expect((await store.events.list({ q: 'xyz9' })).map((e) => e.id)).toEqual([b.id]);
      expect((await store.events.list({ q: '100%' })).map((e) => e.id)).toEqual([c.id]);
      // LIKE wildcards in the query are literal: "r_f" must not match "ref1".
      expect((await store.events.list({ q: 'r_f' })).map((e) => e.id)).toEqual([]);
      expect((await store.events.list({ q: 'order_approved' })).map((e) => e.id)).toEqual([c.id, b.id, a.id]);
      expect((await store.events.list({ before: c.id, limit: 1 })).map((e) => e.id)).toEqual([b.id]);
      expect(await store.events.countByStatus()).toEqual({
        pending: 2,
        processing: 0,
        retrying: 0,
        done: 0,
        ignored: 0,
        failed: 1,
        resolved: 0,
      });
    });

    it('tells how long the oldest due event has waited', async () => {
      expect(await store.events.oldestDueWaitMs()).toBe(0);
      await store.inbox.insert(event('A'));
      now += 7_000;
      expect(await store.events.oldestDueWaitMs()).toBe(7_000);
    });

    it("lists a customer's sale events (never billets), and one sale's events by its key", async () => {
      const a1 = await store.inbox.insert(event('A', { orderId: 'o1', subscriptionId: 's1' }));
      await store.inbox.insert(event('B', { orderId: 'o9' }));
      await store.inbox.insert(event('A', { eventType: 'billet_created', orderId: 'o2', ignored: { outcome: 'nada a fazer' } }));
      const a2 = await store.inbox.insert(event('A', { eventType: 'order_refunded', orderId: 'o1', subscriptionId: 's1' }));
      const a3 = await store.inbox.insert(event('A', { orderId: 'o3' }));
      const a4 = await store.inbox.insert(event('A', { eventType: 'chargeback', orderId: 'o3' }));
      expect((await store.events.salesOf(['cpf:A'])).map((e) => e.id)).toEqual([a1.id, a2.id, a3.id, a4.id]);
      expect(await store.events.salesOf(['cpf:A'])).toContainEqual({
        id: a2.id,
        eventType: 'order_refunded',
        status: 'pending',
        orderId: 'o1',
        subscriptionId: 's1',
        planName: 'Inglês Fluente',
        planId: null,
        productId: null,
        productName: null,
      });
      expect((await store.events.saleEvents(['cpf:A'], ['s1'])).map((e) => e.id)).toEqual([a1.id, a2.id]);
      expect((await store.events.saleEvents(['cpf:A'], ['o3', 'nope'])).map((e) => e.id)).toEqual([a3.id, a4.id]);
      expect(await store.events.saleEvents(['cpf:B'], ['o3'])).toEqual([]);
      expect(await store.events.saleEvents(['cpf:A'], [])).toEqual([]);
    });
  });

  describe('alert outbox', () => {
    it('queues one row per channel, once per key', async () => {
      await store.alerts.ensureChannels(['callmebot', 'discord']);
      await store.alerts.enqueue(['callmebot', 'discord'], { text: 'um', dedupeKey: 'k1' });
      await store.alerts.enqueue(['callmebot', 'discord'], { text: 'um de novo', dedupeKey: 'k1' });
      await store.alerts.enqueue(['callmebot', 'discord'], { text: 'dois' });
      expect((await store.alerts.due('callmebot', 10)).map((a) => a.text)).toEqual(['um', 'dois']);
      expect((await store.alerts.due('discord', 10)).map((a) => a.text)).toEqual(['um', 'dois']);
    });

    it('lets one sender hold a channel, and paces it after a send', async () => {
      await store.alerts.ensureChannels(['callmebot']);
      await store.alerts.enqueue(['callmebot'], { text: 'um' });
      expect(await store.alerts.acquireChannel('callmebot', 's1', 60_000)).toBe(true);
      expect(await store.alerts.acquireChannel('callmebot', 's2', 60_000)).toBe(false);
      const ids = (await store.alerts.due('callmebot', 10)).map((a) => a.id);
      await store.alerts.markSent('callmebot', 's1', ids, now + 10_000);
      expect(await store.alerts.due('callmebot', 10)).toEqual([]);
      expect(await store.alerts.acquireChannel('callmebot', 's2', 60_000)).toBe(false);
      now += 10_000;
      expect(await store.alerts.acquireChannel('callmebot', 's2', 60_000)).toBe(true);
      expect(await store.alerts.countByStatus()).toEqual({ pending: 0, sent: 1, failed: 0 });
    });

    it('retries transient failures until the attempts run out; permanent ones fail at once', async () => {
      await store.alerts.ensureChannels(['c']);
      await store.alerts.enqueue(['c'], { text: 'um' });
      const [alert] = await store.alerts.due('c', 10);
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        expect(await store.alerts.acquireChannel('c', 's', 60_000)).toBe(true);
        await store.alerts.markFailed('c', 's', [alert.id], { error: 'HTTP 500', permanent: false, retryAt: now, maxAttempts: 3 });
      }
      expect(await store.alerts.countByStatus()).toEqual({ pending: 0, sent: 0, failed: 1 });
      await store.alerts.enqueue(['c'], { text: 'dois' });
      const [second] = await store.alerts.due('c', 10);
      expect(await store.alerts.acquireChannel('c', 's', 60_000)).toBe(true);
      await store.alerts.markFailed('c', 's', [second.id], { error: 'APIKey', permanent: true, retryAt: now, maxAttempts: 3 });
      expect(await store.alerts.countByStatus()).toEqual({ pending: 0, sent: 0, failed: 2 });
      const [channel] = await store.alerts.channels();
      expect(channel).toMatchObject({ last_error: 'APIKey', lease_owner: null });
    });
  });
});

describe.each(STORE_TARGETS.filter((t) => t.name === 'postgres'))('store: $name only', (target) => {
  it('two instances migrating a new database at once both come up', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const config = await target.fresh();
    const stores = await Promise.all([openStores(config), openStores(config), openStores(config)]);
    try {
      const { id } = await stores[0].inbox.insert(event('A'));
      expect((await stores[2].events.get(id))?.id).toBe(id);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("a worker's advisory lock proves it alive; once its session ends, it is known to be gone", async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const config = await target.fresh();
    const [alive, observer] = await Promise.all([openStores(config), openStores(config)]);
    try {
      await alive.ownerLocks!.hold('worker-a');
      expect(await observer.ownerLocks!.isGone('worker-a')).toBe(false);
      expect(await observer.ownerLocks!.isGone('worker-never-seen')).toBe(true);
      await alive.close(); // its connection closes: PostgreSQL drops the lock
      expect(await observer.ownerLocks!.isGone('worker-a')).toBe(true);
    } finally {
      await observer.close();
    }
  });

  it('instances claiming at the same time never take one customer twice, nor the same event', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const config = await target.fresh();
    const stores = await Promise.all([openStores(config), openStores(config), openStores(config)]);
    try {
      for (let i = 0; i < 60; i += 1) await stores[0].inbox.insert(event(String(i % 20)));
      const claimed = (await Promise.all(stores.map((s, n) => s.queue.claimDue(`w${n}`, 30, 60_000)))).flat();
      expect(claimed).toHaveLength(20); // one per customer
      expect(new Set(claimed.map((e) => e.customerKey)).size).toBe(20);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});

describe('store: sqlite only', () => {
  it('after a restart, events left processing are taken up at once', async () => {
    const config = await STORE_TARGETS[0].fresh();
    const first = await openStores(config);
    const { id } = await first.inbox.insert(event('A'));
    await first.queue.claimDue('crashed', 1, 3_600_000);
    await first.close();
    const second = await openStores(config);
    try {
      expect(await second.queue.claimDue('new', 1, 60_000)).toEqual([]);
      expect(await second.queue.recoverAfterRestart()).toBe(1);
      expect((await second.queue.claimDue('new', 1, 60_000)).map((e) => e.id)).toEqual([id]);
    } finally {
      await second.close();
    }
  });
});
