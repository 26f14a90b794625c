import { sql, type ExpressionBuilder, type Insertable, type Kysely, type Selectable } from 'kysely';
import { normalizeText } from '../domain/text.js';
import { Batcher } from './batcher.js';
import type { Dialect } from './migrations.js';
import { RETRYABLE_STATUSES, type Database, type EventHistoryTable, type EventStatus, type EventsTable } from './schema.js';

export type EventRow = Selectable<EventsTable>;
export type HistoryRow = Selectable<EventHistoryTable>;

export interface NewEvent {
  eventType: string;
  dedupeKey: string;
  customerKey: string;
  orderId?: string;
  orderRef?: string;
  subscriptionId?: string;
  planName?: string;
  customerName?: string;
  customerEmail?: string;
  body: Record<string, unknown>;
  /** The body's JSON text as received, stored as is when given. */
  bodyText?: string;
  /** A future time for scheduled work; default: now. */
  availableAt?: number;
  parentId?: number;
}

export interface InsertResult {
  id: number;
  duplicate: boolean;
}

export interface ListFilter {
  status?: EventStatus;
  q?: string;
  limit?: number;
  /** Only events with an id lower than this (paging, newest first). */
  before?: number;
}

export type RequeueResult = 'queued' | 'running' | 'not_found' | 'not_retryable';

/**
 * The claim a worker holds on an event: its lease owner and the attempt number it claimed.
 * Every write of a run is fenced by both, so a run whose lease was taken over — by another
 * instance, or by its own worker after an expired lease — can no longer write.
 */
export type Claim = Pick<EventRow, 'id' | 'lease_owner' | 'attempts'>;

/** Statuses in which an event still has work ahead of it. */
const OPEN: EventStatus[] = ['pending', 'retrying', 'processing'];

