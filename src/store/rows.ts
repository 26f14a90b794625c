import type { ExpressionBuilder } from 'kysely';
import type { EventStatus, InboxEvent } from '../domain/inbox-event.js';
import type { Database } from './schema.js';

/** The shapes the store's modules share with their callers: results, filters, claims. */

/** One entry of an event's story for people (attempts, errors, manual actions). */
/** A line of an event's story written with a change of its status (same transaction). */
export interface HistoryNote {
  kind: string;
  message: string;
}

export interface HistoryEntry {
  id: number;
  at: number;
  kind: string;
  message: string;
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
export interface Claim {
  id: number;
  leaseOwner: string;
  /** When the lease ends unless renewed (in the lease clock's time). */
  leaseUntil: number;
  attempts: number;
  customerKey: string;
}

/** An event and the order it carries, as received (JSON text): what a worker runs, what an event's page shows. */
export interface StoredEvent {
  event: InboxEvent;
  bodyText: string;
}

/** An event a worker claimed: the claim that fences the run's writes, with the event and its order. */
export interface ClaimedEvent extends Claim, StoredEvent {}

/** Thrown when a worker writes to an event it no longer holds (its lease expired and another took it). */
export class LeaseLostError extends Error {
  constructor(eventId: number) {
    super(`O evento ${eventId} passou para outro processo (concessão expirada).`);
    this.name = 'LeaseLostError';
  }
}

/** The event is still held by this claim: same owner, same attempt. */
export function held(eb: ExpressionBuilder<Database, 'events'>, claim: Claim) {
  return eb.and([eb('id', '=', claim.id), eb('lease_owner', '=', claim.leaseOwner), eb('attempts', '=', claim.attempts)]);
}
