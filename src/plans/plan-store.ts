import type { Kysely, Selectable } from 'kysely';
import type { Plan } from './plan-map.js';
import { normalizeText } from '../domain/text.js';
import { systemClock, type Clock } from '../timing/clock.js';
import { sql, type Transaction } from 'kysely';
import type { Dialect } from '../store/migrations.js';
import type { Database, PlanChangesTable, PlansTable } from '../store/schema.js';

export type PlanChangeRow = Selectable<PlanChangesTable>;

export interface StoredPlan extends Plan {
  updatedAt: number;
}

const toPlan = (row: Selectable<PlansTable>): StoredPlan => ({
  name: row.name,
  courses: JSON.parse(row.courses) as number[],
  whatsappGroup: row.whatsapp_group ?? undefined,
  updatedAt: row.updated_at,
});

/**
 * The plan map, in the database (the source of truth, shared by every instance): names compared
 * without case, accents or extra spaces; every change recorded with when, what and from where.
 */
export class PlanStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Edits of the map run one at a time (they are rare): on PostgreSQL a lock on the table, so two
   * first starts never both import; SQLite writes are serial already.
   */
  private write<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      if (this.dialect === 'postgres') await sql`lock table plans in share row exclusive mode`.execute(trx);
      return work(trx);
    });
  }

  /** The plan with this name (ignoring case, accents and extra spaces), if mapped. */
  async resolve(name: string | undefined): Promise<StoredPlan | undefined> {
    if (!name) return undefined;
    const row = await this.db.selectFrom('plans').selectAll().where('name_key', '=', normalizeText(name)).executeTakeFirst();
    return row && toPlan(row);
  }

  async all(): Promise<StoredPlan[]> {
    return (await this.db.selectFrom('plans').selectAll().orderBy('name_key').execute()).map(toPlan);
  }

  async isEmpty(): Promise<boolean> {
    return (await this.db.selectFrom('plans').select('name_key').limit(1).executeTakeFirst()) === undefined;
  }

  /** Creates or replaces a plan (validated by the caller), recording the change. */
  async set(plan: Plan, via: string): Promise<void> {
    const now = this.clock();
    await this.write((trx) => upsertPlan(trx, plan, 'set', via, now));
  }

  /** Removes a plan; false when there was none by that name. */
  async remove(name: string, via: string): Promise<boolean> {
    const now = this.clock();
    return this.write(async (trx) => {
      const gone = await trx.deleteFrom('plans').where('name_key', '=', normalizeText(name)).returning('name').executeTakeFirst();
      if (!gone) return false;
      await trx.insertInto('plan_changes').values({ at: now, name: gone.name, action: 'remove', plan: null, via }).execute();
      return true;
    });
  }

  /**
   * Makes `plans` the whole map (a file imported): plans in it are set, plans not in it removed,
   * each change recorded. With `onlyIfEmpty`, does nothing when a map exists (first start of
   * several instances at once: one imports, the others find it done).
   */
  async replaceAll(plans: Plan[], via: string, { onlyIfEmpty = false } = {}): Promise<number> {
    const now = this.clock();
    return this.write(async (trx) => {
      if (onlyIfEmpty && (await trx.selectFrom('plans').select('name_key').limit(1).executeTakeFirst())) return 0;
      const keep = new Set(plans.map((p) => normalizeText(p.name)));
      const existing = await trx.selectFrom('plans').select(['name_key', 'name']).execute();
      for (const old of existing.filter((e) => !keep.has(e.name_key))) {
        await trx.deleteFrom('plans').where('name_key', '=', old.name_key).execute();
        await trx.insertInto('plan_changes').values({ at: now, name: old.name, action: 'remove', plan: null, via }).execute();
      }
      for (const plan of plans) await upsertPlan(trx, plan, 'import', via, now);
      return plans.length;
    });
  }

  /** The latest changes, newest first (of one plan, when named). */
  async changes(limit = 50, name?: string): Promise<PlanChangeRow[]> {
    let query = this.db.selectFrom('plan_changes').selectAll().orderBy('id', 'desc').limit(limit);
    if (name) query = query.where('name', '=', name);
    return query.execute();
  }
}

/** Creates or replaces a plan and records the change, in the caller's transaction. */
async function upsertPlan(trx: Transaction<Database>, plan: Plan, action: 'set' | 'import', via: string, now: number): Promise<void> {
  const row = { name: plan.name, courses: JSON.stringify(plan.courses), whatsapp_group: plan.whatsappGroup ?? null, updated_at: now };
  await trx
    .insertInto('plans')
    .values({ name_key: normalizeText(plan.name), ...row })
    .onConflict((oc) => oc.column('name_key').doUpdateSet(row))
    .execute();
  await trx
    .insertInto('plan_changes')
    .values({ at: now, name: plan.name, action, plan: JSON.stringify(plan), via })
    .execute();
}
