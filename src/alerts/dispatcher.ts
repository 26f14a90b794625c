import { randomUUID } from 'node:crypto';
import { describeError, FlowError, isTransient } from '../domain/errors.js';
import type { Logger } from '../log/logger.js';
import { NO_METRICS, type MetricsRecorder } from '../metrics/metrics-recorder.js';
import type { AlertRow, AlertStore } from './alert-store.js';
import type { AlertChannel } from './channels.js';
import { composeAlert } from './compose.js';
import { backoffMs } from '../timing/backoff.js';
import type { Clock } from '../timing/clock.js';
import { Poller } from '../timing/poller.js';

export interface DispatcherOptions {
  store: { alerts: AlertStore };
  channels: AlertChannel[];
  log: Logger;
  /** Minimum time between two messages on one channel (default ALERT_INTERVAL_MS). */
  intervalMs?: number;
  tickMs?: number;
  maxAttempts?: number;
  /** First wait after a failed send; doubles per attempt up to 15 min. */
  retryBaseMs?: number;
  /** How long one sender holds a channel (longer than any send can take). */
  leaseMs?: number;
  /** The admin page's public address, for the link of a merged message's "… e mais N alertas". */
  panelUrl?: string;
  /** Counts alerts sent, failed sends and alerts dropped, per channel. */
  metrics?: MetricsRecorder;
  clock: Clock;
}

/**
 * At most one message per channel this often: what piles up in between goes merged. CallMeBot
 * and Discord throttle senders far below a message a second, and one summary reads better.
 */
export const ALERT_INTERVAL_MS = 10_000;
const MAX_MERGED = 50;
/** Codes of a refusal of the message itself (its form or size), not of the channel: the alerts may go one by one. */
const REFUSED_FOR_FORM = new Set(['http_400', 'http_413']);
/** Longest wait before a channel that keeps failing is tried again. */
const MAX_CHANNEL_BACKOFF_MS = 15 * 60_000;

/**
 * Sends the alert outbox, one channel at a time and at most one message per interval per
 * channel; what piles up in between goes out merged into one summary.
 */
export class AlertDispatcher {
  private readonly owner = `alerts-${randomUUID()}`;
  private readonly loop: Poller;
  private readonly metrics: MetricsRecorder;
  /** Per channel: alerts up to this id go one at a time (a merged message of them was refused for its form). */
  private readonly alone = new Map<string, number>();

  constructor(private readonly opts: DispatcherOptions) {
    this.metrics = opts.metrics ?? NO_METRICS;
    this.loop = new Poller({
      run: () => this.tick(),
      intervalMs: opts.tickMs ?? 1000,
      onError: (err) => opts.log.error({ err }, 'falha no envio de alertas'),
    });
  }

  async start(): Promise<void> {
    await this.opts.store.alerts.ensureChannels(this.opts.channels.map((c) => c.name));
    this.loop.start();
  }

  /** Looks at the outbox now (an alert was just queued). */
  wake(): void {
    this.loop.wake();
  }

  private async tick(): Promise<void> {
    await Promise.all(this.opts.channels.map((channel) => this.dispatch(channel)));
  }

  private async dispatch(channel: AlertChannel): Promise<void> {
    const { store, log } = this.opts;
    try {
      // Read first: an idle channel costs no write (and no fsync) per tick.
      const first = (await store.alerts.due(channel.name, 1))[0];
      if (!first) return;
      if (!(await store.alerts.acquireChannel(channel.name, this.owner, this.opts.leaseMs ?? 60_000))) return;
      // After a merged message was refused for its form, its alerts go one at a time.
      const alone = first.id <= (this.alone.get(channel.name) ?? 0);
      const due = await store.alerts.due(channel.name, alone ? 1 : MAX_MERGED);
      if (due.length === 0) {
        await store.alerts.releaseChannel(channel.name, this.owner);
        return;
      }
      try {
        let sent = due.length;
        if (channel.sendAlerts) sent = await channel.sendAlerts(due.map((a) => ({ text: a.text, eventId: a.event_id })));
        else
          await channel.send(
            composeAlert(
              due.map((a) => (channel.format ? channel.format(a.text) : a.text)),
              channel.limit,
              this.opts.panelUrl,
            ),
          );
        const ids = due.slice(0, Math.max(1, sent)).map((a) => a.id);
        await store.alerts.markSent(channel.name, this.owner, ids, this.opts.clock() + (this.opts.intervalMs ?? ALERT_INTERVAL_MS));
        this.metrics.alertsSent(channel.name, ids.length);
        log.info({ channel: channel.name, alerts: ids.length }, 'alerta enviado');
      } catch (err) {
        await this.failed(channel, due, err);
      }
    } catch (err) {
      log.error({ err, channel: channel.name }, 'falha no envio de alertas');
    }
  }

  /**
   * A send that failed: retried with backoff, or given up. A message of several alerts refused
   * for its form (400, 413: one of them, or their sum, is what the channel will not take) gives
   * up none of them: they go again one at a time, and only one refused alone is given up.
   */
  private async failed(channel: AlertChannel, due: AlertRow[], err: unknown): Promise<void> {
    const { store, log } = this.opts;
    const ids = due.map((a) => a.id);
    const split = !isTransient(err) && due.length > 1 && err instanceof FlowError && REFUSED_FOR_FORM.has(err.code);
    const permanent = !isTransient(err) && !split;
    if (split) this.alone.set(channel.name, Math.max(...ids));
    // An upstream's hint is believed up to the channel's longest backoff: never parks alerts for good.
    const hinted = Math.min(err instanceof FlowError ? (err.retryAfterMs ?? 0) : 0, MAX_CHANNEL_BACKOFF_MS);
    const attempts = Math.max(...due.map((a) => a.attempts));
    const backoff = split ? 0 : backoffMs(attempts + 1, this.opts.retryBaseMs ?? 30_000, Math.random, MAX_CHANNEL_BACKOFF_MS);
    const retryAt = this.opts.clock() + Math.max(hinted, backoff, this.opts.intervalMs ?? ALERT_INTERVAL_MS);
    const maxAttempts = this.opts.maxAttempts ?? 20;
    await store.alerts.markFailed(channel.name, this.owner, ids, { error: describeError(err), permanent, retryAt, maxAttempts });
    this.metrics.alertSendFailed(channel.name);
    // As markFailed decides: all of them when refused for good, else those out of attempts.
    const dropped = permanent ? ids.length : due.filter((a) => a.attempts >= maxAttempts - 1).length;
    if (dropped > 0) this.metrics.alertsDropped(channel.name, dropped, permanent ? 'refused' : 'exhausted');
    log.error({ err, channel: channel.name, alerts: ids.length, permanent, split }, 'alerta não entregue');
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}
