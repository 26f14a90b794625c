import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Alerts as rows of the outbox (table alerts), written by the queue in the same transaction as
 * the outcome they tell of (a run's failure), and by the alert store (src/alerts) otherwise.
 */

export interface NewAlert {
  text: string;
  eventId?: number;
  /** Same key, same alert: enqueuing it again (a retried step, a restart) adds nothing. */
  dedupeKey?: string;
}

/** An alert for the outbox, ready to go in with another change (a run's failure) in one transaction. */
export interface OutboxEntry {
  channels: string[];
  alert: NewAlert;
}

/** Writes an alert for each channel (a dedupe key already there adds nothing); `db` may be a transaction. */
export async function insertAlert(db: Kysely<Database>, { channels, alert }: OutboxEntry, now: number): Promise<void> {
  if (channels.length === 0) return;
  await db
    .insertInto('alerts')
    .values(
      channels.map((channel) => ({
        channel,
        dedupe_key: alert.dedupeKey ? `${channel}:${alert.dedupeKey}` : null,
        event_id: alert.eventId ?? null,
        text: alert.text,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
      })),
    )
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .execute();
}
