import { sql, type Kysely } from 'kysely';
import { systemClock, type Clock } from '../timing/clock.js';
import type { EventStatus, InboxEvent } from '../domain/inbox-event.js';
import { fromEventRow } from '../store/event-row.js';
import type { Database } from '../store/schema.js';

/** The retention pass's name in `job_runs` (shown in /admin/api/health and /metrics). */
export const RETENTION_JOB = 'retention';

/** Finished events whose personal data may go once RETENTION_DAYS have passed (`failed` waits for a person). */
export const PURGEABLE_STATUSES: readonly EventStatus[] = ['done', 'ignored', 'resolved'];
/** Written out as migration 008's partial index has it: SQLite uses a partial index only for a literal condition. */
const PURGEABLE = sql<boolean>`status in ('done', 'ignored', 'resolved')`;

/** One event as the privacy pass sees it: its row's personal columns, history, journal and alerts. */
export interface PersonalRecord {
  id: number;
  status: EventStatus;
  /** The row's last change: the strip is written only if nothing changed since the read. */
  updatedAt: number;
  customerKey: string;
  customerName: string | null;
  customerEmail: string | null;
  body: string;
  lastError: string | null;
  outcome: string | null;
  history: Array<{ id: number; message: string }>;
  steps: Array<{ step: string; result: string }>;
  alerts: Array<{ id: number; text: string; lastError: string | null }>;
}

/** What replaces it: computed by the caller (support/privacy.ts) from the record above. */
export interface StrippedRecord {
  customerKey: string;
  body: string;
  searchText: string;
  lastError: string | null;
  outcome: string | null;
  history: Array<{ id: number; message: string }>;
  steps: Array<{ step: string; result: string }>;
  alerts: Array<{ id: number; text: string; lastError: string | null }>;
}

export interface ErasureRow {
  id: number;
  at: number;
  events: number;
  via: string;
  note: string | null;
}

/**
 * Personal data kept only while it serves (LGPD): finds what is due for removal, reads an event
 * with everything that may quote its buyer, and writes the stripped version in one transaction.
 * Writes are guarded by `personal_data_removed_at is null`, so instances running the same pass
 * at once write the same thing once.
 */
export class PrivacyStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Finished events that ended before `cutoff` and still hold personal data, oldest first. */
  async expired(cutoff: number, limit = 200): Promise<number[]> {
    const rows = await this.db
      .selectFrom('events')
      .select('id')
      .where('personal_data_removed_at', 'is', null)
      .where(PURGEABLE)
      .where('finished_at', '<', cutoff)
      .orderBy('finished_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Events filed under any of `customerKeys` that still hold personal data. */
  async eventsOf(customerKeys: string[]): Promise<Array<Pick<InboxEvent, 'id' | 'status' | 'customerEmail' | 'customerName'>>> {
    if (customerKeys.length === 0) return [];
    const rows = await this.db
      .selectFrom('events')
      .select(['id', 'status', 'customer_email', 'customer_name'])
      .where('customer_key', 'in', customerKeys)
      .where('personal_data_removed_at', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map(fromEventRow);
  }

  async read(eventId: number): Promise<PersonalRecord | undefined> {
    const row = await this.db
      .selectFrom('events')
      .select(['id', 'status', 'updated_at', 'customer_key', 'customer_name', 'customer_email', 'body', 'last_error', 'outcome'])
      .where('id', '=', eventId)
      .where('personal_data_removed_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    const [history, steps, alerts] = await Promise.all([
      this.db.selectFrom('event_history').select(['id', 'message']).where('event_id', '=', eventId).execute(),
      this.db.selectFrom('event_steps').select(['step', 'result']).where('event_id', '=', eventId).execute(),
      this.db.selectFrom('alerts').select(['id', 'text', 'last_error']).where('event_id', '=', eventId).execute(),
    ]);
    return {
      id: row.id,
      status: row.status,
      updatedAt: row.updated_at,
      customerKey: row.customer_key,
      customerName: row.customer_name,
      customerEmail: row.customer_email,
      body: row.body,
      lastError: row.last_error,
      outcome: row.outcome,
      history,
      steps,
      alerts: alerts.map((a) => ({ id: a.id, text: a.text, lastError: a.last_error })),
    };
  }

  /**
   * Replaces the event's personal data with `stripped`, unless another instance did it first or
   * the event started running again (a person sent it back to the queue): then nothing changes.
   */
  async strip(record: PersonalRecord, stripped: StrippedRecord): Promise<boolean> {
    const now = this.clock();
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('events')
        .set({
          customer_key: stripped.customerKey,
          customer_name: null,
          customer_email: null,
          search_text: stripped.searchText,
          body: stripped.body,
          last_error: stripped.lastError,
          outcome: stripped.outcome,
          personal_data_removed_at: now,
        })
        .where('id', '=', record.id)
        .where('status', '=', record.status)
        .where('updated_at', '=', record.updatedAt)
        .where('personal_data_removed_at', 'is', null)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      for (const h of stripped.history) await trx.updateTable('event_history').set({ message: h.message }).where('id', '=', h.id).execute();
      for (const s of stripped.steps) {
        await trx
          .updateTable('event_steps')
          .set({ result: s.result })
          .where('event_id', '=', record.id)
          .where('step', '=', s.step)
          .execute();
      }
      for (const a of stripped.alerts) {
        await trx.updateTable('alerts').set({ text: a.text, last_error: a.lastError }).where('id', '=', a.id).execute();
      }
      return true;
    });
  }

  async recordErasure(events: number, via: string, note?: string): Promise<ErasureRow> {
    const row = { at: this.clock(), events, via, note: note?.trim() ? note.trim().slice(0, 500) : null };
    const { id } = await this.db.insertInto('erasures').values(row).returning('id').executeTakeFirstOrThrow();
    return { id: Number(id), ...row };
  }

  async erasures(limit = 20): Promise<ErasureRow[]> {
    const rows = await this.db.selectFrom('erasures').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), at: Number(r.at) }));
  }

  async recordRun(name: string, count: number): Promise<void> {
    const row = { name, last_run_at: this.clock(), count };
    await this.db
      .insertInto('job_runs')
      .values(row)
      .onConflict((oc) => oc.column('name').doUpdateSet({ last_run_at: row.last_run_at, count }))
      .execute();
  }

  async lastRun(name: string): Promise<{ at: number; count: number } | undefined> {
    const row = await this.db.selectFrom('job_runs').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? { at: Number(row.last_run_at), count: row.count } : undefined;
  }
}
