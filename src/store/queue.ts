import { systemClock, type Clock } from '../timing/clock.js';
import { sql, type Kysely } from 'kysely';
import type { Dialect } from './migrations.js';
import { held, type Claim, type EventRow, type RequeueResult } from './rows.js';
import { OPEN_STATUSES, RETRYABLE_STATUSES, WAITING_STATUSES, type Database } from './schema.js';

/**
 * The work queue: workers claim due events under a lease (renewed while they run), and every
 * state change of a run is fenced by its claim, so a run whose lease was taken over cannot write.
 */
export class Queue {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly clock: Clock = systemClock,
  ) {}

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
            eb.and([eb('e.status', 'in', WAITING_STATUSES), eb('e.next_run_at', '<=', now)]),
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
                    pb.and([pb('p.id', '<', pb.ref('e.id')), pb('p.status', 'in', OPEN_STATUSES), pb('p.available_at', '<=', now)]),
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
    const row = await this.db.selectFrom('events').select('status').where('id', '=', eventId).executeTakeFirst();
    if (!row) return 'not_found';
    return row.status === 'processing' ? 'running' : 'not_retryable';
  }
}

/** Arbitrary constant naming the claim lock among PostgreSQL advisory locks. */
const CLAIM_LOCK_ID = 7_240_517_311;
