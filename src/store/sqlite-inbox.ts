import type BetterSqlite3 from 'better-sqlite3';
import type { Insertable } from 'kysely';
import type { InsertResult } from './rows.js';
import type { EventsTable } from './schema.js';

/** The columns of a new inbox row, in statement order (inbox.ts `row` fills them all: its type is InboxRow). */
const COLUMNS = [
  'dedupe_key',
  'event_type',
  'customer_key',
  'order_id',
  'order_ref',
  'subscription_id',
  'plan_name',
  'plan_id',
  'product_id',
  'product_name',
  'customer_name',
  'customer_email',
  'search_text',
  'body',
  'status',
  'outcome',
  'finished_at',
  'attempts',
  'available_at',
  'next_run_at',
  'parent_id',
  'source',
  'received_at',
  'updated_at',
] as const satisfies ReadonlyArray<keyof EventsTable>;

/** A new inbox row: every column of COLUMNS, none other (a column added to one list and not the other does not compile). */
export type InboxRow = { [C in (typeof COLUMNS)[number]]-?: Insertable<EventsTable>[C] };

interface Inserted {
  id: number;
  customer_key: string;
  status: string;
  available_at: number;
  received_at: number;
  next_run_at: number;
}

/**
 * The inbox's insert on SQLite as three statements prepared once, run row by row inside the
 * caller's transaction (the same connection: better-sqlite3 is synchronous, and the store's
 * transaction holds it). The query builder compiled a statement of 24 × rows parameters per batch
 * on the ack path — a fifth of a delivery's database time; the rows and their semantics are the
 * same: a new key inserts (and gives its customer a head if it has none and the event may run
 * now), a known one comes back as a duplicate.
 */
export class SqliteInboxStatements {
  private readonly insertEvent: BetterSqlite3.Statement<unknown[], Inserted>;
  private readonly insertHead: BetterSqlite3.Statement<unknown[]>;
  private readonly findKey: BetterSqlite3.Statement<unknown[], { id: number }>;

  constructor(database: BetterSqlite3.Database) {
    this.insertEvent = database.prepare<unknown[], Inserted>(
      `insert into events (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})
       on conflict (dedupe_key) do nothing
       returning id, customer_key, status, available_at, received_at, next_run_at`,
    );
    this.insertHead = database.prepare(
      'insert into queue_heads (customer_key, event_id, run_at) values (?, ?, ?) on conflict (customer_key) do nothing',
    );
    this.findKey = database.prepare<unknown[], { id: number }>('select id from events where dedupe_key = ?');
  }

  /** Must run inside a transaction. A customer who already has a head keeps it: that event is older. */
  insert(rows: InboxRow[]): Map<string, InsertResult> {
    const result = new Map<string, InsertResult>();
    const headed = new Set<string>();
    for (const row of rows) {
      const key = row.dedupe_key;
      const inserted = this.insertEvent.get(COLUMNS.map((c) => row[c] ?? null));
      if (!inserted) {
        const existing = this.findKey.get(key);
        if (existing) result.set(key, { id: existing.id, duplicate: true });
        continue;
      }
      result.set(key, { id: inserted.id, duplicate: false });
      if (inserted.status !== 'pending' || inserted.available_at > inserted.received_at || headed.has(inserted.customer_key)) continue;
      headed.add(inserted.customer_key);
      this.insertHead.run(inserted.customer_key, inserted.id, inserted.next_run_at);
    }
    return result;
  }
}
