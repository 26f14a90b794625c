import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { EventStatus } from '../domain/inbox-event.js';
import type { Database } from '../store/schema.js';

/** The statuses the metrics count: open work and failures waiting for a person. */
export type GaugedStatus = Extract<EventStatus, 'pending' | 'processing' | 'retrying' | 'failed'>;

/**
 * What the metrics read at each scrape, from partial indexes only: the cost follows the open work
 * and the failures, never the size of the history. The conditions are literals written as the
 * indexes' own (migrations 005 and 006), so SQLite and PostgreSQL both match them.
 */
export class GaugeQueries {
  constructor(private readonly db: Kysely<Database>) {}

  /** Events waiting (index events_waiting_customer), running (events_processing) and failed (events_failed_cause). */
  async eventsByStatus(): Promise<Record<GaugedStatus, number>> {
    const count = (where: RawBuilder<boolean>) =>
      this.db
        .selectFrom('events')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .where(where)
        .groupBy('status')
        .execute();
    const rows = await Promise.all([
      count(sql<boolean>`status in ('pending', 'retrying')`),
      count(sql<boolean>`status = 'processing'`),
      count(sql<boolean>`status = 'failed'`),
    ]);
    const counts: Record<GaugedStatus, number> = { pending: 0, processing: 0, retrying: 0, failed: 0 };
    for (const row of rows.flat()) counts[row.status as GaugedStatus] = Number(row.n);
    return counts;
  }

  /** Alerts not yet delivered, per channel (index alerts_due, one range per channel). */
  async waitingAlerts(): Promise<Array<{ channel: string; count: number }>> {
    const channels = await this.db.selectFrom('alert_channels').select('channel').orderBy('channel').execute();
    return Promise.all(
      channels.map(async ({ channel }) => {
        const row = await this.db
          .selectFrom('alerts')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('channel', '=', channel)
          .where(sql<boolean>`status = 'pending'`)
          .executeTakeFirst();
        return { channel, count: Number(row?.n ?? 0) };
      }),
    );
  }
}
