import { planKeysOfEvent, type PlanColumns } from '../domain/plan-keys.js';
import { normalizeText } from '../domain/text.js';
import type { EventQueries, FailedEvent } from '../store/event-reads.js';
import type { FailureFilter } from '../replay/event-replay.js';
import type { PlanStore, StoredPlan } from './plan-store.js';
import { indexPlans, kiwifyNameOf, resolvePlan, type KiwifyIds, type PlanIndex } from './plan-resolution.js';

/** The plan map, for what only reads or writes the map. */
export interface PlanMapStore {
  plans: Pick<PlanStore, 'all' | 'byName' | 'byKiwifyPlanId' | 'set' | 'remove' | 'replaceAll' | 'isEmpty' | 'changes'>;
}

/** The plans page's overview: the map, and what sales said of their plans. */
export interface PlanOverviewReads extends PlanMapStore {
  events: Pick<EventQueries, 'salesByPlanKeys' | 'failedOfCause'>;
}

/** A plan or product as support sees it: mapped or not, how many sales it had, how many wait. */
export interface PlanRow {
  name: string;
  plan?: StoredPlan;
  sales: number;
  /** Failed sales waiting for this plan (failed as unmapped, found by the map now or of this name). */
  waiting: number;
  /** The name Kiwify gives it now, when its latest sale named it otherwise (renamed in Kiwify, found by id). */
  kiwifyName?: string;
  /** Not mapped: Kiwify's ids its latest sale carried (to set on the plan it was, if it was renamed). */
  seenIds?: KiwifyIds;
}

interface Tally extends PlanRow {
  /** The latest sale counted on this row (its names and ids are the current ones). */
  latest: number;
}

/**
 * Every plan of the map and every name seen in sales that the map does not find: unmapped ones
 * with waiting sales first, then the other unmapped ones, then the mapped ones — by name. A sale
 * counts where the map finds it now (by ids first: a plan renamed in Kiwify keeps its sales).
 */
export async function planOverview(store: PlanOverviewReads): Promise<PlanRow[]> {
  const [plans, sales, waiting] = await Promise.all([
    store.plans.all(),
    store.events.salesByPlanKeys(),
    store.events.failedOfCause('unmapped_plan'),
  ]);
  const index = indexPlans(plans);
  const rows = new Map<string, Tally>();
  const row = (name: string) => {
    const key = normalizeText(name);
    let found = rows.get(key);
    if (!found) rows.set(key, (found = { name, sales: 0, waiting: 0, latest: 0 }));
    return found;
  };
  for (const plan of plans) Object.assign(row(plan.name), { name: plan.name, plan });
  /** The row of what a sale said: its plan's, or its name's (unmapped). */
  const rowOf = (sale: PlanColumns, id: number): Tally | undefined => {
    const keys = planKeysOfEvent(sale);
    const found = resolvePlan(index, keys);
    const tally = found ? row(found.name) : sale.planName ? row(sale.planName) : undefined;
    if (!tally || id < tally.latest) return tally;
    tally.latest = id;
    if (found) {
      const now = kiwifyNameOf(found.matchedBy, keys);
      tally.kiwifyName = now !== undefined && normalizeText(now) !== normalizeText(found.name) ? now : undefined;
    } else {
      tally.seenIds = keys.planId || keys.productId ? { kiwifyPlanId: keys.planId, kiwifyProductId: keys.productId } : undefined;
    }
    return tally;
  };
  for (const s of sales) {
    const tally = rowOf(s, s.lastId);
    if (tally) tally.sales += s.sales;
  }
  for (const w of waiting) {
    const tally = rowOf(w, w.id);
    if (tally) tally.waiting += 1;
  }
  const rank = (r: PlanRow) => (r.plan ? 2 : r.waiting > 0 ? 0 : 1);
  return [...rows.values()].map(({ latest: _, ...r }) => r).sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, 'pt-BR'));
}

/**
 * Whether a failure's sale is of the plan named `name`: where the map finds it now (by Kiwify's
 * ids first), or — found nowhere — by the name it carried.
 */
export function isOfPlan(index: PlanIndex, name: string): (failure: FailedEvent) => boolean {
  const key = normalizeText(name);
  return (failure) => {
    const found = resolvePlan(index, planKeysOfEvent(failure));
    return normalizeText(found ? found.name : (failure.planName ?? '')) === key;
  };
}

/** A bulk replay's filter, its plan matched as the map matches sales (FailureFilter.isOfPlan). */
export async function withPlanMatch(store: PlanMapStore, filter: FailureFilter): Promise<FailureFilter> {
  if (!filter.plan) return filter;
  return { ...filter, isOfPlan: isOfPlan(indexPlans(await store.plans.all()), filter.plan) };
}
