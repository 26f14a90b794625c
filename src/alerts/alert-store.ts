import { systemClock, type Clock } from '../timing/clock.js';
import type { Kysely, Selectable } from 'kysely';
import type { LeaseClock } from '../store/lease-clock.js';
import type { AlertChannelsTable, AlertsTable, Database } from '../store/schema.js';
import { insertAlert, type NewAlert } from '../store/outbox-rows.js';

export type { NewAlert, OutboxEntry } from '../store/outbox-rows.js';

export type AlertRow = Selectable<AlertsTable>;
export type ChannelRow = Selectable<AlertChannelsTable>;

export interface SendFailure {
  error: string;
  /** The alerts themselves cannot go out (bad API key): stop trying them. */
  permanent: boolean;
  /** When the channel may be tried again. */
  retryAt: number;
  maxAttempts: number;
}

/** The alert outbox: alerts survive restarts and leave one channel at a time, paced. */
export class AlertStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock = systemClock,
    /** Lease times: the database's on PostgreSQL (see lease-clock.ts). */
    private readonly leaseClock: LeaseClock = () => Promise.resolve(clock()),
  ) {}

  async ensureChannels(channels: string[]): Promise<void> {
    for (const channel of channels) {
      await this.db
        .insertInto('alert_channels')
        .values({ channel, next_send_at: 0 })
        .onConflict((oc) => oc.column('channel').doNothing())
        .execute();
    }
  }

  async enqueue(channels: string[], alert: NewAlert): Promise<void> {
    await insertAlert(this.db, { channels, alert }, this.clock());
  }

  /**
   * Takes the channel for `owner` if it is due and nobody else holds it: a lease that ran out
   * (its sender died) is taken over in the same statement that checks it ran out, so of two
   * instances taking it at once one gets it.
   */
  async acquireChannel(channel: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = await this.leaseClock(this.db);
    const result = await this.db
      .updateTable('alert_channels')
      .set({ lease_owner: owner, lease_until: now + leaseMs })
      .where('channel', '=', channel)
      // next_send_at is the dispatchers' pacing, written by the instances' clocks: compared with this one's.
      .where('next_send_at', '<=', this.clock())
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async releaseChannel(channel: string, owner: string): Promise<void> {
    await this.db
      .updateTable('alert_channels')
      .set({ lease_owner: null, lease_until: null })
      .where('channel', '=', channel)
      .where('lease_owner', '=', owner)
      .execute();
  }

  async due(channel: string, limit: number): Promise<AlertRow[]> {
    return this.db
      .selectFrom('alerts')
      .selectAll()
      .where('channel', '=', channel)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', this.clock())
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async markSent(channel: string, owner: string, ids: number[], nextSendAt: number): Promise<void> {
    const now = this.clock();
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('alerts').set({ status: 'sent', sent_at: now }).where('id', 'in', ids).execute();
      await trx
        .updateTable('alert_channels')
        .set({ last_ok_at: now, next_send_at: nextSendAt, lease_owner: null, lease_until: null })
        .where('channel', '=', channel)
        .where('lease_owner', '=', owner)
        .execute();
    });
  }

  async markFailed(channel: string, owner: string, ids: number[], failure: SendFailure): Promise<void> {
    const now = this.clock();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('alerts')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          last_error: failure.error,
          next_attempt_at: failure.retryAt,
          status: failure.permanent
            ? 'failed'
            : eb
                .case()
                .when('attempts', '>=', failure.maxAttempts - 1)
                .then('failed' as const)
                .else('pending' as const)
                .end(),
        }))
        .where('id', 'in', ids)
        .execute();
      await trx
        .updateTable('alert_channels')
        .set({
          last_error_at: now,
          last_error: failure.error,
          next_send_at: failure.retryAt,
          lease_owner: null,
          lease_until: null,
        })
        .where('channel', '=', channel)
        .where('lease_owner', '=', owner)
        .execute();
    });
  }

  async channels(): Promise<ChannelRow[]> {
    return this.db.selectFrom('alert_channels').selectAll().orderBy('channel').execute();
  }

  async countByStatus(): Promise<Record<'pending' | 'sent' | 'failed', number>> {
    const rows = await this.db
      .selectFrom('alerts')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    const counts = { pending: 0, sent: 0, failed: 0 };
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }
}
