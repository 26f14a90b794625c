import type { Kysely } from 'kysely';
import { systemClock, type Clock } from '../timing/clock.js';
import { insertAlert, type OutboxEntry } from './outbox-rows.js';
import { expireLeasesOf, leaseOwnersOtherThan } from './dead-leases.js';
import { lockHead, PROCESSING, refreshHead, refreshHeads, SCHEDULED, WAITING } from './queue-heads.js';
import type { LeaseClock } from './lease-clock.js';
import type { Dialect } from './migrations.js';
import { EVENT_COLUMNS, toInboxEvent, type EventRow } from './event-row.js';
import { requeueEvent, resolveEvent, type JournalChange, type ResolveResult } from './queue-moves.js';
import { held, type Claim, type ClaimedEvent, type HistoryNote, type RequeueResult } from './rows.js';
import { RETRYABLE_STATUSES, type EventStatus } from '../domain/inbox-event.js';
import type { Database } from './schema.js';

export type { JournalChange, ResolveResult } from './queue-moves.js';

/** A claimed row as the worker gets it: the event, its order as received, the claim that fences the run. */
function claimedEvent(row: Pick<EventRow, (typeof EVENT_COLUMNS)[number] | 'body' | 'lease_until'>, owner: string): ClaimedEvent {
  const event = toInboxEvent(row);
  const { id, attempts, customerKey } = event;
  return { id, leaseOwner: owner, leaseUntil: row.lease_until!, attempts, customerKey, event, bodyText: row.body };
}

/**
 * The work queue: workers claim due events under a lease (renewed while they run), and every
 * state change of a run is fenced by its claim, so a run whose lease was taken over cannot write.
 *
 * Per-customer order lives in queue_heads (see heads.ts): a customer's events run one at a time,
 * in arrival order, and a claim reads only the heads that are due — its cost depends on how many
 * events it takes, not on the history or on how many events wait behind a running one.
 */
