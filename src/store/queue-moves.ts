import type { Kysely } from 'kysely';
import { NOTICE_CODES } from '../domain/causes.js';
import { RESOLVABLE_STATUSES, type EventStatus } from '../domain/inbox-event.js';
import type { Clock } from '../timing/clock.js';
import type { Dialect } from './migrations.js';
import { lockHead, refreshHead } from './queue-heads.js';
import type { RequeueResult } from './rows.js';
import type { Database } from './schema.js';

/**
 * What support does to an event by hand, through the queue: closes it (`resolve`) or puts it
 * back to run again (`requeue`), each in one transaction that keeps its customer's head right.
 */

/** Journal steps set or removed together with a requeue (support corrected something). */
export interface JournalChange {
  put?: Record<string, unknown>;
  remove?: string[];
}

export type ResolveResult = 'resolved' | 'running' | 'not_resolvable' | 'not_found';

/**
 * Closes a failure that support settled by hand (`resolved`, terminal): it leaves the queue
 * and the count of failures needing attention. A sale done with a notice (a welcome not sent,
 * the student told another way) is closed the same way.
 */
export async function resolveEvent(
  db: Kysely<Database>,
  dialect: Dialect,
  clock: Clock,
  eventId: number,
  outcome: string,
): Promise<ResolveResult> {
  return db.transaction().execute(async (trx) => {
    const now = clock();
    const found = await trx.selectFrom('events').select('customer_key').where('id', '=', eventId).executeTakeFirst();
    if (!found) return 'not_found';
    await lockHead(trx, dialect, [found.customer_key]);
    const updated = await trx
      .updateTable('events')
      .set({ status: 'resolved', outcome, finished_at: now, updated_at: now })
      .where('id', '=', eventId)
      // The domain's isResolvable, in SQL: a failure, or a sale done with a notice.
      .where((eb) =>
        eb.or([eb('status', 'in', RESOLVABLE_STATUSES), eb.and([eb('status', '=', 'done'), eb('last_error_code', 'in', NOTICE_CODES)])]),
      )
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) {
      const row = await trx.selectFrom('events').select('status').where('id', '=', eventId).executeTakeFirstOrThrow();
      return row.status === 'processing' ? 'running' : 'not_resolvable';
    }
    await refreshHead(trx, dialect, found.customer_key, now);
    return 'resolved';
  });
}

/**
 * Puts a failed, retrying or ignored event back in the queue to run now, its journal intact,
 * with a fresh budget of attempts (a person fixed the cause). `from` widens what may be put
 * back (a done sale whose welcome support resends). What support changed in the journal goes
 * in with it.
 */
export async function requeueEvent(
  db: Kysely<Database>,
  dialect: Dialect,
  clock: Clock,
  { eventId, from, journal }: { eventId: number; from: readonly EventStatus[]; journal: JournalChange },
): Promise<RequeueResult> {
  return db.transaction().execute(async (trx) => {
    const now = clock();
    const found = await trx.selectFrom('events').select('customer_key').where('id', '=', eventId).executeTakeFirst();
    if (!found) return 'not_found';
    await lockHead(trx, dialect, [found.customer_key]);
    const updated = await trx
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
      .where('status', 'in', from)
      // Without its personal data (retention, erasure) it cannot run again.
      .where('personal_data_removed_at', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) {
      const row = await trx.selectFrom('events').select('status').where('id', '=', eventId).executeTakeFirstOrThrow();
      return row.status === 'processing' ? 'running' : 'not_retryable';
    }
    // What support changed in the journal goes in with the requeue, or not at all.
    for (const step of journal.remove ?? [])
      await trx.deleteFrom('event_steps').where('event_id', '=', eventId).where('step', '=', step).execute();
    for (const [step, result] of Object.entries(journal.put ?? {})) {
      const text = JSON.stringify(result ?? null);
      const last = await trx
        .selectFrom('event_steps')
        .select((eb) => eb.fn.coalesce(eb.fn.max('seq'), eb.lit(0)).as('seq'))
        .where('event_id', '=', eventId)
        .executeTakeFirst();
      await trx
        .insertInto('event_steps')
        .values({ event_id: eventId, step, result: text, done_at: now, seq: Number(last?.seq ?? 0) + 1 })
        .onConflict((oc) => oc.columns(['event_id', 'step']).doUpdateSet({ result: text }))
        .execute();
    }
    await refreshHead(trx, dialect, found.customer_key, now);
    return 'queued';
  });
}