/** Thrown when a worker writes to an event it no longer holds (its lease expired and another took it). */
export class LeaseLostError extends Error {
  constructor(eventId: number) {
    super(`O evento ${eventId} passou para outro processo (concessão expirada).`);
    this.name = 'LeaseLostError';
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class EventStore {
  private readonly inserts: Batcher<NewEvent, InsertResult>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly clock: () => number = Date.now,
  ) {
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
    const rows = events.map((event) => this.row(event, now));
    const result = new Map<string, InsertResult>();
    if (this.dialect === 'postgres') {
      // One statement, race-free across instances: the no-op update makes a conflicting row come
      // back too (xmax = 0 only for rows this statement inserted).
      const returned = await this.db
        .insertInto('events')
        .values(rows)
        .onConflict((oc) => oc.column('dedupe_key').doUpdateSet({ dedupe_key: (eb) => eb.ref('excluded.dedupe_key') }))
        .returning(['id', 'dedupe_key', sql<boolean>`(xmax = 0)`.as('inserted')])
        .execute();
      for (const r of returned) result.set(r.dedupe_key, { id: r.id, duplicate: !r.inserted });
      return result;
    }
    // SQLite has a single writer, so insert-then-read inside this transaction cannot race.
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('events')
        .values(rows)
        .onConflict((oc) => oc.column('dedupe_key').doNothing())
        .returning(['id', 'dedupe_key'])
        .execute();
      for (const r of inserted) result.set(r.dedupe_key, { id: r.id, duplicate: false });
      const missing = events.map((e) => e.dedupeKey).filter((key) => !result.has(key));
      if (missing.length > 0) {
        const existing = await trx.selectFrom('events').select(['id', 'dedupe_key']).where('dedupe_key', 'in', missing).execute();
        for (const r of existing) result.set(r.dedupe_key, { id: r.id, duplicate: true });
      }
      return result;
    });
  }

  private row(event: NewEvent, now: number): Insertable<EventsTable> {
    const availableAt = event.availableAt ?? now;
    return {
      dedupe_key: event.dedupeKey,
      event_type: event.eventType,
      customer_key: event.customerKey,
      order_id: event.orderId ?? null,
      order_ref: event.orderRef ?? null,
      subscription_id: event.subscriptionId ?? null,
      plan_name: event.planName ?? null,
      customer_name: event.customerName ?? null,
      customer_email: event.customerEmail ?? null,
      search_text: normalizeText(
        [event.orderRef, event.orderId, event.planName, event.customerName, event.customerEmail, event.eventType]
          .filter(Boolean)
          .join(' | '),
      ),
      body: event.bodyText ?? JSON.stringify(event.body),
      status: 'pending',
      attempts: 0,
      available_at: availableAt,
      next_run_at: availableAt,
      parent_id: event.parentId ?? null,
      received_at: now,
      updated_at: now,
    };
  }

  /**
   * Claims up to `limit` due events for `owner`, honouring per-customer order: an event waits
   * while an earlier event of the same customer is still open and due, and while any event of
   * that customer is running. A crashed owner's events come back once their lease expires.
   * Events of `pausedTypes` (their upstream is down) are left waiting, their attempts untouched.
   */
  async claimDue(owner: string, limit: number, leaseMs: number, pausedTypes: readonly string[] = []): Promise<EventRow[]> {
    if (limit <= 0) return [];
    const run = async (db: Kysely<Database>) => {
      const now = this.clock();
      let candidates = db
        .selectFrom('events as e')
        .select('e.id')
        .$if(pausedTypes.length > 0, (qb) => qb.where('e.event_type', 'not in', [...pausedTypes]))
        .where((eb) =>
          eb.or([
            eb.and([eb('e.status', 'in', ['pending', 'retrying']), eb('e.next_run_at', '<=', now)]),
            eb.and([eb('e.status', '=', 'processing'), eb('e.lease_until', '<', now)]),
          ]),
        )
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('events as p')
                .select(sql.lit(1).as('one'))
                .whereRef('p.customer_key', '=', 'e.customer_key')
                .whereRef('p.id', '<>', 'e.id')
                .where((pb) =>
                  pb.or([
                    // an earlier event of the customer that is due and not finished
                    pb.and([pb('p.id', '<', pb.ref('e.id')), pb('p.status', 'in', OPEN), pb('p.available_at', '<=', now)]),
                    // any event of the customer running right now
                    pb.and([pb('p.status', '=', 'processing'), pb('p.lease_until', '>=', now)]),
                  ]),
                ),
            ),
          ),
        )
        .orderBy('e.id')
        .limit(limit);
      if (this.dialect === 'postgres') candidates = candidates.forUpdate('e').skipLocked();
      const ids = (await candidates.execute()).map((r) => r.id);
      if (ids.length === 0) return [];
      return db
        .updateTable('events')
        .set((eb) => ({
          status: 'processing',
          lease_owner: owner,
          lease_until: now + leaseMs,
          attempts: eb('attempts', '+', 1),
          updated_at: now,
        }))
        .where('id', 'in', ids)
        .returningAll()
        .execute()
        .then((rows) => rows.sort((a, b) => a.id - b.id));
    };
    if (this.dialect === 'postgres') {
      // Claims are serialised across instances by an advisory lock, so the ordering check of
      // one claim always sees the result of the previous one.
      return this.db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(${sql.lit(CLAIM_LOCK_ID)})`.execute(trx);
        return run(trx);
      });
    }
    return this.db.transaction().execute(run);
  }

  async extendLeases(claims: Claim[], leaseMs: number): Promise<void> {
    if (claims.length === 0) return;
    await this.db
      .updateTable('events')
      .set({ lease_until: this.clock() + leaseMs })
      .where('status', '=', 'processing')
      .where((eb) => eb.or(claims.map((c) => held(eb, c))))
      .execute();
  }

  /** SQLite is one process: whatever was running when it stopped can be taken up at once. */
  async recoverAfterRestart(): Promise<number> {
    if (this.dialect !== 'sqlite') return 0;
    const result = await this.db.updateTable('events').set({ lease_until: 0 }).where('status', '=', 'processing').executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async loadSteps(eventId: number): Promise<Map<string, unknown>> {
    const rows = await this.db.selectFrom('event_steps').select(['step', 'result']).where('event_id', '=', eventId).execute();
    return new Map(rows.map((r) => [r.step, JSON.parse(r.result) as unknown]));
  }

  async listSteps(eventId: number) {
    const rows = await this.db.selectFrom('event_steps').selectAll().where('event_id', '=', eventId).orderBy('seq').execute();
    return rows.map((r) => ({ step: r.step, doneAt: r.done_at, result: JSON.parse(r.result) as unknown }));
  }

  /** Records a completed step, only while the claim still holds the event. */
  async saveStep(claim: Claim, step: string, result: unknown): Promise<void> {
    const eventId = claim.id;
    const now = this.clock();
    const inserted = await this.db
      .insertInto('event_steps')
      .columns(['event_id', 'step', 'result', 'done_at', 'seq'])
      .expression((eb) =>
        eb
          .selectFrom('events')
          .select([
            sql<number>`cast(${eventId} as bigint)`.as('event_id'),
            sql<string>`cast(${step} as text)`.as('step'),
            sql<string>`cast(${JSON.stringify(result ?? null)} as text)`.as('result'),
            sql<number>`cast(${now} as bigint)`.as('done_at'),
            eb
              .selectFrom('event_steps')
              .select(sql<number>`coalesce(max(seq), 0) + 1`.as('next'))
              .where('event_id', '=', eventId)
              .as('seq'),
          ])
          .where('status', '=', 'processing')
          .where((w) => held(w, claim)),
      )
      .onConflict((oc) => oc.columns(['event_id', 'step']).doUpdateSet({ result: (eb) => eb.ref('excluded.result') }))
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) throw new LeaseLostError(eventId);
  }

  /** Rewrites a step's stored result (used to wipe a password once it has been delivered). */
  async rewriteStep(eventId: number, step: string, result: unknown): Promise<void> {
    await this.db
      .updateTable('event_steps')
      .set({ result: JSON.stringify(result ?? null) })
      .where('event_id', '=', eventId)
      .where('step', '=', step)
      .execute();
  }

  /**
   * Wipes the sealed passwords of cadastros journaled before `cutoff` whose welcome never went out
   * (it wipes them itself once sent). Returns the events touched. Compare-and-set per row, so
   * instances running it at once do not clash.
   */
  async wipeSealedPasswords(cutoff: number, limit = 200): Promise<number[]> {
    const rows = await this.db
      .selectFrom('event_steps')
      .select(['event_id', 'result'])
      .where('step', '=', 'cadastro')
      .where('done_at', '<', cutoff)
      .where('result', 'like', '%"sealedPassword"%')
      .limit(limit)
      .execute();
    const wiped: number[] = [];
    for (const row of rows) {
      const { sealedPassword: _wiped, ...rest } = JSON.parse(row.result) as Record<string, unknown>;
      const result = await this.db
        .updateTable('event_steps')
        .set({ result: JSON.stringify({ ...rest, passwordExpired: true }) })
        .where('event_id', '=', row.event_id)
        .where('step', '=', 'cadastro')
        .where('result', '=', row.result)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) wiped.push(row.event_id);
    }
    return wiped;
  }

  /**
   * Seals passwords a release before 0.2 journaled in clear (`password` in a cadastro step), so
   * none stays readable in the database; on SQLite the WAL is then checkpointed and truncated,
   * so no older copy of those pages lingers in it. Returns how many were sealed.
   */
  async sealLegacyPasswords(seal: (plaintext: string) => string): Promise<number> {
    const rows = await this.db
      .selectFrom('event_steps')
      .select(['event_id', 'result'])
      .where('step', '=', 'cadastro')
      .where('result', 'like', '%"password"%')
      .execute();
    let sealed = 0;
    for (const row of rows) {
      const { password, ...rest } = JSON.parse(row.result) as Record<string, unknown>;
      const next = typeof password === 'string' && !rest.sealedPassword ? { ...rest, sealedPassword: seal(password) } : rest;
      const result = await this.db
        .updateTable('event_steps')
        .set({ result: JSON.stringify(next) })
        .where('event_id', '=', row.event_id)
        .where('step', '=', 'cadastro')
        .where('result', '=', row.result)
        .executeTakeFirst();
      sealed += Number(result.numUpdatedRows);
    }
    if (sealed > 0 && this.dialect === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(this.db);
    return sealed;
  }

  private async closeOut(
    claim: Claim,
    changes: Partial<Pick<EventRow, 'status' | 'outcome' | 'last_error' | 'next_run_at' | 'finished_at' | 'attempts'>>,
  ): Promise<boolean> {
    const now = this.clock();
    const result = await this.db
      .updateTable('events')
      .set({ ...changes, lease_owner: null, lease_until: null, updated_at: now })
      .where('status', '=', 'processing')
      .where((eb) => held(eb, claim))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  finish(claim: Claim, status: 'done' | 'ignored' | 'failed', outcome: string, error?: string) {
    return this.closeOut(claim, { status, outcome, last_error: error ?? null, finished_at: this.clock() });
  }

  retryAt(claim: Claim, at: number, error: string) {
    return this.closeOut(claim, { status: 'retrying', next_run_at: at, last_error: error });
  }

  /** Gives an event back untouched (shutdown between steps): it does not count as an attempt. */
  release(claim: Claim) {
    return this.closeOut(claim, { status: 'pending', next_run_at: this.clock(), attempts: claim.attempts - 1 });
  }

  async addHistory(eventId: number, kind: string, message: string): Promise<void> {
    await this.db.insertInto('event_history').values({ event_id: eventId, at: this.clock(), kind, message }).execute();
  }

  async history(eventId: number): Promise<HistoryRow[]> {
    return this.db.selectFrom('event_history').selectAll().where('event_id', '=', eventId).orderBy('id').execute();
  }

  async get(eventId: number): Promise<EventRow | undefined> {
    return this.db.selectFrom('events').selectAll().where('id', '=', eventId).executeTakeFirst();
  }

  async list(filter: ListFilter = {}): Promise<EventRow[]> {
    let query = this.db
      .selectFrom('events')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(filter.limit ?? 50, 1), 500));
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.before) query = query.where('id', '<', filter.before);
    const q = filter.q ? normalizeText(filter.q) : '';
    if (q) query = query.where(sql<boolean>`search_text like ${`%${escapeLike(q)}%`} escape '\\'`);
    return query.execute();
  }

  async countByStatus(): Promise<Record<EventStatus, number>> {
    const rows = await this.db
      .selectFrom('events')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    const counts = { pending: 0, processing: 0, retrying: 0, done: 0, ignored: 0, failed: 0 };
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  /** How long the oldest due, unclaimed event has been waiting (0 when none). */
  async oldestDueWaitMs(): Promise<number> {
    const now = this.clock();
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.min('next_run_at').as('oldest'))
      .where('status', 'in', ['pending', 'retrying'])
      .where('next_run_at', '<=', now)
      .executeTakeFirst();
    const oldest = row?.oldest == null ? null : Number(row.oldest);
    return oldest === null ? 0 : now - oldest;
  }

  /** One customer's events whose journal holds `step`: event id → that step's result. */
  async stepResults(customerKey: string, step: string): Promise<Map<number, unknown>> {
    const rows = await this.db
      .selectFrom('events')
      .innerJoin('event_steps', 'event_steps.event_id', 'events.id')
      .select(['events.id', 'event_steps.result'])
      .where('events.customer_key', '=', customerKey)
      .where('event_steps.step', '=', step)
      .execute();
    return new Map(rows.map((r) => [r.id, JSON.parse(r.result) as unknown]));
  }

  /** Every event of one customer, oldest first (for flows that look at the customer's other sales). */
  async byCustomer(customerKey: string): Promise<EventRow[]> {
    return this.db.selectFrom('events').selectAll().where('customer_key', '=', customerKey).orderBy('id').execute();
  }

  /**
   * Puts a failed, retrying or ignored event back in the queue to run now, its journal intact,
   * with a fresh budget of attempts (a person fixed the cause).
   */
  async requeue(eventId: number): Promise<RequeueResult> {
    const now = this.clock();
    const result = await this.db
      .updateTable('events')
      .set((eb) => ({
        status: 'pending',
        attempts: 0,
        next_run_at: now,
        available_at: eb.case().when('available_at', '>', now).then(now).else(eb.ref('available_at')).end(),
        updated_at: now,
        finished_at: null,
      }))
      .where('id', '=', eventId)
      .where('status', 'in', RETRYABLE_STATUSES)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return 'queued';
    const row = await this.get(eventId);
    if (!row) return 'not_found';
    return row.status === 'processing' ? 'running' : 'not_retryable';
  }
}

/** The event is still held by this claim: same owner, same attempt. */
function held(eb: ExpressionBuilder<Database, 'events'>, claim: Claim) {
  return eb.and([eb('id', '=', claim.id), eb('lease_owner', '=', claim.lease_owner), eb('attempts', '=', claim.attempts)]);
}

/** Arbitrary constant naming the claim lock among PostgreSQL advisory locks. */
const CLAIM_LOCK_ID = 7_240_517_311;
