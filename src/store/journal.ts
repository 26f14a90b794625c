import { systemClock, type Clock } from '../timing/clock.js';
import { sql, type Kysely } from 'kysely';
import type { Dialect } from './migrations.js';
import { held, LeaseLostError, type Claim, type HistoryEntry } from './rows.js';
import type { Database } from './schema.js';
import { truncateWal } from './wal.js';

/** Event ids per journal lookup (well under SQLite's and PostgreSQL's bound-parameter limits). */
const STEP_LOOKUP_CHUNK = 500;

/**
 * Each event's journal (one row per completed step, so a retry skips what already happened) and
 * its history (the story for people: attempts, errors, manual actions).
 */
export class Journal {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly clock: Clock = systemClock,
  ) {}

  async loadSteps(eventId: number): Promise<Map<string, unknown>> {
    const rows = await this.db.selectFrom('event_steps').select(['step', 'result']).where('event_id', '=', eventId).execute();
    return new Map(rows.map((r) => [r.step, JSON.parse(r.result) as unknown]));
  }

  async listSteps(eventId: number) {
    const rows = await this.db.selectFrom('event_steps').selectAll().where('event_id', '=', eventId).orderBy('seq').execute();
    return rows.map((r) => ({ step: r.step, doneAt: r.done_at, result: JSON.parse(r.result) as unknown }));
  }

  /** Records a completed step, only while the claim still holds the event. */
  async saveStep(claim: Claim, step: string, result: unknown): Promise<void> {
    const eventId = claim.id;
    const now = this.clock();
    const inserted = await this.db
      .insertInto('event_steps')
      .columns(['event_id', 'step', 'result', 'done_at', 'seq'])
      .expression((eb) =>
        eb
          .selectFrom('events')
          .select([
            sql<number>`cast(${eventId} as bigint)`.as('event_id'),
            sql<string>`cast(${step} as text)`.as('step'),
            sql<string>`cast(${JSON.stringify(result ?? null)} as text)`.as('result'),
            sql<number>`cast(${now} as bigint)`.as('done_at'),
            eb
              .selectFrom('event_steps')
              .select(sql<number>`coalesce(max(seq), 0) + 1`.as('next'))
              .where('event_id', '=', eventId)
              .as('seq'),
          ])
          .where('status', '=', 'processing')
          .where((w) => held(w, claim)),
      )
      .onConflict((oc) => oc.columns(['event_id', 'step']).doUpdateSet({ result: (eb) => eb.ref('excluded.result') }))
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) throw new LeaseLostError(eventId);
  }

  /** Rewrites a step's stored result (used to wipe a password once it has been delivered). */
  async rewriteStep(eventId: number, step: string, result: unknown): Promise<void> {
    await this.db
      .updateTable('event_steps')
      .set({ result: JSON.stringify(result ?? null) })
      .where('event_id', '=', eventId)
      .where('step', '=', step)
      .execute();
  }

  /** Which of `eventIds` journaled `step`: event id → that step's result (by the journal's primary key). */
  async stepResults(eventIds: number[], step: string): Promise<Map<number, unknown>> {
    const results = new Map<number, unknown>();
    for (let i = 0; i < eventIds.length; i += STEP_LOOKUP_CHUNK) {
      const rows = await this.db
        .selectFrom('event_steps')
        .select(['event_id', 'result'])
        .where('event_id', 'in', eventIds.slice(i, i + STEP_LOOKUP_CHUNK))
        .where('step', '=', step)
        .execute();
      for (const r of rows) results.set(r.event_id, JSON.parse(r.result) as unknown);
    }
    return results;
  }

  async addHistory(eventId: number, kind: string, message: string): Promise<void> {
    await this.db.insertInto('event_history').values({ event_id: eventId, at: this.clock(), kind, message }).execute();
  }

  async history(eventId: number): Promise<HistoryEntry[]> {
    return this.db
      .selectFrom('event_history')
      .select(['id', 'at', 'kind', 'message'])
      .where('event_id', '=', eventId)
      .orderBy('id')
      .execute();
  }

  /**
   * Wipes the sealed passwords of cadastros journaled before `cutoff` whose welcome never went out
   * (it wipes them itself once sent). Returns the events touched. Compare-and-set per row, so
   * instances running it at once do not clash.
   */
  async wipeSealedPasswords(step: string, cutoff: number, limit = 200): Promise<number[]> {
    const rows = await this.db
      .selectFrom('event_steps')
      .select(['event_id', 'result'])
      .where('step', '=', step)
      .where('done_at', '<', cutoff)
      .where('result', 'like', '%"sealedPassword"%')
      .limit(limit)
      .execute();
    const wiped: number[] = [];
    for (const row of rows) {
      const { sealedPassword: _wiped, ...rest } = JSON.parse(row.result) as Record<string, unknown>;
      const result = await this.db
        .updateTable('event_steps')
        .set({ result: JSON.stringify({ ...rest, passwordExpired: true }) })
        .where('event_id', '=', row.event_id)
        .where('step', '=', step)
        .where('result', '=', row.result)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) wiped.push(row.event_id);
    }
    return wiped;
  }

  /**
   * Seals passwords a release before 0.2 journaled in clear (`password` in a cadastro step), so
   * none stays readable in the database; on SQLite the WAL is then cut (truncateWal), so no older
   * copy of those pages lingers in it. Returns how many were sealed.
   */
  async sealLegacyPasswords(step: string, seal: (plaintext: string) => string): Promise<number> {
    const rows = await this.db
      .selectFrom('event_steps')
      .select(['event_id', 'result'])
      .where('step', '=', step)
      .where('result', 'like', '%"password"%')
      .execute();
    let sealed = 0;
    for (const row of rows) {
      const { password, ...rest } = JSON.parse(row.result) as Record<string, unknown>;
      const next = typeof password === 'string' && !rest.sealedPassword ? { ...rest, sealedPassword: seal(password) } : rest;
      const result = await this.db
        .updateTable('event_steps')
        .set({ result: JSON.stringify(next) })
        .where('event_id', '=', row.event_id)
        .where('step', '=', step)
        .where('result', '=', row.result)
        .executeTakeFirst();
      sealed += Number(result.numUpdatedRows);
    }
    if (sealed > 0) await truncateWal(this.db, this.dialect);
    return sealed;
  }
}
