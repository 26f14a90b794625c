import { sql, type Kysely } from 'kysely';
import type { Dialect } from './migrations.js';
import type { Database } from './schema.js';

/**
 * The queue's heads (table queue_heads): for each customer with work that may run, the event that
 * runs next and when. Every change of an event's state refreshes its customer's head in the same
 * transaction, so a claim only ever reads due heads — never the customer's history, never the
 * events blocked behind a running one.
 *
 * The conditions below are SQL literals, not parameters: SQLite uses a partial index only when it
 * can see, while preparing, that the query's condition implies the index's.
 */
export const WAITING = sql<boolean>`status in ('pending', 'retrying')`;
export const PROCESSING = sql<boolean>`status = 'processing'`;
/** A scheduled event (inserted to become available later): joins the heads when due. */
export const SCHEDULED = sql<boolean>`available_at > received_at`;

export interface Head {
  customer_key: string;
  event_id: number;
  run_at: number;
}

/**
 * Locks a customer's head row on PostgreSQL (SQLite has one writer). Every transaction that
 * changes a customer's events takes this lock before touching them — claims, ends of runs,
 * requeues, lease renewals — so they serialise per customer and never deadlock; inserts take it
 * after adding their new rows, which nobody else can hold.
 */
export async function lockHead(db: Kysely<Database>, dialect: Dialect, customerKeys: string[]): Promise<void> {
  if (dialect !== 'postgres' || customerKeys.length === 0) return;
  await db
    .selectFrom('queue_heads')
    .select('event_id')
    .where('customer_key', 'in', customerKeys)
    .orderBy('customer_key')
    .forUpdate()
    .execute();
}

/**
 * Recomputes one customer's head: its running event (claimable again when its lease ends), else
 * its earliest waiting event that is available (at its next run), else none. The caller holds the
 * head's lock (lockHead), on PostgreSQL.
 */
export async function refreshHead(db: Kysely<Database>, dialect: Dialect, customerKey: string, now: number): Promise<void> {
  await lockHead(db, dialect, [customerKey]);
  const running = await db
    .selectFrom('events')
    .select(['id', 'lease_until'])
    .where(PROCESSING)
    .where('customer_key', '=', customerKey)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  const next = running
    ? undefined
    : await db
        .selectFrom('events')
        .select(['id', 'next_run_at'])
        .where(WAITING)
        .where('customer_key', '=', customerKey)
        .where('available_at', '<=', now)
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
  const head = running
    ? { event_id: running.id, run_at: running.lease_until ?? 0 }
    : next && { event_id: next.id, run_at: next.next_run_at };
  if (!head) {
    await db.deleteFrom('queue_heads').where('customer_key', '=', customerKey).execute();
    return;
  }
  await db
    .insertInto('queue_heads')
    .values({ customer_key: customerKey, ...head })
    .onConflict((oc) => oc.column('customer_key').doUpdateSet(head))
    .execute();
}

/** Refreshes the heads of several customers (each once). */
export async function refreshHeads(db: Kysely<Database>, dialect: Dialect, customerKeys: Iterable<string>, now: number): Promise<void> {
  for (const key of new Set(customerKeys)) await refreshHead(db, dialect, key, now);
}
