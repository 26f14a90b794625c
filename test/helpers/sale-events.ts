import type { SaleEvent } from '../../src/domain/inbox-event.js';

/** What the sale rules read of an event: a finished one-off order (`o<id>`) of Excel PRO unless `over` says otherwise. */
export function saleEvent(id: number, type: string, over: Partial<SaleEvent> = {}): SaleEvent {
  return {
    id,
    eventType: type,
    status: 'done',
    orderId: `o${id}`,
    subscriptionId: null,
    planName: 'Excel PRO',
    planId: null,
    productId: null,
    productName: null,
    ...over,
  };
}
