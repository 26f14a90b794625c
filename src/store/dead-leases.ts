import type { Kysely } from 'kysely';
import type { Dialect } from './migrations.js';
import { lockHead, PROCESSING } from './queue-heads.js';
import type { Database } from './schema.js';

/** The leases of a process that is gone: found, and ended at once (the worker's take-over of the dead). */

/**
 * Ends the leases of events held by `owners` (all owners when omitted) at once: their runs are
 * known to be over (their process is gone), so the work is taken up without waiting.
 *
 * The owner is checked again in the statement that ends the lease: another instance may have
 * taken the event over between the read and the write (two instances noticing the same dead
 * one), and its live lease must not be ended — or both would run the event.
 */
export async function expireLeasesOf(db: Kysely<Database>, dialect: Dialect, owners?: string[]): Promise<number> {
  if (owners?.length === 0) return 0;
  return db.transaction().execute(async (trx) => {
    const running = await trx
      .selectFrom('events')
      .select(['id', 'customer_key', 'lease_owner'])
      .where(PROCESSING)
      .$if(owners !== undefined, (qb) => qb.where('lease_owner', 'in', owners!))
      .execute();
    if (running.length === 0) return 0;
    await lockHead(
      trx,
      dialect,
      running.map((r) => r.customer_key),
    );
    const gone = owners ?? [...new Set(running.map((r) => r.lease_owner).filter((o): o is string => o !== null))];
    if (gone.length === 0) return 0;
    const expired = await trx
      .updateTable('events')
      .set({ lease_until: 0 })
      .where(PROCESSING)
      .where('lease_owner', 'in', gone)
      .where(
        'id',
        'in',
        running.map((r) => r.id),
      )
      .returning('id')
      .execute();
    if (expired.length > 0) {
      await trx
        .updateTable('queue_heads')
        .set({ run_at: 0 })
        .where(
          'event_id',
          'in',
          expired.map((r) => r.id),
        )
        .execute();
    }
    return expired.length;
  });
}

/** Lease owners of running events, other than `self` (to find those whose process is gone). */
export async function leaseOwnersOtherThan(db: Kysely<Database>, self: string): Promise<string[]> {
  const rows = await db.selectFrom('events').select('lease_owner').distinct().where(PROCESSING).where('lease_owner', '<>', self).execute();
  return rows.map((r) => r.lease_owner).filter((o): o is string => o !== null);
}
