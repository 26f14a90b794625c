import { systemClock, type Clock } from '../timing/clock.js';
import type { Kysely, Selectable } from 'kysely';
import type { Database, HealthChecksTable } from '../store/schema.js';

export type CheckRow = Selectable<HealthChecksTable>;

/** Connection check results, one row per system, shared by every instance. */
export class CheckStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Records a check result. Returns true only for the one caller that changed the status (a first
   * failure, a failure after success, a recovery): that caller tells support, nobody else.
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
