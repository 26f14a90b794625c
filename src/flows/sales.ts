import type { EventRow } from '../store/index.js';

/** Event types that end a sale for good. */
const ENDS_SALE = new Set(['order_refunded', 'chargeback']);

/** A sale is one subscription (all its renewals) or one one-off order. */
export function saleKeyOf(event: Pick<EventRow, 'subscription_id' | 'order_id'>): string | undefined {
  return event.subscription_id ?? event.order_id ?? undefined;
}

export interface ActiveSale {
  key: string;
  planName: string | null;
  eventId: number;
}

/**
 * Sales that ended for good: refunded or charged back (whatever became of that event), or whose
 * access was ended by an executed revocation.
 */
export function endedSaleKeys(events: EventRow[]): Set<string> {
  const ended = new Set<string>();
  for (const e of events) {
    const key = saleKeyOf(e);
    if (!key) continue;
    if (ENDS_SALE.has(e.event_type) || (e.event_type === REVOKE_ACCESS && e.status === 'done')) ended.add(key);
  }
  return ended;
}

/** The customer's sales that still give access, other than `exceptKey`: approved, processed, not ended. */
export function activeSales(events: EventRow[], exceptKey: string | undefined): ActiveSale[] {
  const ended = endedSaleKeys(events);
  const active = new Map<string, ActiveSale>();
  for (const e of events) {
    const key = saleKeyOf(e);
    if (e.event_type !== 'order_approved' || e.status !== 'done' || !key) continue;
    if (key === exceptKey || ended.has(key)) continue;
    active.set(key, { key, planName: e.plan_name, eventId: e.id });
  }
  return [...active.values()];
}

/** The internal event that ends a cancelled subscription's access (scheduled by the cancel flow). */
export const REVOKE_ACCESS = 'revoke_access';
