import { systemClock, type Clock } from '../timing/clock.js';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { LeaseClock } from '../store/lease-clock.js';
import { Leases } from '../store/leases.js';
import type { AlertChannelsTable, AlertsTable, Database } from '../store/schema.js';
import { insertAlert, type NewAlert } from '../store/outbox-rows.js';

export type { NewAlert, OutboxEntry } from '../store/outbox-rows.js';

export type AlertRow = Selectable<AlertsTable>;
/** A channel's pacing and last send, with its sender's lease (`alerts:<channel>`). */
export type ChannelRow = Selectable<AlertChannelsTable> & { lease_owner: string | null; lease_until: number | null };

/** The lease of a channel's sender. */
const leaseOf = (channel: string) => `alerts:${channel}`;

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
  private readonly leases: Leases;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock = systemClock,
    /** Lease times: the database's on PostgreSQL (see lease-clock.ts). */
    leaseClock: LeaseClock = () => Promise.resolve(clock()),
  ) {
    this.leases = new Leases(db, leaseClock);
  }

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
   * Takes the channel for `owner` if it is due and nobody else holds it (its lease ran out: its
   * sender died, or is free). Due is read again under the lease: pacing is written only by a
   * lease holder (markSent, markFailed), so a send that just ended elsewhere is seen.
   */
  async acquireChannel(channel: string, owner: string, leaseMs: number): Promise<boolean> {
    // Read first: a channel waiting for its pacing costs no write per tick.
    if (!(await this.isDue(channel))) return false;
    if (!(await this.leases.acquire(leaseOf(channel), owner, leaseMs))) return false;
    if (await this.isDue(channel)) return true;
    await this.leases.release(leaseOf(channel), owner);
    return false;
  }

  /** next_send_at is the dispatchers' pacing, written by the instances' clocks: compared with this one's. */
  private async isDue(channel: string): Promise<boolean> {
    const row = await this.db.selectFrom('alert_channels').select('next_send_at').where('channel', '=', channel).executeTakeFirst();
    return row !== undefined && row.next_send_at <= this.clock();
  }

  async releaseChannel(channel: string, owner: string): Promise<void> {
    await this.leases.release(leaseOf(channel), owner);
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
      // The channel's pacing only from its lease holder, who gives the lease back with it.
      if (!(await this.leases.release(leaseOf(channel), owner, trx))) return;
      await trx.updateTable('alert_channels').set({ last_ok_at: now, next_send_at: nextSendAt }).where('channel', '=', channel).execute();
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
      if (!(await this.leases.release(leaseOf(channel), owner, trx))) return;
      await trx
        .updateTable('alert_channels')
        .set({ last_error_at: now, last_error: failure.error, next_send_at: failure.retryAt })
        .where('channel', '=', channel)
        .execute();
    });
  }

  async channels(): Promise<ChannelRow[]> {
    return this.db
      .selectFrom('alert_channels as c')
      .leftJoin('leases as l', (join) => join.on('l.name', '=', sql<string>`${'alerts:'} || c.channel`))
      .select([
        'c.channel',
        'c.next_send_at',
        'c.last_ok_at',
        'c.last_error_at',
        'c.last_error',
        'l.owner as lease_owner',
        'l.until as lease_until',
      ])
      .orderBy('c.channel')
      .execute();
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
