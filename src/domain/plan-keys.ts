import { normalizeText } from './text.js';

/**
 * What names the plan of a sale, as Kiwify sends it: the plan's id and name
 * (`Subscription.plan`), the product's id and name (`Product`). A producer may rename a plan or a
 * product at any time; the ids stay. The plan map is searched by them in this order (plans/
 * plan-resolution.ts): plan id, plan name, product id, product name.
 */
export interface PlanKeys {
  planId?: string;
  planName?: string;
  productId?: string;
  productName?: string;
}

/** An inbox event's plan columns (`planName` is the plan's name, else the product's: what people read). */
export interface PlanColumns {
  planId?: string | null;
  planName?: string | null;
  productId?: string | null;
  productName?: string | null;
}

const given = (value: string | null | undefined) => (value === null || value === undefined || value === '' ? undefined : value);

/**
 * The keys of an event's sale, from its columns. The `planName` column holds the plan's name, or
 * the product's when the sale has no plan: it is a plan's name when a plan id came, or when it
 * differs from the product's name. Events of before the ids were kept (no product name) keep
 * their name alone, matched as it always was.
 */
export function planKeysOfEvent(e: PlanColumns): PlanKeys {
  const planId = given(e.planId);
  const shown = given(e.planName);
  const productName = given(e.productName);
  const isPlanName = shown !== undefined && (planId !== undefined || productName === undefined || shown !== productName);
  return { planId, planName: isPlanName ? shown : undefined, productId: given(e.productId), productName };
}

/**
 * Whether two sales are of the same Kiwify plan: by the plan's id when both carry one (a rename
 * changes nothing), else by the name people read (ignoring case, accents and extra spaces).
 */
export function samePlan(a: PlanColumns, b: PlanColumns): boolean {
  const idA = given(a.planId);
  const idB = given(b.planId);
  if (idA !== undefined && idB !== undefined) return idA === idB;
  const nameA = normalizeText(a.planName ?? '');
  return nameA !== '' && nameA === normalizeText(b.planName ?? '');
}
