import { FlowError, PermanentError } from '../domain/errors.js';
import type { NearbyApproval } from '../domain/inbox-event.js';
import type { KiwifyOrder } from '../intake/kiwify-payload.js';
import type { FlowDeps } from '../sales/flow-deps.js';
import { saleKeyOf } from '../sales/sale-rules.js';
import type { FlowContext } from '../sales/steps.js';

/**
 * Order bumps: a product added at checkout is sold as its own order of its own product — its own
 * `order_approved`, seconds after the main one's. Kiwify's API says so (`parent_order_id`);
 * webhooks do not. The bridge reads approvals of one buyer that close together as one purchase:
 * the account the first created is the one the second finds (events of one customer run one at
 * a time, in arrival order), and the second's welcome points to the first's password instead of
 * telling "the password you already use" to someone who never had one; an unmapped bump's
 * failure names the order it came with.
 */

/**
 * How close two approvals of one buyer arrive to read as one purchase. Kiwify sends a checkout's
 * orders within seconds; a minute leaves room for its delivery retries. A constant, not a
 * variable: it follows how Kiwify delivers one checkout, which no school changes — and what it
 * decides is only a message's wording (the password line) and a hint to support.
 */
export const BUMP_WINDOW_MS = 60_000;

/** The other approvals of this buyer that read as one purchase with this one (other sales, not renewals of this one). */
async function companions(ctx: FlowContext, deps: FlowDeps, parentOrderId: string | undefined): Promise<NearbyApproval[]> {
  const own = saleKeyOf(ctx.event);
  const nearby = await deps.approvalsNear(ctx.event.customerKey, {
    at: ctx.event.receivedAt,
    windowMs: BUMP_WINDOW_MS,
    orderIds: parentOrderId ? [parentOrderId] : [],
  });
  return nearby.filter((e) => e.id !== ctx.event.id && saleKeyOf(e) !== own);
}

/**
 * The plan whose welcome told the password of the account this approval found: another
 * approval of the same purchase created it. Undefined when the account was there before.
 */
export async function passwordSentWith(
  ctx: FlowContext,
  deps: FlowDeps,
  order: KiwifyOrder,
  studentId: string,
): Promise<string | undefined> {
  const others = await companions(ctx, deps, order.parent_order_id);
  if (others.length === 0) return undefined;
  const cadastros = await deps.journaled(
    others.map((e) => e.id),
    'cadastro',
  );
  const creator = others.find((e) => {
    const cadastro = cadastros.get(e.id);
    return cadastro?.created === true && cadastro.studentId === studentId;
  });
  return creator ? (creator.planName ?? 'comprado junto') : undefined;
}

const STATUS_WORDS: Partial<Record<NearbyApproval['status'], string>> = {
  done: 'que foi concluído',
  failed: 'que também falhou',
  resolved: 'resolvido à mão pelo suporte',
};

/**
 * An unmapped plan's failure, saying when the sale is an order bump and of which order: from
 * `parent_order_id` (a sale found through Kiwify's API), else from another approval of the
 * buyer within BUMP_WINDOW_MS ("provável order bump").
 */
export async function withBumpHint(err: unknown, ctx: FlowContext, deps: FlowDeps, order: KiwifyOrder): Promise<never> {
  if (!(err instanceof FlowError) || err.code !== 'unmapped_plan') throw err;
  const parent = order.parent_order_id;
  const others = await companions(ctx, deps, parent);
  const main = parent ? others.find((e) => e.orderId === parent) : others[0];
  if (!parent && !main) throw err;
  const ref = main?.orderRef ?? main?.orderId ?? parent;
  const plan = main?.planName ? ` (${main.planName})` : '';
  const state = main && STATUS_WORDS[main.status] ? `, ${STATUS_WORDS[main.status]}` : '';
  const hint = parent
    ? `É um order bump do pedido ${ref}${plan}${state}: a Kiwify vendeu este produto junto com ele.`
    : `Provável order bump: aprovado junto com o pedido ${ref}${plan}${state}.`;
  throw new PermanentError(`${err.message} ${hint}`, err.code);
}