export class Queue {
  /** Scheduled events that became available up to this time have joined the heads. */
  private promotedUpTo = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly clock: Clock = systemClock,
    /** Lease times: the database's on PostgreSQL (see lease-clock.ts). Its leases are the claims, on the events row (leases.ts says why). */
    private readonly leaseClock: LeaseClock = () => Promise.resolve(clock()),
  ) {}

  /**
   * Claims up to `limit` due events for `owner`: each the head of its customer, due (its next run
   * has come, or the lease of its crashed run has ended). Events of `pausedTypes` (their
   * upstream is down) are left waiting, their attempts untouched.
   */
  async claimDue(owner: string, limit: number, leaseMs: number, pausedTypes: readonly string[] = []): Promise<ClaimedEvent[]> {
    if (limit <= 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const now = await this.leaseClock(trx);
      await this.promoteScheduled(trx, now);
      let due = trx
        .selectFrom('queue_heads as h')
        .select(['h.customer_key', 'h.event_id'])
        .where('h.run_at', '<=', now)
        .orderBy('h.run_at')
        .orderBy('h.event_id')
        .limit(limit);
      if (pausedTypes.length > 0) {
        due = due.innerJoin('events as e', 'e.id', 'h.event_id').where('e.event_type', 'not in', [...pausedTypes]);
      }
      // Instances claim side by side: a head another one is claiming is skipped, not waited for.
      if (this.dialect === 'postgres') due = due.forUpdate('h').skipLocked();
      const heads = await due.execute();
      if (heads.length === 0) return [];
      const claimed = await trx
        .updateTable('events')
        .set((eb) => ({
          status: 'processing',
          lease_owner: owner,
          lease_until: now + leaseMs,
          attempts: eb('attempts', '+', 1),
          runs: eb('runs', '+', 1),
          updated_at: now,
        }))
        .where(
          'id',
          'in',
          heads.map((h) => h.event_id),
        )
        .where((eb) => eb.or([WAITING, eb.and([PROCESSING, eb('lease_until', '<', now)])]))
        .returning([...EVENT_COLUMNS, 'body', 'lease_until'])
        .execute();
      const taken = new Set(claimed.map((e) => e.customer_key));
      if (taken.size > 0) {
        await trx
          .updateTable('queue_heads')
          .set({ run_at: now + leaseMs })
          .where('customer_key', 'in', [...taken])
          .execute();
      }
      // A head that named an event no longer claimable is out of date: put it right.
      await refreshHeads(
        trx,
        this.dialect,
        heads.filter((h) => !taken.has(h.customer_key)).map((h) => h.customer_key),
        now,
      );
      return claimed.sort((a, b) => a.id - b.id).map((row) => claimedEvent(row, owner));
    });
  }

  /** Scheduled events whose time has come join their customers' heads (read through a partial index). */
  private async promoteScheduled(trx: Kysely<Database>, now: number): Promise<void> {
    const due = await trx
      .selectFrom('events')
      .select('customer_key')
      .distinct()
      .where(WAITING)
      .where(SCHEDULED)
      .where('available_at', '>', this.promotedUpTo)
      .where('available_at', '<=', now)
      .execute();
    await refreshHeads(
      trx,
      this.dialect,
      due.map((r) => r.customer_key),
      now,
    );
    this.promotedUpTo = now;
  }

  /** The heartbeat: the events still held by these claims keep their leases (and their heads stay out of reach). */
  async extendLeases(claims: Claim[], leaseMs: number): Promise<void> {
    if (claims.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      const until = (await this.leaseClock(trx)) + leaseMs;
      await lockHead(
        trx,
        this.dialect,
        claims.map((c) => c.customerKey),
      );
      const renewed = await trx
        .updateTable('events')
        .set({ lease_until: until })
        .where(PROCESSING)
        .where((eb) => eb.or(claims.map((c) => held(eb, c))))
        .returning('id')
        .execute();
      if (renewed.length === 0) return;
      await trx
        .updateTable('queue_heads')
        .set({ run_at: until })
        .where(
          'event_id',
          'in',
          renewed.map((r) => r.id),
        )
        .execute();
    });
  }

  /** SQLite is one process: whatever was running when it stopped can be taken up at once. */
  async recoverAfterRestart(): Promise<number> {
    if (this.dialect !== 'sqlite') return 0;
    return this.expireLeases();
  }

  /** Ends the leases of events held by `owners` (all when omitted) at once: their process is gone (dead-leases.ts). */
  expireLeases(owners?: string[]): Promise<number> {
    return expireLeasesOf(this.db, this.dialect, owners);
  }

  /** Lease owners of running events, other than `self` (to find those whose process is gone). */
  otherLeaseOwners(self: string): Promise<string[]> {
    return leaseOwnersOtherThan(this.db, self);
  }

  /** Ends a run (fenced by its claim) and moves its customer's head on, in one transaction. */
  private async closeOut(
    claim: Claim,
    changes: Partial<
      Pick<EventRow, 'status' | 'outcome' | 'last_error' | 'last_error_code' | 'next_run_at' | 'finished_at' | 'attempts' | 'access_until'>
    >,
    alert?: OutboxEntry,
    history?: HistoryNote,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const now = this.clock();
      await lockHead(trx, this.dialect, [claim.customerKey]);
      const result = await trx
        .updateTable('events')
        .set({ ...changes, lease_owner: null, lease_until: null, updated_at: now })
        .where(PROCESSING)
        .where((eb) => held(eb, claim))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await refreshHead(trx, this.dialect, claim.customerKey, now);
      if (alert) await insertAlert(trx, alert, now);
      if (history)
        await trx
          .insertInto('event_history')
          .values({ event_id: claim.id, at: now, kind: history.kind, message: history.message })
          .execute();
      return true;
    });
  }

  /**
   * Ends a run for good; a failure keeps its message and the code of its cause. `alert` goes
   * into the outbox in the same transaction: it is never seen before the status it tells of,
   * and never lost if the process dies in between; so does `history`, the line of the event's
   * story that tells it (one commit, not two). `accessUntil`: when the access it gave ends.
   */
  finish(
    claim: Claim,
    status: 'done' | 'ignored' | 'failed',
    outcome: string,
    error?: { message: string; code: string },
    alert?: OutboxEntry,
    { accessUntil, history }: { accessUntil?: number; history?: HistoryNote } = {},
  ) {
    return this.closeOut(
      claim,
      {
        status,
        outcome,
        last_error: error?.message ?? null,
        last_error_code: error?.code ?? null,
        finished_at: this.clock(),
        ...(accessUntil === undefined ? {} : { access_until: accessUntil }),
      },
      alert,
      history,
    );
  }

  /** Schedules the next attempt; `history`, the story's line for it, in the same transaction. */
  retryAt(claim: Claim, at: number, error: { message: string; code: string }, history?: HistoryNote) {
    return this.closeOut(
      claim,
      { status: 'retrying', next_run_at: at, last_error: error.message, last_error_code: error.code },
      undefined,
      history,
    );
  }

  /** Gives an event back untouched (shutdown between steps): it does not count as an attempt. */
  release(claim: Claim) {
    return this.closeOut(claim, { status: 'pending', next_run_at: this.clock(), attempts: claim.attempts - 1 });
  }

  /**
   * Closes a failure that support settled by hand (`resolved`, terminal): it leaves the queue
   * and the count of failures needing attention. A sale done with a notice (a welcome not sent,
   * the student told another way) is closed the same way.
   */
  resolve(eventId: number, outcome: string): Promise<ResolveResult> {
    return resolveEvent(this.db, this.dialect, this.clock, eventId, outcome);
  }

  /**
   * Puts a failed, retrying or ignored event back in the queue to run now, its journal intact,
   * with a fresh budget of attempts (a person fixed the cause). `from` widens what may be put
   * back (a done sale whose welcome support resends).
   */
  requeue(eventId: number, from: readonly EventStatus[] = RETRYABLE_STATUSES, journal: JournalChange = {}): Promise<RequeueResult> {
    return requeueEvent(this.db, this.dialect, this.clock, { eventId, from, journal });
  }
}
