import { PermanentError } from '../domain/errors.js';
import type { Plan } from '../plans/plan-map.js';
import { planNameOf, type KiwifyOrder } from '../intake/kiwify-payload.js';
import type { FlowDeps } from './flow-deps.js';

/** The plan a sale is for (`Subscription.plan.name`, else `Product.product_name`), if it is mapped. */
export function mappedPlan(order: KiwifyOrder, deps: FlowDeps): Promise<Plan | undefined> {
  return deps.plans.resolve(planNameOf(order));
}

/** The plan bought; unmapped is a permanent failure that a fixed map + retry resolves. */
export async function planOf(order: KiwifyOrder, deps: FlowDeps): Promise<Plan> {
  const plan = await mappedPlan(order, deps);
  if (plan) return plan;
  const name = planNameOf(order);
  throw new PermanentError(
    name
      ? `O plano "${name}" não está no mapa de planos. Cadastre-o em Planos (/admin/plans): a venda é reprocessada sozinha.`
      : 'A venda não informa plano nem produto: não sei quais cursos liberar.',
    'unmapped_plan',
  );
}
