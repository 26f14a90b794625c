import { randomUUID } from 'node:crypto';
import type { AlertOutbox } from '../alerts/outbox.js';
import type { KiwifyApi } from '../clients/kiwify.js';
import { describeError } from '../domain/errors.js';
import { messages } from '../domain/messages.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import { reconcileWindow, type ReconcileReport } from '../support/reconciliation.js';
import type { Clock } from '../timing/clock.js';
import { Poller } from '../timing/poller.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** Each run looks this far behind its checkpoint: a sale updated while the last run was reading is not missed. */
export const OVERLAP_MS = 10 * 60 * 1000;
/** A refund or chargeback may come months after the sale: updates are looked for on sales created this far back. */
export const CREATED_HORIZON_DAYS = 180;
/** A run holds the lease at most this long (an instance that dies mid-run frees it then). */
const LEASE_MS = 10 * 60 * 1000;

export interface ReconcilerOptions {
  store: Store;
  api: KiwifyApi;
  alerts: AlertOutbox;
  log: Logger;
  clock: Clock;
  /** RECONCILE_INTERVAL_MS (15 min). */
  intervalMs: number;
  /** RECONCILE_LOOKBACK_HOURS (72): the first run's window. */
  lookbackHours: number;
  /** Wakes the worker when sales were queued. */
  onQueued?: () => void;
}

/**
 * Never lose a sale: every interval, asks Kiwify's API which sales were updated since the
 * checkpoint (minus an overlap) and puts what the webhooks missed in the inbox. The checkpoint
 * lives in the database and moves only when a whole window went through, so restarts and several
 * instances neither skip nor repeat a window (one instance runs it at a time: a lease). A
 * failure is told to support once, and the next run resumes from the checkpoint.
 */
export class Reconciler {
  private readonly loop: Poller;
  private readonly owner = `reconciler-${randomUUID()}`;

  constructor(private readonly opts: ReconcilerOptions) {
    this.loop = new Poller({
      run: async () => {
        await this.runOnce();
      },
      intervalMs: opts.intervalMs,
      onError: (err) => opts.log.error({ err }, 'falha na conciliação com a Kiwify'),
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** One run, unless another instance holds the lease or just ran; returns its report, if it ran. */
  async runOnce(): Promise<ReconcileReport | undefined> {
    // A bit less than the interval: the instance that ran last does not hold every later run back.
    return this.run(this.opts.intervalMs / 2);
  }

  /** A run now, however recent the last one (still one instance at a time): support asked for it. */
  async runNow(): Promise<ReconcileReport | undefined> {
    return this.run(0);
  }

  private async run(minIntervalMs: number): Promise<ReconcileReport | undefined> {
    const { store, api, alerts, log, clock } = this.opts;
    if (!(await store.reconciliation.acquire(this.owner, LEASE_MS, minIntervalMs))) return undefined;
    const before = await store.reconciliation.state();
    const to = clock();
    const from = before?.checkpoint != null ? before.checkpoint - OVERLAP_MS : to - this.opts.lookbackHours * HOUR_MS;
    const window = { createdFrom: Math.min(from, to - CREATED_HORIZON_DAYS * DAY_MS), createdTo: to, updatedFrom: from, updatedTo: to };
    try {
      const report = await reconcileWindow(store, api, window, {
        onQueued: async (eventId, d) => {
          await alerts.enqueue(
            messages.recoveredByReconciliation({
              id: eventId,
              event_type: d.eventType,
              order_ref: d.orderRef ?? null,
              order_id: d.orderId ?? null,
              plan_name: d.planName ?? null,
              customer_name: d.customerName ?? null,
            }),
            { eventId, key: `reconciled:${eventId}` },
          );
        },
      });
      if (report.queued > 0) this.opts.onQueued?.();
      await store.reconciliation.finish(this.owner, { from, to, found: report.found, recovered: report.queued, checkpoint: to });
      if (before?.last_error) await alerts.enqueue(messages.reconciliationRestored(), { key: `reconciliation-restored:${to}` });
      const invalid = Object.values(report.invalid).reduce((a, b) => a + b, 0);
      log.info({ found: report.found, recovered: report.queued, already: report.already, invalid }, 'conciliação com a Kiwify concluída');
      if (invalid > 0) log.warn({ invalid: report.invalid }, 'vendas da API da Kiwify recusadas pelo mesmo filtro dos webhooks');
      return report;
    } catch (err) {
      const reason = describeError(err);
      await store.reconciliation.finish(this.owner, { from, to, found: 0, recovered: 0, error: reason });
      // Told once per change of state: not every interval while Kiwify stays down.
      if (!before?.last_error) await alerts.enqueue(messages.reconciliationFailing(reason), { key: `reconciliation-failing:${to}` });
      log.warn({ err }, 'conciliação com a Kiwify falhou; a próxima retoma do último ponto');
      return undefined;
    }
  }
}
