import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/store.js';
import { STORE_TARGETS } from '../helpers/databases.js';

/**
 * An order bump is read with its main order by the buyer's approvals around the same moment
 * (issue 24): found by time within the buyer's approvals, never by reading a long history.
 */

let opened: Store[] = [];
afterEach(async () => {
  for (const s of opened) await s.close();
  opened = [];
});

const MINUTE = 60_000;
const BUYER = 'cpf:52998224725';
const approval = (order: string) => ({
  eventType: 'order_approved',
  dedupeKey: `order_approved:${order}`,
  customerKey: BUYER,
  orderId: order,
  body: { order_id: order },
  ignored: { outcome: 'histórico' },
});

describe.each(STORE_TARGETS)('approvals near a moment on $name', (target) => {
  it("finds the buyer's approvals in the window and those named by order id, whatever came before", async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    let now = Date.UTC(2026, 0, 1);
    const store = await openStore(await target.fresh(), () => now);
    opened.push(store);
    await store.inbox.insert(approval('main-long-ago'));
    now += 30 * 24 * 60 * MINUTE;
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.inbox.insert(approval(`old-${i}`))));
    now += 24 * 60 * MINUTE;
    const main = await store.inbox.insert(approval('main'));
    now += 20_000;
    const bump = await store.inbox.insert(approval('bump'));

    const near = await store.events.approvalsNear([BUYER], now - MINUTE, now + MINUTE, ['main-long-ago']);
    expect(near.map((e) => e.orderId)).toEqual(['main-long-ago', 'main', 'bump']);
    expect(near.map((e) => e.id).slice(1)).toEqual([main.id, bump.id]);
  });

  it('reads the window through the index of approvals by time (SQLite plan)', async ({ skip }) => {
    if (target.name !== 'sqlite') skip('o plano é o do SQLite');
    const store = await openStore(await target.fresh());
    opened.push(store);
    const { rows } = await sql<{ detail: string }>`explain query plan
      select id from events where customer_key in (${BUYER}) and event_type = 'order_approved'
      and received_at >= ${0} and received_at <= ${1} order by received_at limit 50`.execute(store.database.db);
    expect(rows.map((r) => r.detail).join(' ')).toContain('events_customer_approvals_at');
  });
});
