import { endsSaleForGood, isPurchase, saleRoleOf, startsSale } from '../domain/event-types.js';
import { OPEN_STATUSES, type InboxEvent, type SaleEvent } from '../domain/inbox-event.js';
import { planKeysOfEvent, samePlan, type PlanColumns, type PlanKeys } from '../domain/plan-keys.js';

/** Whether `e` ended its sale: a refund or chargeback, or a scheduled end of access that ran. */
function endsSale(e: SaleEvent): boolean {
  const role = saleRoleOf(e.eventType);
  return role === 'ends' || (role === 'endsOnceDone' && e.status === 'done');
}

/** The events that give a sale's access: approvals, renewals, trials, access given back by support. */
export const saleStarts = (events: SaleEvent[]) => events.filter((e) => startsSale(e.eventType));

/** Ids of the customer's approvals that got as far as a matrícula (a set, or a map by id). */
export interface Enrolled {
  has(eventId: number): boolean;
}

/** A sale is one subscription (all its renewals) or one one-off order. */
export function saleKeyOf(event: Pick<InboxEvent, 'subscriptionId' | 'orderId'>): string | undefined {
  return event.subscriptionId ?? event.orderId ?? undefined;
}

/** The keys under which an event's sale and order are filed: what `saleEvents` looks up. */
export function saleKeysOf(event: Pick<InboxEvent, 'subscriptionId' | 'orderId'>): string[] {
  return [...new Set([event.subscriptionId, event.orderId].filter((k): k is string => k !== null))];
}

export interface ActiveSale {
  key: string;
  planName: string | null;
  /** What its latest approval said of its plan: how the plan map finds it. */
  plan: PlanKeys;
  eventId: number;
}

/**
 * Whether an approval gives (or is about to give) access: processed, still in flight, or it got
 * as far as the matrícula before failing at a later step (the welcome, say).
 */
function grantsAccess(e: SaleEvent, enrolled: Enrolled): boolean {
  return e.status === 'done' || OPEN_STATUSES.includes(e.status) || enrolled.has(e.id);
}

/**
 * The customer's sales that still give access, other than `exceptKey`: a sale is active while its
 * latest approval that grants access is newer than its latest refund, chargeback or executed
 * end of access (so a renewal paid after a refunded charge counts again).
 * `enrolled`: ids of this customer's approvals whose journal holds a matrícula.
 */
export function activeSales(events: SaleEvent[], enrolled: Enrolled, exceptKey: string | undefined): ActiveSale[] {
  const lastEnd = new Map<string, number>();
  const lastStart = new Map<string, SaleEvent>();
  for (const e of events) {
    const key = saleKeyOf(e);
    if (!key || key === exceptKey) continue;
    if (endsSale(e)) {
      lastEnd.set(key, Math.max(lastEnd.get(key) ?? 0, e.id));
    } else if (startsSale(e.eventType) && grantsAccess(e, enrolled)) {
      if ((lastStart.get(key)?.id ?? 0) < e.id) lastStart.set(key, e);
    }
  }
  return [...lastStart.entries()]
    .filter(([key, approval]) => approval.id > (lastEnd.get(key) ?? 0))
    .map(([key, approval]) => ({ key, planName: approval.planName, plan: planKeysOfEvent(approval), eventId: approval.id }));
}

/** An approval must not enrol anyone once its own order was refunded or charged back. */
export function orderRefunded(events: SaleEvent[], orderId: string | null): boolean {
  return orderId !== null && events.some((e) => endsSaleForGood(e.eventType) && e.orderId === orderId);
}

/**
 * A purchase after the event that scheduled an end of access (processed or still in flight) keeps
 * the access: the scheduled end is skipped. A purchase is of the same plan (a new sale of it: of
 * the same Kiwify plan id when both carry one, renamed in between or not, else of the same name —
 * `samePlan`) or of the same sale (a renewal, the first charge after a trial — by its key,
 * whatever the plan is called now). Access support gave back by hand is not a purchase: it never
 * cancels the end of a time-limited access.
 */
export function newerPurchase(events: SaleEvent[], enrolled: Enrolled, after: number, plan: PlanColumns, saleKey?: string) {
  return events.find(
    (e) =>
      isPurchase(e.eventType) &&
      e.id > after &&
      grantsAccess(e, enrolled) &&
      (samePlan(e, plan) || (saleKey !== undefined && saleKeyOf(e) === saleKey)),
  );
}

/**
 * The event that already ended the sale `key` after `after` (a refund, a chargeback, a cancelled
 * trial, an end of access or a removal that ran), when nothing gave the access back since: a
 * scheduled end of access then has nothing left to do. `exceptId`: the scheduled end itself.
 */
export function endedSince(events: SaleEvent[], enrolled: Enrolled, key: string, after: number, exceptId: number): SaleEvent | undefined {
  let lastEnd: SaleEvent | undefined;
  let lastStart = 0;
  for (const e of events) {
    if (e.id === exceptId || saleKeyOf(e) !== key) continue;
    if (endsSale(e)) lastEnd = e.id > (lastEnd?.id ?? 0) ? e : lastEnd;
    else if (startsSale(e.eventType) && grantsAccess(e, enrolled)) lastStart = Math.max(lastStart, e.id);
  }
  return lastEnd && lastEnd.id > after && lastEnd.id > lastStart ? lastEnd : undefined;
}
