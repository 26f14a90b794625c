import type { Kysely, Selectable } from 'kysely';
import { systemClock, type Clock } from '../timing/clock.js';
import type { LeaseClock } from '../store/lease-clock.js';
import type { Database, ReconciliationTable } from '../store/schema.js';

export type ReconciliationRow = Selectable<ReconciliationTable>;

/** The one reconciliation there is (Kiwify's API); the table could hold others. */
const NAME = 'kiwify';

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
 * The reconciliation's checkpoint and lease: one instance runs it at a time (compare-and-set on
 * the lease, on SQLite and PostgreSQL alike), and only the lease holder moves the checkpoint.
 */
export class ReconciliationStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock = systemClock,
    /** Lease times: the database's on PostgreSQL (see lease-clock.ts). */
    private readonly leaseClock: LeaseClock = () => Promise.resolve(clock()),
  ) {}

  async state(): Promise<ReconciliationRow | undefined> {
    return this.db.selectFrom('reconciliation').selectAll().where('name', '=', NAME).executeTakeFirst();
  }

  /**
   * Takes the lease for `leaseMs` unless another instance holds a live one, or a run finished
   * less than `minIntervalMs` ago (another instance just did this window). True when taken.
   */
  async acquire(owner: string, leaseMs: number, minIntervalMs: number): Promise<boolean> {
    const now = await this.leaseClock(this.db);
    const ranAt = this.clock();
    await this.db
      .insertInto('reconciliation')
      .values({ name: NAME })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const taken = await this.db
      .updateTable('reconciliation')
      .set({ lease_owner: owner, lease_until: now + leaseMs })
      .where('name', '=', NAME)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now), eb('lease_owner', '=', owner)]))
      // last_run_at is written by the instances' clocks (finish): compared with this one's.
      .where((eb) => eb.or([eb('last_run_at', 'is', null), eb('last_run_at', '<=', ranAt - minIntervalMs)]))
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1;
  }

  /**
   * Extends the lease to `leaseMs` from now, only while `owner` still holds it (a long run calls
   * it after each page). False when another instance took it: the run must stop.
   */
  async renew(owner: string, leaseMs: number): Promise<boolean> {
    const until = (await this.leaseClock(this.db)) + leaseMs;
    const renewed = await this.db
      .updateTable('reconciliation')
      .set({ lease_until: until })
      .where('name', '=', NAME)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(renewed.numUpdatedRows) === 1;
  }

  /**
   * Until a first run goes through (no checkpoint yet), the first attempt's start is kept as
   * `last_from`, so the runs after a failure or a crash look back from there and the lookback
   * does not slide forward. Only the lease holder writes it, and only once.
   */
  async anchor(owner: string, from: number): Promise<void> {
    await this.db
      .updateTable('reconciliation')
      .set({ last_from: from })
      .where('name', '=', NAME)
      .where('lease_owner', '=', owner)
      .where('checkpoint', 'is', null)
      .where('last_from', 'is', null)
      .execute();
  }

  /** Gives the lease back without recording a run (a run interrupted by shutdown): the next one may start at once. */
  async release(owner: string): Promise<void> {
    await this.db
      .updateTable('reconciliation')
      .set({ lease_owner: null, lease_until: null })
      .where('name', '=', NAME)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /** Records the run and gives the lease back (only the holder's record counts). */
  async finish(owner: string, run: RunRecord): Promise<boolean> {
    const done = await this.db
      .updateTable('reconciliation')
      .set({
        ...(run.checkpoint !== undefined ? { checkpoint: run.checkpoint } : {}),
        last_run_at: this.clock(),
        last_from: run.from,
        last_to: run.to,
        last_found: run.found,
        last_recovered: run.recovered,
        last_error: run.error ?? null,
        lease_owner: null,
        lease_until: null,
      })
      .where('name', '=', NAME)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }
}
