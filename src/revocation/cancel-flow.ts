import { formatTime } from '../domain/messages.js';
import { orderSchema, type KiwifyOrder } from '../intake/kiwify-payload.js';
import type { Handler } from '../worker/types.js';
import type { FlowDeps } from '../sales/flow-deps.js';
import { REVOKE_ACCESS } from '../domain/event-types.js';
import { saleKeyOf } from '../sales/sale-rules.js';

const BRASILIA_OFFSET = '-03:00';

/**
 * Kiwify dates: ISO with a zone ("2026-07-08T14:53:23.137Z") in subscription fields, or
 * "YYYY-MM-DD HH:mm" in Brasília time with no offset elsewhere.
 */
export function parseKiwifyDate(value: string | undefined): number | undefined {
  if (!value) return undefined;
  // A bare date means the whole day, in Brasília: access ends when it is over.
  const day = /^(\d{4}-\d{2}-\d{2})$/.exec(value.trim());
  if (day) return Date.parse(`${day[1]}T00:00:00${BRASILIA_OFFSET}`) + 86_400_000;
  const local = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})?$/.exec(value.trim());
  const ms = local ? Date.parse(`${local[1]}T${local[2]}${local[3] ?? ':00'}${BRASILIA_OFFSET}`) : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

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
    const e = ctx.event;
    const { id } = await ctx.schedule({
      eventType: REVOKE_ACCESS,
      dedupeKey: `${REVOKE_ACCESS}:${saleKeyOf(e) ?? e.id}:${e.id}`,
      customerKey: e.customerKey,
      orderId: e.orderId,
      orderRef: e.orderRef,
      subscriptionId: e.subscriptionId,
      planName: e.planName,
      planId: e.planId,
      productId: e.productId,
      productName: e.productName,
      customerName: e.customerName,
      customerEmail: e.customerEmail,
      body: ctx.body,
      availableAt: at,
    });
    return {
      outcome: at <= now ? `Acesso será revogado agora (evento #${id}).` : `Acesso será revogado em ${formatTime(at)} (evento #${id}).`,
    };
  };
}
