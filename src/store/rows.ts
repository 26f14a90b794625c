import type { ExpressionBuilder, Selectable } from 'kysely';
import type { EventSource, EventStatus } from '../domain/inbox-event.js';
import type { Database, EventHistoryTable, EventsTable } from './schema.js';

/** The shapes the store's modules share: rows, new events, claims. */

export type EventRow = Selectable<EventsTable>;
export type HistoryRow = Selectable<EventHistoryTable>;

/** What the sale rules read of a customer's events (no body, no personal data). */
export type SaleEvent = Pick<EventRow, 'id' | 'event_type' | 'status' | 'order_id' | 'subscription_id' | 'plan_name'>;

export interface NewEvent {
  eventType: string;
  dedupeKey: string;
  customerKey: string;
  orderId?: string;
  orderRef?: string;
  subscriptionId?: string;
  planName?: string;
  customerName?: string;
  customerEmail?: string;
  body: Record<string, unknown>;
  /** The body's JSON text as received, stored as is when given. */
  bodyText?: string;
  /** A future time for scheduled work; default: now. */
  availableAt?: number;
  /** Recorded as already `ignored` with this outcome (a type no flow handles): it never enters the queue. */
  ignored?: { outcome: string };
  parentId?: number;
  /** Default `webhook`. */
  source?: EventSource;
}

export interface InsertResult {
  id: number;
  duplicate: boolean;
}

export interface ListFilter {
  status?: EventStatus;
  /** Only failures of this cause (the code of their last error). */
  cause?: string;
  q?: string;
  limit?: number;
  /** Only events with an id lower than this (paging, newest first). */
  before?: number;
}

export type RequeueResult = 'queued' | 'running' | 'not_found' | 'not_retryable';

/**
 * The claim a worker holds on an event: its lease owner and the attempt number it claimed.
 * Every write of a run is fenced by both, so a run whose lease was taken over — by another
 * instance, or by its own worker after an expired lease — can no longer write.
 */
export type Claim = Pick<EventRow, 'id' | 'lease_owner' | 'attempts' | 'customer_key'>;

/** Thrown when a worker writes to an event it no longer holds (its lease expired and another took it). */
export class LeaseLostError extends Error {
  constructor(eventId: number) {
    super(`O evento ${eventId} passou para outro processo (concessão expirada).`);
    this.name = 'LeaseLostError';
  }
}

/** The event is still held by this claim: same owner, same attempt. */
export function held(eb: ExpressionBuilder<Database, 'events'>, claim: Claim) {
  return eb.and([eb('id', '=', claim.id), eb('lease_owner', '=', claim.lease_owner), eb('attempts', '=', claim.attempts)]);
}
