import { systemClock, type Clock } from '../timing/clock.js';
import { sql, type Kysely } from 'kysely';
import { normalizeText } from '../domain/text.js';
import { Batcher } from './batcher.js';
import type { InboxRow, SqliteInboxStatements } from './sqlite-inbox.js';
import type { Dialect } from './migrations.js';
import type { NewEvent } from '../domain/inbox-event.js';
import type { InsertResult } from './rows.js';
import type { Database } from './schema.js';
import { closeSupersededPurchases, endsPurchase } from './superseded.js';

/**
 * The inbox's door: deliveries in, deduplicated on their key, committed in groups (one multi-row
 * statement per event-loop turn), each caller answered once its row is durable.
 */
export class Inbox {
  private readonly inserts: Batcher<NewEvent, InsertResult>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly clock: Clock = systemClock,
    /** SQLite: statements prepared once (the ack path's insert without the query builder). */
    private readonly sqlite?: SqliteInboxStatements,
  ) {
    if (dialect === 'sqlite' && !sqlite) throw new Error('Inbox: SQLite needs its prepared statements (sqlite-inbox.ts)');
    this.inserts = new Batcher((events) => this.insertBatch(events), dialect === 'postgres' ? 4 : 1);
  }

  /**
   * Stores a delivery, or returns the row already stored under its dedupe key.
   * Resolves only once the row is committed.
   */
  insert(event: NewEvent): Promise<InsertResult> {
    return this.inserts.add(event);
  }

  /**
   * One multi-row statement per batch. Copies of one event inside a batch collapse onto its first
   * occurrence; rows already in the table come back as duplicates.
   */
  private async insertBatch(events: NewEvent[]): Promise<InsertResult[]> {
    const firstByKey = new Map<string, number>();
    const unique: NewEvent[] = [];
    for (const event of events) {
      if (!firstByKey.has(event.dedupeKey)) {
        firstByKey.set(event.dedupeKey, unique.length);
        unique.push(event);
      }
    }
    const ids = await this.insertUnique(unique);
    const seen = new Set<string>();
    return events.map((event) => {
      const found = ids.get(event.dedupeKey)!;
      const duplicate = found.duplicate || seen.has(event.dedupeKey);
      seen.add(event.dedupeKey);
      return { id: found.id, duplicate };
    });
  }

  private async insertUnique(events: NewEvent[]): Promise<Map<string, InsertResult>> {
    const now = this.clock();
    if (this.dialect === 'postgres' && !events.some(endsPurchase)) return this.insertPostgres(this.db, events, now);
    // SQLite has a single writer; on PostgreSQL a refund's batch closes the approvals it stops in
    // the same transaction (superseded.ts).
    return this.db.transaction().execute(async (trx) => {
      // SQLite has a single writer, so insert-then-read inside this transaction cannot race.
      const result =
        this.dialect === 'postgres'
          ? await this.insertPostgres(trx, events, now)
          : this.sqlite!.insert(events.map((event) => this.row(event, now)));
      const ends = events.filter((e) => endsPurchase(e) && !e.ignored && result.get(e.dedupeKey)?.duplicate === false);
      if (ends.length > 0) {
        await closeSupersededPurchases(
          trx,
          this.dialect,
          ends.map((e) => ({ ...e, id: result.get(e.dedupeKey)!.id })),
          now,
        );
      }
      return result;
    });
  }

  private async insertPostgres(db: Kysely<Database>, events: NewEvent[], now: number): Promise<Map<string, InsertResult>> {
    const rows = events.map((event) => this.row(event, now));
    const result = new Map<string, InsertResult>();
    // One statement, race-free across instances: the no-op update makes a conflicting row come
    // back too (xmax = 0 only for rows this statement inserted). The second part gives each
    // customer of a new, available event its head; its no-op update waits for whoever holds
    // that head's lock (see heads.ts), so a head being removed at that moment is put back.
    const returned = await db
      .with('ins', (q) =>
        q
          .insertInto('events')
          .values(rows)
          .onConflict((oc) => oc.column('dedupe_key').doUpdateSet({ dedupe_key: (eb) => eb.ref('excluded.dedupe_key') }))
          .returning([
            'id',
            'dedupe_key',
            'customer_key',
            'status',
            'available_at',
            'received_at',
            'next_run_at',
            sql<boolean>`(xmax = 0)`.as('inserted'),
          ]),
      )
      .with('new_heads', (q) =>
        q
          .insertInto('queue_heads')
          .columns(['customer_key', 'event_id', 'run_at'])
          .expression((eb) =>
            eb
              .selectFrom('ins')
              .select((s) => ['customer_key', s.fn.min('id').as('event_id'), s.fn.min('next_run_at').as('run_at')])
              .where('inserted', '=', true)
              .where('status', '=', 'pending')
              .whereRef('available_at', '<=', 'received_at')
              .groupBy('customer_key'),
          )
          .onConflict((oc) => oc.column('customer_key').doUpdateSet({ event_id: (eb) => eb.ref('queue_heads.event_id') })),
      )
      .selectFrom('ins')
      .select(['id', 'dedupe_key', 'inserted'])
      .execute();
    for (const r of returned) result.set(r.dedupe_key, { id: r.id, duplicate: !r.inserted });
    return result;
  }

  private row(event: NewEvent, now: number): InboxRow {
    const availableAt = event.availableAt ?? now;
    return {
      dedupe_key: event.dedupeKey,
      event_type: event.eventType,
      customer_key: event.customerKey,
      order_id: event.orderId ?? null,
      order_ref: event.orderRef ?? null,
      subscription_id: event.subscriptionId ?? null,
      plan_name: event.planName ?? null,
      plan_id: event.planId ?? null,
      product_id: event.productId ?? null,
      product_name: event.productName ?? null,
      customer_name: event.customerName ?? null,
      customer_email: event.customerEmail ?? null,
      search_text: normalizeText(
        [event.orderRef, event.orderId, event.planName, event.customerName, event.customerEmail, event.eventType]
          .filter(Boolean)
          .join(' | '),
      ),
      body: event.bodyText ?? JSON.stringify(event.body),
      status: event.ignored ? 'ignored' : 'pending',
      outcome: event.ignored?.outcome ?? null,
      finished_at: event.ignored ? now : null,
      attempts: 0,
      available_at: availableAt,
      next_run_at: availableAt,
      parent_id: event.parentId ?? null,
      source: event.source ?? 'webhook',
      received_at: now,
      updated_at: now,
    };
  }
}
