import type { PlanKeys } from '../domain/plan-keys.js';
import { normalizeText } from '../domain/text.js';
import type { Plan } from './plan-map.js';

/** Which of a sale's keys found its plan in the map. */
export type MatchedBy = 'planId' | 'planName' | 'productId' | 'productName';

/** A plan of the map, as a sale found it. */
export type FoundPlan<P extends Plan = Plan> = P & { matchedBy: MatchedBy };

/** Kiwify's ids of a plan: what the map learns from a sale matched by name. */
export type KiwifyIds = Pick<Plan, 'kiwifyPlanId' | 'kiwifyProductId'>;

/** A plan map indexed by every key a sale may match. */
export interface PlanIndex<P extends Plan = Plan> {
  byPlanId: Map<string, P>;
  byName: Map<string, P>;
  byProductId: Map<string, P[]>;
}

export function indexPlans<P extends Plan>(plans: Iterable<P>): PlanIndex<P> {
  const index: PlanIndex<P> = { byPlanId: new Map(), byName: new Map(), byProductId: new Map() };
  for (const plan of plans) {
    index.byName.set(normalizeText(plan.name), plan);
    if (plan.kiwifyPlanId) index.byPlanId.set(plan.kiwifyPlanId, plan);
    if (plan.kiwifyProductId) index.byProductId.set(plan.kiwifyProductId, [...(index.byProductId.get(plan.kiwifyProductId) ?? []), plan]);
  }
  return index;
}

/**
 * A map entry known to be another Kiwify plan never takes a sale by its product: a sale of plan
 * B of a product is not given plan A's courses because both plans sell that product.
 */
const otherPlan = (plan: Plan, keys: PlanKeys) =>
  keys.planId !== undefined && plan.kiwifyPlanId !== undefined && plan.kiwifyPlanId !== keys.planId;

/**
 * The entry of the product's id: the one that stands for the whole product (no plan id), else
 * the product's only entry. Several, and none for the whole product: no guess (the sale goes on
 * to its product's name, or to support).
 */
function byProduct<P extends Plan>(index: PlanIndex<P>, keys: PlanKeys): P | undefined {
  if (keys.productId === undefined) return undefined;
  const candidates = (index.byProductId.get(keys.productId) ?? []).filter((p) => !otherPlan(p, keys));
  const wholeProduct = candidates.filter((p) => p.kiwifyPlanId === undefined);
  if (wholeProduct.length === 1) return wholeProduct[0];
  return wholeProduct.length === 0 && candidates.length === 1 ? candidates[0] : undefined;
}

function byName<P extends Plan>(index: PlanIndex<P>, name: string | undefined): P | undefined {
  const key = name === undefined ? '' : normalizeText(name);
  return key === '' ? undefined : index.byName.get(key);
}

/**
 * The plan a sale is for, in this order: the Kiwify plan's id, the plan's name, the product's id,
 * the product's name (names ignoring case, accents and extra spaces). Ids first, so a plan or
 * product renamed in Kiwify keeps enrolling; names next, as the map always matched (and teaches
 * the ids: `idsToLearn`). By product (id or name), an entry known to be another plan of it is
 * passed over.
 */
export function resolvePlan<P extends Plan>(index: PlanIndex<P>, keys: PlanKeys): FoundPlan<P> | undefined {
  const found = (plan: P | undefined, matchedBy: MatchedBy) => plan && { ...plan, matchedBy };
  const byProductName = byName(index, keys.productName);
  return (
    found(keys.planId === undefined ? undefined : index.byPlanId.get(keys.planId), 'planId') ??
    found(byName(index, keys.planName), 'planName') ??
    found(byProduct(index, keys), 'productId') ??
    found(byProductName && !otherPlan(byProductName, keys) ? byProductName : undefined, 'productName')
  );
}

/**
 * What a sale matched by name teaches its plan: the Kiwify ids it lacks. Matched by the plan's
 * name: the plan's id and the product's; by the product's name: the product's id alone (the entry
 * stands for the product, not for the plan this sale happens to be of). Nothing, when matched by
 * id or when the plan has its ids already.
 */
export function idsToLearn(found: FoundPlan, keys: PlanKeys): KiwifyIds | undefined {
  if (found.matchedBy !== 'planName' && found.matchedBy !== 'productName') return undefined;
  const ids: KiwifyIds = {};
  if (found.matchedBy === 'planName' && found.kiwifyPlanId === undefined && keys.planId !== undefined) ids.kiwifyPlanId = keys.planId;
  if (found.kiwifyProductId === undefined && keys.productId !== undefined) ids.kiwifyProductId = keys.productId;
  return ids.kiwifyPlanId === undefined && ids.kiwifyProductId === undefined ? undefined : ids;
}

/** The name Kiwify gives now to what a sale matched (the plan's, or the product's). */
export function kiwifyNameOf(matchedBy: MatchedBy, keys: PlanKeys): string | undefined {
  return matchedBy === 'planId' || matchedBy === 'planName' ? (keys.planName ?? keys.productName) : keys.productName;
}

/** Where the flows look plans up: the database's map (plan-store.ts). */
export interface PlanLookup {
  /** The plan a sale is for (plan-resolution.ts: plan id, plan name, product id, product name), if mapped. */
  resolve(keys: PlanKeys): Promise<FoundPlan | undefined>;
  /**
   * Records Kiwify's ids a sale matched by name taught its plan (`idsToLearn`), unless the plan
   * has them by now; its history says "ids aprendidos da venda #N".
   */
  learnIds(planName: string, ids: KiwifyIds, eventId: number): Promise<boolean>;
}
