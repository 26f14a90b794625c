import { PermanentError } from '../domain/errors.js';
import type { Plan } from '../plans/plan-map.js';
import { idsToLearn } from '../plans/plan-resolution.js';
import { planKeysOf, planNameOf, type KiwifyOrder } from '../intake/kiwify-payload.js';
import type { FlowDeps } from './flow-deps.js';

/**
 * The plan a sale is for, if it is mapped: by Kiwify's plan id, the plan's name, the product's id,
 * the product's name (plans/plan-resolution.ts).
 */
export function mappedPlan(order: KiwifyOrder, deps: FlowDeps): Promise<Plan | undefined> {
  return deps.plans.resolve(planKeysOf(order));
}

/**
 * The plan bought; unmapped is a permanent failure that a fixed map + retry resolves. A plan
 * found by name that lacks Kiwify's ids learns them from this sale (event `eventId`), so a later
 * rename in Kiwify does not stop its sales.
 */
export async function planOf(order: KiwifyOrder, deps: FlowDeps, eventId?: number): Promise<Plan> {
  const keys = planKeysOf(order);
  const plan = await deps.plans.resolve(keys);
  if (plan) {
    const learn = idsToLearn(plan, keys);
    if (learn && eventId !== undefined) await deps.plans.learnIds(plan.name, learn, eventId);
    return plan;
  }
  const name = planNameOf(order);
  throw new PermanentError(
    name
      ? `O plano "${name}" não está no mapa de planos. Cadastre-o em Planos (/admin/plans): a venda é reprocessada sozinha.`
      : 'A venda não informa plano nem produto: não sei quais cursos liberar.',
    'unmapped_plan',
  );
}
