import { systemClock, type Clock } from '../timing/clock.js';
import type { Kysely, Selectable } from 'kysely';
import type { Database, HealthChecksTable, HealthInstanceChecksTable } from '../store/schema.js';

export type CheckRow = Selectable<HealthChecksTable>;
export type InstanceCheckRow = Selectable<HealthInstanceChecksTable>;

/**
 * Connection check results shared by every instance: each instance's own last check of each
 * system (`health_instance_checks`), and the state they agree on, one row per system
 * (`health_checks`: what the alerts and the admin page tell).
 */
export class CheckStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The time the rows are written in. */
  now(): number {
    return this.clock();
  }

  /** Records `instance`'s own check of `name`. */
  async recordOwn(instance: string, name: string, status: CheckRow['status'], detail: string | null): Promise<void> {
    const now = this.clock();
    await this.db
      .insertInto('health_instance_checks')
      .values({ name, instance, status, checked_at: now, detail })
      .onConflict((oc) => oc.columns(['name', 'instance']).doUpdateSet({ status, checked_at: now, detail }))
      .execute();
  }

  /** Every instance's last checks (a few rows per instance). */
  async instances(): Promise<InstanceCheckRow[]> {
    return this.db.selectFrom('health_instance_checks').selectAll().orderBy('name').orderBy('instance').execute();
  }

  /**
   * Records the state the instances agree on. Returns true only for the one caller that changed
   * it (a first failure, a failure after success, a recovery): that caller tells support, nobody else.
   */
  async record(name: string, status: CheckRow['status'], detail: string | null): Promise<boolean> {
    const now = this.clock();
    const inserted = await this.db
      .insertInto('health_checks')
      .values({ name, status, since: now, checked_at: now, detail })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return status === 'failing';
    const changed = await this.db
      .updateTable('health_checks')
      .set({ status, since: now, checked_at: now, detail })
      .where('name', '=', name)
      .where('status', '<>', status)
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) === 1) return true;
    await this.db.updateTable('health_checks').set({ checked_at: now, detail }).where('name', '=', name).execute();
    return false;
  }

  async all(): Promise<CheckRow[]> {
    return this.db.selectFrom('health_checks').selectAll().orderBy('name').execute();
  }
}
