import type { Kysely, Selectable } from 'kysely';
import { withoutAbsent, type Plan } from './plan-map.js';
import { indexPlans, resolvePlan, type FoundPlan, type KiwifyIds } from './plan-resolution.js';
import type { PlanKeys } from '../domain/plan-keys.js';
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
  kiwifyPlanId: row.kiwify_plan_id ?? undefined,
  kiwifyProductId: row.kiwify_product_id ?? undefined,
  accessDays: row.access_days ?? undefined,
  updatedAt: Number(row.updated_at),
});

/** A plan's columns (but its name key). */
const columnsOf = (plan: Plan, now: number) => ({
  name: plan.name,
  courses: JSON.stringify(plan.courses),
  whatsapp_group: plan.whatsappGroup ?? null,
  kiwify_plan_id: plan.kiwifyPlanId ?? null,
  kiwify_product_id: plan.kiwifyProductId ?? null,
  access_days: plan.accessDays ?? null,
  updated_at: now,
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

  /** The plan with this name (ignoring case, accents and extra spaces), if mapped: what support edits. */
  async byName(name: string | undefined): Promise<StoredPlan | undefined> {
    if (!name) return undefined;
    const row = await this.db.selectFrom('plans').selectAll().where('name_key', '=', normalizeText(name)).executeTakeFirst();
    return row && toPlan(row);
  }

  /** The plan that has this Kiwify plan id, if any (one at most: a unique index). */
  async byKiwifyPlanId(kiwifyPlanId: string): Promise<StoredPlan | undefined> {
    const row = await this.db.selectFrom('plans').selectAll().where('kiwify_plan_id', '=', kiwifyPlanId).executeTakeFirst();
    return row && toPlan(row);
  }

  /**
   * The plan a sale is for (plan-resolution.ts: plan id, plan name, product id, product name), in
   * one query by the indexes of each key: the few entries any key names, ranked in memory.
   */
  async resolve(keys: PlanKeys): Promise<FoundPlan<StoredPlan> | undefined> {
    const names = [keys.planName, keys.productName].map((n) => (n ? normalizeText(n) : '')).filter((n) => n !== '');
    if (!keys.planId && names.length === 0 && !keys.productId) return undefined;
    const rows = await this.db
      .selectFrom('plans')
      .selectAll()
      .where((eb) =>
        eb.or([
          ...(keys.planId ? [eb('kiwify_plan_id', '=', keys.planId)] : []),
          ...(names.length > 0 ? [eb('name_key', 'in', names)] : []),
          ...(keys.productId ? [eb('kiwify_product_id', '=', keys.productId)] : []),
        ]),
      )
      .execute();
    return rows.length === 0 ? undefined : resolvePlan(indexPlans(rows.map(toPlan)), keys);
  }

  /**
   * Records the Kiwify ids a sale matched by name taught a plan, those it still lacks (and a plan
   * id no other plan has); its history says "ids aprendidos da venda #N". False when there was
   * nothing left to learn.
   */
  async learnIds(planName: string, ids: KiwifyIds, eventId: number): Promise<boolean> {
    const now = this.clock();
    return this.write(async (trx) => {
      const row = await trx.selectFrom('plans').selectAll().where('name_key', '=', normalizeText(planName)).executeTakeFirst();
      if (!row) return false;
      const learned: { kiwify_plan_id?: string; kiwify_product_id?: string } = {};
      if (ids.kiwifyPlanId && row.kiwify_plan_id === null) {
        const taken = await trx.selectFrom('plans').select('name').where('kiwify_plan_id', '=', ids.kiwifyPlanId).executeTakeFirst();
        if (!taken) learned.kiwify_plan_id = ids.kiwifyPlanId;
      }
      if (ids.kiwifyProductId && row.kiwify_product_id === null) learned.kiwify_product_id = ids.kiwifyProductId;
      if (Object.keys(learned).length === 0) return false;
      await trx
        .updateTable('plans')
        .set({ ...learned, updated_at: now })
        .where('name_key', '=', row.name_key)
        .execute();
      const { updatedAt: _, ...plan } = toPlan({ ...row, ...learned });
      await trx
        .insertInto('plan_changes')
        .values({ at: now, name: row.name, action: 'learn', plan: JSON.stringify(withoutAbsent(plan)), via: `da venda #${eventId}` })
        .execute();
      return true;
    });
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
      // The file's ids replace the map's: none may stay with a plan while another takes it.
      await trx.updateTable('plans').set({ kiwify_plan_id: null }).execute();
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
  const row = columnsOf(plan, now);
  await trx
    .insertInto('plans')
    .values({ name_key: normalizeText(plan.name), ...row })
    .onConflict((oc) => oc.column('name_key').doUpdateSet(row))
    .execute();
  await trx
    .insertInto('plan_changes')
    .values({ at: now, name: plan.name, action, plan: JSON.stringify(withoutAbsent(plan)), via })
    .execute();
}
