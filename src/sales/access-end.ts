import { REVOKE_ACCESS } from '../domain/event-types.js';
import type { InboxEvent, NewEvent } from '../domain/inbox-event.js';
import { saleKeyOf } from './sale-rules.js';

/** One day, in ms. */
export const DAY_MS = 86_400_000;

/**
 * How long after `Subscription.trial_end` a free trial that was neither charged nor cancelled
 * keeps its access: Kiwify's first charge may come a little after the trial's end (a retried
 * card, a boleto being paid), and taking the access away in between would lock out a student who
 * is paying. After it, the trial's access is revoked.
 */
export const TRIAL_GRACE_DAYS = 2;

/**
 * The scheduled end of a sale's access (a `revoke_access` event) for `at`: after a cancellation,
 * a trial, or a plan's time-limited access. One per scheduling event (its dedupe key): a retry
 * of the event that schedules it never schedules it twice.
 */
export function accessEndEvent(e: InboxEvent, body: Record<string, unknown>, at: number): NewEvent {
  return {
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
    body,
    availableAt: at,
  };
}
