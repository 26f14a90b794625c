import { formatTime } from '../domain/messages.js';
import { parseKiwifyDate } from '../intake/kiwify-dates.js';
import { orderSchema, type KiwifyOrder } from '../intake/kiwify-payload.js';
import type { Handler } from '../worker/types.js';
import type { FlowDeps } from '../sales/flow-deps.js';
import { accessEndEvent } from '../sales/access-end.js';

/** When a cancelled subscription's paid access ends: access_until, else next_payment, else now. */
export function accessEndsAt(order: KiwifyOrder, now: number): number {
  const sub = order.Subscription;
  return parseKiwifyDate(sub?.customer_access?.access_until) ?? parseKiwifyDate(sub?.next_payment) ?? now;
}

/**
 * subscription_canceled — CANCEL_POLICY: `at_period_end` schedules the revocation for the end of
 * the paid period, `immediate` schedules it for now, `ignore` only records the cancellation.
 * The revocation itself is a `revoke_access` event (see revoke.ts), so it survives restarts and
 * shows on the admin page.
 */
export function cancelFlow(deps: FlowDeps): Handler {
  return async (ctx) => {
    const policy = deps.settings.cancelPolicy;
    if (policy === 'ignore') {
      return { status: 'ignored', outcome: 'Cancelamento registrado; acesso mantido (CANCEL_POLICY=ignore).' };
    }
    const order = orderSchema.parse(ctx.body);
    const now = deps.clock();
    const at = policy === 'immediate' ? now : Math.max(now, accessEndsAt(order, now));
    const { id } = await ctx.schedule(accessEndEvent(ctx.event, ctx.body, at));
    return {
      outcome: at <= now ? `Acesso será revogado agora (evento #${id}).` : `Acesso será revogado em ${formatTime(at)} (evento #${id}).`,
    };
  };
}
