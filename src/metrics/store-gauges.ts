import { Gauge, type Registry } from 'prom-client';
import type { EventQueries } from '../store/event-reads.js';
import type { GaugeQueries } from './gauge-queries.js';
import { channelLabel } from './metric-labels.js';

/** What the gauges read at a scrape: indexed counts, the queue's oldest due event, the retention pass's last run. */
export interface GaugeReads {
  gauges: Pick<GaugeQueries, 'eventsByStatus' | 'waitingAlerts'>;
  events: Pick<EventQueries, 'oldestDueWaitMs'>;
  /** The LGPD retention pass's last run, by any instance (the privacy feature's record). */
  retentionLastRun(): Promise<{ at: number; count: number } | undefined>;
}

/** One read of the store for a scrape: undefined when the store did not answer. */
interface Snapshot {
  events: Awaited<ReturnType<GaugeQueries['eventsByStatus']>>;
  oldestDueWaitMs: number;
  alerts: Awaited<ReturnType<GaugeQueries['waitingAlerts']>>;
  /** The LGPD retention pass's last run (any instance). */
  retention: { at: number; count: number } | undefined;
}

async function read(store: GaugeReads): Promise<Snapshot | undefined> {
  try {
    const [events, oldestDueWaitMs, alerts, retention] = await Promise.all([
      store.gauges.eventsByStatus(),
      store.events.oldestDueWaitMs(),
      store.gauges.waitingAlerts(),
      store.retentionLastRun(),
    ]);
    return { events, oldestDueWaitMs, alerts, retention };
  } catch {
    return undefined; // bridge_store_up says so
  }
}

/** One read at a time, shared by every gauge that asks while it is under way. */
function sharedRead(store: GaugeReads): () => Promise<Snapshot | undefined> {
  let reading: Promise<Snapshot | undefined> | undefined;
  return () => {
    if (!reading) {
      reading = read(store);
      void reading.finally(() => {
        reading = undefined;
      });
    }
    return reading;
  };
}

/**
 * Gauges read from the shared store when Prometheus scrapes: the same for every instance (take
 * `max` across instances, never `sum`). One read serves every gauge of a scrape; it runs only
 * indexed queries (open events, failures, queue heads, each channel's pending alerts), so its
 * cost follows the open work, not the history.
 */
export function registerStoreGauges(registry: Registry, store: GaugeReads): void {
  const registers = [registry];
  const snapshot = sharedRead(store);

  new Gauge({
    name: 'bridge_store_up',
    help: '1 when the store answered the queries of this scrape, else 0 (the other store gauges are then NaN or absent).',
    registers,
    async collect() {
      this.set((await snapshot()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'bridge_events',
    help: 'Events in the store now whose work is open (pending, processing, retrying) or failed, by status.',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      const read = await snapshot();
      this.reset();
      if (read) for (const [status, count] of Object.entries(read.events)) this.set({ status }, count);
    },
  });
  new Gauge({
    name: 'bridge_oldest_waiting_event_age_seconds',
    help: 'How long the oldest due event (pending or retrying, or a lease that expired) has waited for a worker; 0 when none.',
    registers,
    async collect() {
      const read = await snapshot();
      this.set(read ? read.oldestDueWaitMs / 1000 : NaN);
    },
  });
  new Gauge({
    name: 'bridge_failures_needing_attention',
    help: 'Failed events waiting for a person (retry, resolve or fix on the admin page).',
    registers,
    async collect() {
      const read = await snapshot();
      this.set(read ? read.events.failed : NaN);
    },
  });
  new Gauge({
    name: 'bridge_alerts_waiting',
    help: 'Support alerts in the outbox not yet delivered, by channel.',
    labelNames: ['channel'] as const,
    registers,
    async collect() {
      const read = await snapshot();
      this.reset();
      if (read) for (const { channel, count } of read.alerts) this.set({ channel: channelLabel(channel) }, count);
    },
  });
  new Gauge({
    name: 'bridge_retention_last_run_timestamp_seconds',
    help: 'When the LGPD retention pass last ran (any instance), Unix seconds; absent before its first run.',
    registers,
    async collect() {
      const read = await snapshot();
      this.reset();
      if (read?.retention) this.set(read.retention.at / 1000);
    },
  });
  new Gauge({
    name: 'bridge_retention_last_run_removed',
    help: 'Events whose personal data the last retention pass removed.',
    registers,
    async collect() {
      const read = await snapshot();
      this.reset();
      if (read?.retention) this.set(read.retention.count);
    },
  });
}
