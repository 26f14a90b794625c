import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStores } from '../../src/app/feature-stores.js';
import { openDatabase } from '../../src/store/open-database.js';
import { STORE_TARGETS } from '../helpers/databases.js';

describe.each(STORE_TARGETS)('schema upgrades: $name', (target) => {
  it('sales done before the welcome had a motivo of its own get it from their journal', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const config = await target.fresh();
    const old = await openDatabase(config, undefined, '009_reconciliation');
    const sale = async (key: string, welcome: string | null, removed: number | null = null) => {
      const { rows } = await sql<{ id: number }>`
        insert into events (dedupe_key, event_type, customer_key, search_text, body, status, available_at, next_run_at, received_at, updated_at, personal_data_removed_at)
        values (${key}, 'order_approved', ${key}, '', '{}', 'done', 1, 1, 1, 1, ${removed}) returning id`.execute(old.db);
      if (welcome)
        await sql`insert into event_steps (event_id, step, result, done_at, seq) values (${rows[0].id}, 'welcome', ${welcome}, 1, 1)`.execute(
          old.db,
        );
      return rows[0].id;
    };
    const notSent = await sale('a', '{"sent":false,"reason":"not_on_whatsapp"}');
    const sent = await sale('b', '{"sent":true}');
    await sale('c', '{"sent":false,"reason":"missing"}', 5); // purged: nothing to resend any more
    await sale('d', null);
    await old.db.destroy();

    const store = await openStores(config);
    try {
      expect(await store.events.noticesByCause()).toEqual([{ code: 'welcome_not_sent', count: 1 }]);
      expect((await store.events.list({ cause: 'welcome_not_sent' })).map((e) => e.id)).toEqual([notSent]);
      expect((await store.events.get(sent))?.lastErrorCode).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('an inbox from before step numbering keeps its steps in the order they were done', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const config = await target.fresh();
    const old = await openDatabase(config, undefined, '001_inbox_and_alerts');
    const { rows } = await sql<{ id: number }>`
      insert into events (dedupe_key, event_type, customer_key, search_text, body, status, available_at, next_run_at, received_at, updated_at)
      values ('k', 'order_approved', 'c', '', '{}', 'done', 1, 1, 1, 1) returning id`.execute(old.db);
    const id = rows[0].id;
    // Done at 10 ms, 20 ms, then two in the same millisecond: the legacy tie-break is the step name.
    for (const [step, at] of [
      ['zeta', 10],
      ['matricula', 20],
      ['lookup', 30],
      ['cadastro', 30],
    ] as const) {
      await sql`insert into event_steps (event_id, step, result, done_at) values (${id}, ${step}, '{}', ${at})`.execute(old.db);
    }
    await old.db.destroy();

    const store = await openStores(config);
    try {
      expect((await store.journal.listSteps(id)).map((s) => s.step)).toEqual(['zeta', 'matricula', 'cadastro', 'lookup']);
    } finally {
      await store.close();
    }
  });

  it('an inbox from before the queue heads keeps its queue: running, waiting and scheduled events', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const config = await target.fresh();
    const old = await openDatabase(config, undefined, '004_health_checks');
    const now = Date.now();
    const insert = async (key: string, customer: string, status: string, at: { available?: number; lease?: number } = {}) => {
      const { rows } = await sql<{ id: number }>`
        insert into events (dedupe_key, event_type, customer_key, search_text, body, status, available_at, next_run_at, lease_owner, lease_until, received_at, updated_at)
        values (${key}, 'order_approved', ${customer}, '', '{}', ${status}, ${at.available ?? now - 1000}, ${at.available ?? now - 1000},
                ${at.lease ? 'old-worker' : null}, ${at.lease ?? null}, ${now - 1000}, ${now - 1000}) returning id`.execute(old.db);
      return rows[0].id;
    };
    const running = await insert('r', 'A', 'processing', { lease: now - 1 }); // its worker died before the upgrade
    const behind = await insert('b', 'A', 'pending');
    const waiting = await insert('w', 'B', 'retrying');
    const scheduled = await insert('s', 'C', 'pending', { available: now + 3_600_000 });
    await old.db.destroy();

    const store = await openStores(config);
    try {
      const claimed = await store.queue.claimDue('new-worker', 10, 60_000);
      expect(claimed.map((e) => e.id).sort()).toEqual([running, waiting].sort());
      expect(claimed.map((e) => e.id)).not.toContain(scheduled);
      await store.queue.finish(
        claimed.find((e) => e.id === running)!,
        'done',
        'ok',
      );
      expect((await store.queue.claimDue('new-worker', 10, 60_000)).map((e) => e.id)).toEqual([behind]);
    } finally {
      await store.close();
    }
  });

  it('an inbox from before the plan map and causes counts past runs, and starts with an empty map', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const config = await target.fresh();
    const old = await openDatabase(config, undefined, '005_queue_heads');
    const { rows } = await sql<{ id: number }>`
      insert into events (dedupe_key, event_type, customer_key, search_text, body, status, attempts, available_at, next_run_at, received_at, updated_at)
      values ('k', 'order_approved', 'c', '', '{}', 'failed', 3, 1, 1, 1, 1) returning id`.execute(old.db);
    await old.db.destroy();

    const store = await openStores(config);
    try {
      expect(await store.events.get(rows[0].id)).toMatchObject({ runs: 3, lastErrorCode: null });
      expect(await store.plans.isEmpty()).toBe(true);
      expect(await store.events.failedOfCause()).toEqual([
        { id: rows[0].id, planName: null, planId: null, productId: null, productName: null, lastErrorCode: null },
      ]);
    } finally {
      await store.close();
    }
  });

  it('sales waiting for a plan get their Kiwify ids from their order; the map keeps its plans, without ids yet', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const config = await target.fresh();
    const old = await openDatabase(config, undefined, '013_leases');
    const order = (n: number) =>
      JSON.stringify({
        webhook_event_type: 'order_approved',
        order_id: `o${n}`,
        Product: { product_id: 'prod-9', product_name: 'Curso Novo' },
        Subscription: { plan: { id: 'plan-9', name: 'Curso Novo Turma 2027' } },
      });
    const insert = (key: string, status: string, code: string | null, body: string) =>
      sql<{ id: number }>`
        insert into events (dedupe_key, event_type, customer_key, plan_name, search_text, body, status, attempts, available_at, next_run_at, received_at, updated_at, last_error_code)
        values (${key}, 'order_approved', 'c', 'Curso Novo Turma 2027', '', ${body}, ${status}, 1, 1, 1, 1, 1, ${code}) returning id`
        .execute(old.db)
        .then((r) => r.rows[0].id);
    const waiting = await insert('a', 'failed', 'unmapped_plan', order(1));
    const done = await insert('b', 'done', null, order(2));
    const garbled = await insert('c', 'failed', 'unmapped_plan', '{not json');
    await sql`insert into plans (name_key, name, courses, whatsapp_group, updated_at) values ('curso novo', 'Curso Novo', '[1]', null, 1)`.execute(
      old.db,
    );
    await old.db.destroy();

    const store = await openStores(config);
    try {
      const keys = { planName: 'Curso Novo Turma 2027', lastErrorCode: 'unmapped_plan' };
      expect(await store.events.failedOfCause('unmapped_plan')).toEqual([
        { id: waiting, ...keys, planId: 'plan-9', productId: 'prod-9', productName: 'Curso Novo' },
        { id: garbled, ...keys, planId: null, productId: null, productName: null },
      ]);
      expect(await store.events.get(done)).toMatchObject({ planId: null, productId: null }); // history keeps its names alone
      expect(await store.plans.all()).toEqual([{ name: 'Curso Novo', courses: [1], updatedAt: 1 }]);
    } finally {
      await store.close();
    }
  });
});
