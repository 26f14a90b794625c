import type { Kysely, Selectable } from 'kysely';
import { systemClock, type Clock } from '../timing/clock.js';
import type { LeaseClock } from '../store/lease-clock.js';
import { Leases } from '../store/leases.js';
import type { Database, ReconciliationTable } from '../store/schema.js';

/** The checkpoint and last run, with the lease of the run under way (`reconciliation:kiwify`). */
export type ReconciliationRow = Selectable<ReconciliationTable> & { lease_owner: string | null; lease_until: number | null };

/** The one reconciliation there is (Kiwify's API); the table could hold others. */
const NAME = 'kiwify';
/** Its lease: one instance runs it at a time. */
const LEASE = `reconciliation:${NAME}`;

export interface RunRecord {
  from: number;
  to: number;
  found: number;
  recovered: number;
  /** Sales updated before this were all seen (advanced only by a run that went through). */
  checkpoint?: number;
  error?: string;
}

/**
 * The reconciliation's checkpoint and lease (leases.ts): one instance runs it at a time, and only
 * the lease holder moves the checkpoint (each write checks the lease in its own transaction).
 */
export class ReconciliationStore {
  private readonly leases: Leases;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock = systemClock,
    /** Lease times: the database's on PostgreSQL (see lease-clock.ts). */
    leaseClock: LeaseClock = () => Promise.resolve(clock()),
  ) {
    this.leases = new Leases(db, leaseClock);
  }

  async state(): Promise<ReconciliationRow | undefined> {
    return this.db
      .selectFrom('reconciliation as r')
      .leftJoin('leases as l', (join) => join.on('l.name', '=', LEASE))
      .select([
        'r.name',
        'r.checkpoint',
        'r.last_run_at',
        'r.last_from',
        'r.last_to',
        'r.last_found',
        'r.last_recovered',
        'r.last_error',
        'l.owner as lease_owner',
        'l.until as lease_until',
      ])
      .where('r.name', '=', NAME)
      .executeTakeFirst();
  }

  /**
   * Takes the lease for `leaseMs` unless another instance holds a live one, or a run finished
   * less than `minIntervalMs` ago (another instance just did this window). True when taken.
   */
  async acquire(owner: string, leaseMs: number, minIntervalMs: number): Promise<boolean> {
    await this.db
      .insertInto('reconciliation')
      .values({ name: NAME })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    if (!(await this.ranLongAgo(minIntervalMs))) return false;
    if (!(await this.leases.acquire(LEASE, owner, leaseMs))) return false;
    // Read again under the lease: a run that finished meanwhile (and let go of it) is seen.
    if (await this.ranLongAgo(minIntervalMs)) return true;
    await this.leases.release(LEASE, owner);
    return false;
  }

  /** No run finished in the last `minIntervalMs` (last_run_at is written by the instances' clocks: compared with this one's). */
  private async ranLongAgo(minIntervalMs: number): Promise<boolean> {
    const row = await this.db.selectFrom('reconciliation').select('last_run_at').where('name', '=', NAME).executeTakeFirst();
    return row?.last_run_at == null || row.last_run_at <= this.clock() - minIntervalMs;
  }

  /**
   * Extends the lease to `leaseMs` from now, only while `owner` still holds it (a long run calls
   * it after each page). False when another instance took it: the run must stop.
   */
  async renew(owner: string, leaseMs: number): Promise<boolean> {
    return this.leases.renew(LEASE, owner, leaseMs);
  }

  /**
   * Until a first run goes through (no checkpoint yet), the first attempt's start is kept as
   * `last_from`, so the runs after a failure or a crash look back from there and the lookback
   * does not slide forward. Only the lease holder writes it, and only once.
   */
  async anchor(owner: string, from: number): Promise<void> {
    await this.leases.whileHeld(LEASE, owner, async (trx) => {
      await trx
        .updateTable('reconciliation')
        .set({ last_from: from })
        .where('name', '=', NAME)
        .where('checkpoint', 'is', null)
        .where('last_from', 'is', null)
        .execute();
    });
  }

  /**
   * A person allows the automatic runs to go on after one stopped at its bound (they hold until
   * then: see Reconciler): the last run is recorded as having recovered nothing more. True when
   * the reconciliation was holding.
   */
  async resume(maxRecovered: number): Promise<boolean> {
    const held = await this.db
      .updateTable('reconciliation')
      .set({ last_recovered: 0 })
      .where('name', '=', NAME)
      .where('last_recovered', '>=', maxRecovered)
      .executeTakeFirst();
    return Number(held.numUpdatedRows) > 0;
  }

  /** Gives the lease back without recording a run (a run interrupted by shutdown): the next one may start at once. */
  async release(owner: string): Promise<void> {
    await this.leases.release(LEASE, owner);
  }

  /** Records the run and gives the lease back (only the holder's record counts). */
  async finish(owner: string, run: RunRecord): Promise<boolean> {
    const update = {
      ...(run.checkpoint !== undefined ? { checkpoint: run.checkpoint } : {}),
      last_run_at: this.clock(),
      last_from: run.from,
      last_to: run.to,
      last_found: run.found,
      last_recovered: run.recovered,
      last_error: run.error ?? null,
    };
    return this.leases.whileHeld(
      LEASE,
      owner,
      async (trx) => {
        await trx.updateTable('reconciliation').set(update).where('name', '=', NAME).execute();
      },
      { release: true },
    );
  }
}
