import { isNotice } from './causes.js';

/**
 * An event of the inbox as everything above the store sees it (flows, worker, support, the
 * admin, the Discord console, the CLI): camelCase, no database row. The store maps its rows to it
 * in one place (src/store/event-row.ts). The order it carries (the body) is not part of it: a
 * list of events never reads it; a handler gets it parsed once, beside the event.
 */

export const EVENT_STATUSES = ['pending', 'processing', 'retrying', 'done', 'ignored', 'failed', 'resolved'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export const EVENT_SOURCES = ['webhook', 'kiwify-api'] as const;
/** Where it came from: `webhook` (Kiwify's delivery) or `kiwify-api` (found by the reconciliation). */
export type EventSource = (typeof EVENT_SOURCES)[number];

export interface InboxEvent {
  id: number;
  /** A type of the registry (event-types.ts), or one Kiwify added that it does not know. */
  eventType: string;
  /** One business event, one key (type + order id): redeliveries collapse onto the first. */
  dedupeKey: string;
  /** Whose events run one at a time, in order: the buyer's CPF, e-mail or order (hashed once personal data goes). */
  customerKey: string;
  orderId: string | null;
  orderRef: string | null;
  subscriptionId: string | null;
  /** The plan's name, else the product's (one-off products have no plan): the name people read. */
  planName: string | null;
  /** Kiwify's ids of the plan and product, and the product's name: the plan map matches them (domain/plan-keys.ts). */
  planId: string | null;
  productId: string | null;
  productName: string | null;
  customerName: string | null;
  customerEmail: string | null;
  status: EventStatus;
  /** Attempts of the current round (a retry by a person starts a new one). */
  attempts: number;
  /** Times a worker ran it, ever. */
  runs: number;
  /** When it may first run: arrival, or a future time for scheduled work. */
  availableAt: number;
  nextRunAt: number;
  lastError: string | null;
  /** The code of the last error (`unmapped_plan`, `http_503`…): its cause. */
  lastErrorCode: string | null;
  outcome: string | null;
  /** The event that scheduled this one, if any. */
  parentId: number | null;
  receivedAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /** When its personal data was removed (retention or erasure). */
  personalDataRemovedAt: number | null;
  source: EventSource;
  /** The access this event gave ends then (a plan's time-limited access, a free trial); null: no end known. */
  accessUntil: number | null;
}

/** What a message to support names of an event: `#42 venda aprovada · pedido AbC1dEf · Excel PRO · Fulano`. */
export type EventNaming = Pick<InboxEvent, 'id' | 'eventType'> &
  Partial<Pick<InboxEvent, 'orderRef' | 'orderId' | 'planName' | 'customerName'>>;

/** What the sale rules read of a customer's events (no body, no personal data). */
export type SaleEvent = Pick<
  InboxEvent,
  'id' | 'eventType' | 'status' | 'orderId' | 'subscriptionId' | 'planName' | 'planId' | 'productId' | 'productName'
>;

/** An approval of the same buyer near another one (an order bump and its main order arrive together). */
export type NearbyApproval = SaleEvent & Pick<InboxEvent, 'orderRef' | 'receivedAt'>;

/** What goes into the inbox: a delivery (webhook, reconciliation) or work a flow schedules. */
export type NewEvent = Pick<InboxEvent, 'eventType' | 'dedupeKey' | 'customerKey'> &
  Partial<
    Pick<
      InboxEvent,
      'orderId' | 'orderRef' | 'subscriptionId' | 'planName' | 'planId' | 'productId' | 'productName' | 'customerName' | 'customerEmail'
    >
  > & {
    /** The order object as received (unwrapped). */
    body: Record<string, unknown>;
    /** Its JSON text as received, when the order was the whole body (stored as is). */
    bodyText?: string;
    /** A future time for scheduled work; default: now. */
    availableAt?: number;
    /** Recorded as already `ignored` with this outcome (a type no flow handles): it never enters the queue. */
    ignored?: { outcome: string };
    parentId?: number;
    /** Default `webhook`. */
    source?: EventSource;
  };

// ---------------------------------------------------------------- status rules

/** Waiting to run: claimable once due. */
export const WAITING_STATUSES: readonly EventStatus[] = ['pending', 'retrying'];
/** Work still ahead: waiting or running. */
export const OPEN_STATUSES: readonly EventStatus[] = [...WAITING_STATUSES, 'processing'];
/** Nothing more happens unless a person acts. `resolved`: a failure support settled by hand. */
export const FINISHED_STATUSES: readonly EventStatus[] = ['done', 'ignored', 'failed', 'resolved'];
/** Failures: for good, or waiting for another try. Support may close them by hand ("Marcar como resolvido"). */
export const RESOLVABLE_STATUSES: readonly EventStatus[] = ['failed', 'retrying'];
/** Statuses a person may send back to the queue (admin retry). */
export const RETRYABLE_STATUSES: readonly EventStatus[] = ['failed', 'retrying', 'ignored'];

type StatusFacts = Pick<InboxEvent, 'status' | 'lastErrorCode'>;

/** A failure, for good or waiting for another try. */
export function isFailing(e: Pick<InboxEvent, 'status'>): boolean {
  return RESOLVABLE_STATUSES.includes(e.status);
}

/** Done, but a person must act (a welcome that did not go out): listed and filtered like a failure. */
export function hasNotice(e: StatusFacts): boolean {
  return e.status === 'done' && isNotice(e.lastErrorCode);
}

/**
 * What "Resolver" may close: a failure, or a sale done with a notice (the student told another
 * way). The queue's `resolve` writes the same rule in SQL, from the same lists.
 */
export function isResolvable(e: StatusFacts): boolean {
  return isFailing(e) || hasNotice(e);
}
