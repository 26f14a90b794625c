import type { Logger } from '../log/logger.js';
import { NO_METRICS, type MetricsRecorder } from '../metrics/metrics-recorder.js';
import type { OutboxEntry } from '../store/store.js';
import type { AlertStore } from './alert-store.js';

export interface AlertOptions {
  eventId?: number;
  /** Once-only key: the same key never queues a second alert. */
  key?: string;
}

/**
 * Where the rest of the server drops alerts for support. They are written to the outbox table
 * (so they survive a restart) and sent later by the dispatcher. Never throws: an alert that
 * cannot even be queued is logged.
 */
export class AlertOutbox {
  constructor(
    private readonly store: { alerts: Pick<AlertStore, 'enqueue'> },
    private readonly channels: string[],
    private readonly log: Logger,
    private readonly onQueued: () => void = () => {},
    /** Counts alerts that could not even be queued (dropped, on every channel). */
    private readonly metrics: MetricsRecorder = NO_METRICS,
  ) {}

  /**
   * An alert to write together with another change (`store.queue.finish`), in its transaction;
   * call `queued()` once that committed.
   */
  entry(text: string, options: AlertOptions = {}): OutboxEntry {
    return { channels: this.channels, alert: { text, eventId: options.eventId, dedupeKey: options.key } };
  }

  /** An alert written with another change went in: the dispatcher looks at the outbox now. */
  queued(): void {
    this.onQueued();
  }

  async enqueue(text: string, options: AlertOptions = {}): Promise<void> {
    try {
      await this.store.alerts.enqueue(this.channels, { text, eventId: options.eventId, dedupeKey: options.key });
      this.onQueued();
    } catch (err) {
      this.log.error({ err, eventId: options.eventId }, 'não foi possível enfileirar um alerta');
      for (const channel of this.channels) this.metrics.alertsDropped(channel, 1, 'not_queued');
    }
  }
}
