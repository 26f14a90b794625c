import type { Kysely } from 'kysely';
import type { LeaseClock } from './lease-clock.js';
import type { Database } from './schema.js';

/**
 * Leases: "one instance at a time" for work shared by instances — an alert channel's sender, the
 * reconciliation, a periodic job marked singleton. One row per lease name in `leases` (the
 * holder and until when), taken, renewed and given back by statements that check the owner
 * themselves, so of two instances racing for a lease exactly one gets it, and an instance whose
 * lease ran out and was taken over can neither renew it nor write under it.
 *
 * The queue's per-event leases are of another kind and stay on the events row
 * (events.lease_owner, lease_until): there the lease is the claim itself, fencing every write of
 * the run in the same statement, and one claim takes many events at once. They read the same
 * time as these (lease-clock.ts: the database's on PostgreSQL), for the same reason.
 */

/** Who holds a lease, and until when (epoch ms, in lease time). */
export interface LeaseHolder {
  owner: string;
  until: number;
}

/** The leases of one store. Names are `kind:what` (`alerts:callmebot`, `reconciliation:kiwify`, `job:housekeeping`). */
export class Leases {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: LeaseClock,
  ) {}

  /**
   * Takes `name` for `owner` for `ms` unless another owner holds it and its time has not run out
   * (a lease already `owner`'s is extended). True when `owner` holds it now.
   */
  async acquire(name: string, owner: string, ms: number): Promise<boolean> {
    const now = await this.clock(this.db);
    const taken = await this.db
      .insertInto('leases')
      .values({ name, owner, until: now + ms })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ owner, until: now + ms })
          .where((eb) => eb.or([eb('leases.until', '<', now), eb('leases.owner', '=', owner)])),
      )
      .executeTakeFirst();
    return Number(taken.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /** Extends `owner`'s lease to `ms` from now. False when it no longer holds it (another took it over). */
  async renew(name: string, owner: string, ms: number): Promise<boolean> {
    const until = (await this.clock(this.db)) + ms;
    const renewed = await this.db
      .updateTable('leases')
      .set({ until })
      .where('name', '=', name)
      .where('owner', '=', owner)
      .executeTakeFirst();
    return Number(renewed.numUpdatedRows) === 1;
  }

  /**
   * Gives `owner`'s lease back (nothing when another holds it); `db` may be a transaction, so
   * that what the holder writes on leaving counts only if it still held the lease. True when it did.
   */
  async release(name: string, owner: string, db: Kysely<Database> = this.db): Promise<boolean> {
    const released = await db.deleteFrom('leases').where('name', '=', name).where('owner', '=', owner).executeTakeFirst();
    return Number(released.numDeletedRows) === 1;
  }

  /** The lease's holder, live or run out (a run-out lease is free to take), or undefined when nobody holds it. */
  async holder(name: string): Promise<LeaseHolder | undefined> {
    return this.db.selectFrom('leases').select(['owner', 'until']).where('name', '=', name).executeTakeFirst();
  }

  /**
   * Runs `write` in one transaction if `owner` holds `name` (its row written first, so locked
   * until the end on PostgreSQL: no take-over commits in between; SQLite runs one writer at a
   * time), and, with
   * `release`, gives the lease back in that same transaction. False, with nothing written, when
   * `owner` does not hold it.
   */
  async whileHeld(
    name: string,
    owner: string,
    write: (trx: Kysely<Database>) => Promise<void>,
    options: { release?: boolean } = {},
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const held = await trx.updateTable('leases').set({ owner }).where('name', '=', name).where('owner', '=', owner).executeTakeFirst();
      if (Number(held.numUpdatedRows) !== 1) return false;
      await write(trx);
      if (options.release) await this.release(name, owner, trx);
      return true;
    });
  }
}
