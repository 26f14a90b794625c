import { randomUUID } from 'node:crypto';
import type { AlertOutbox } from '../alerts/outbox.js';
import type { KiwifyApi } from '../clients/kiwify-api.js';
import { describeError, TransientError } from '../domain/errors.js';
import type { EventNaming } from '../domain/inbox-event.js';
import { messages } from '../domain/messages.js';
import type { Logger } from '../log/logger.js';
import type { ReconciliationRow, ReconciliationStore } from './checkpoint-store.js';
import { reconcileWindow, type ReconcileReport, type WindowStore } from './reconcile-window.js';
import type { Clock } from '../timing/clock.js';
import type { Job } from '../timing/scheduler.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** Each run looks this far behind its checkpoint: a sale updated while the last run was reading is not missed. */
export const OVERLAP_MS = 10 * 60 * 1000;
/** A refund or chargeback may come months after the sale: updates are looked for on sales created this far back. */
export const CREATED_HORIZON_DAYS = 180;
/** A run holds the lease this long past its last page (an instance that dies mid-run frees it then). */
const LEASE_MS = 10 * 60 * 1000;
/** A run gives up after this long, less than the lease: it cannot outlive it even without a renewal. */
const RUN_DEADLINE_MS = 8 * 60 * 1000;
/** Most sales one run queues: far above the sales a lost hour of webhooks holds, far below a flood. */
export const DEFAULT_MAX_RECOVERED = 300;
/** A run every 15 minutes: a lost webhook's sale is found within that, at a few API calls per run. */
export const INTERVAL_MS = 15 * 60 * 1000;
/** The first run (no checkpoint yet) looks this far back: three days of webhooks an installation may have missed. */
export const LOOKBACK_HOURS = 72;

/** Why a run stopped on its own: this instance is shutting down. */
class ShuttingDown extends Error {
  constructor() {
    super('conciliação interrompida: o servidor está desligando');
  }
}

/** Why a run stopped on its own: another instance took the lease (this one overran it). */
class LeaseLost extends Error {
  constructor() {
    super('conciliação interrompida: outra instância assumiu a conciliação');
  }
}

export interface ReconcilerOptions {
  store: WindowStore & { reconciliation: ReconciliationStore };
  api: KiwifyApi;
  alerts: AlertOutbox;
  log: Logger;
  clock: Clock;
  /** Between runs (default INTERVAL_MS, 15 min). */
  intervalMs?: number;
  /** The first run's window (default LOOKBACK_HOURS, 72). */
  lookbackHours?: number;
  /** Wakes the worker when sales were queued. */
  onQueued?: () => void;
  /** How long a run holds the lease past its last page (10 min; tests shorten it). */
  leaseMs?: number;
  /** A run is aborted after this long (8 min, less than the lease; tests shorten it). */
  runDeadlineMs?: number;
  /**
   * Most sales one run queues (default DEFAULT_MAX_RECOVERED). Past it the run stops, the
   * checkpoint stays (the next run reads on from there) and support is told in the run's summary.
   */
  maxRecovered?: number;
}

/**
 * Never lose a sale: every interval, asks Kiwify's API which sales were updated since the
 * checkpoint (minus an overlap) and puts what the webhooks missed in the inbox. The checkpoint
 * lives in the database and moves only when a whole window went through, so restarts and several
 * instances neither skip nor repeat a window (one instance runs it at a time: a lease, renewed
 * after each page; a run that lost it stops). A run has a deadline shorter than the lease, and
 * `stop()` aborts the run under way (between pages, in a Retry-After wait, in the call under way)
 * instead of waiting for it. A failure is told to support once, and the next run resumes from
 * the checkpoint. A run queues at most `maxRecovered` sales, and the sales it queued are told to
 * support in one summary per run, however the run ended.
 */
export class Reconciler {
  private readonly owner = `reconciler-${randomUUID()}`;
  /** The run under way in this instance (the loop's or one asked for), and how to abort it. */
  private current: { done: Promise<unknown>; abort: AbortController } | undefined;
  private stopped = false;

  constructor(private readonly opts: ReconcilerOptions) {}

  /**
   * Its periodic job (first run at once). The reconciliation takes its lease itself
   * (`reconciliation:kiwify`, leases.ts), not the scheduler: a run support asks for (runNow) takes
   * it too, it is renewed after each page, and the checkpoint is written only under it.
   */
  get job(): Job {
    return {
      name: 'reconciliation',
      intervalMs: this.opts.intervalMs ?? INTERVAL_MS,
      lease: 'own',
      run: (signal) => this.runOnce(signal),
      failureMessage: 'falha na conciliação com a Kiwify',
    };
  }

  /** No more runs; the run under way is aborted (its lease given back) rather than waited for. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.abort.abort(new ShuttingDown());
    await this.current?.done;
  }

  /**
   * One run, unless another instance holds the lease or just ran, or the last run stopped at its
   * bound (see `holding`); returns its report, if it ran. An abort of `signal` (the scheduler
   * stopping) stops it as stop() does.
   */
  async runOnce(signal?: AbortSignal): Promise<ReconcileReport | undefined> {
    if (signal?.aborted || (await this.holding())) return undefined;
    const onAbort = () => void this.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // A bit less than the interval: the instance that ran last does not hold every later run back.
      return await this.run((this.opts.intervalMs ?? INTERVAL_MS) / 2);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Whether the automatic runs hold: the last run stopped at its bound (it recovered
   * `maxRecovered` sales without reading its whole window — so many sales without a webhook is
   * not normal, or Kiwify's list does not end). A list that never ends then costs one bounded run
   * and one alert, not `maxRecovered` sales every interval for ever; the runs go on once a person
   * looked (`npm run reconcile -- --resume`, ReconciliationStore.resume), or a run support asks
   * for (runNow) goes through.
   */
  async holding(): Promise<boolean> {
    const last = await this.opts.store.reconciliation.state();
    return (
      last?.last_error == null &&
      (last?.last_recovered ?? 0) >= (this.opts.maxRecovered ?? DEFAULT_MAX_RECOVERED) &&
      last?.checkpoint !== last?.last_to
    );
  }

  /** A run now, however recent the last one, holding or not (still one instance at a time): support asked for it. */
  async runNow(): Promise<ReconcileReport | undefined> {
    return this.run(0);
  }

  private async run(minIntervalMs: number): Promise<ReconcileReport | undefined> {
    // One run at a time in this instance too (the lease lets its holder in again): a run asked
    // for while another is under way follows it.
    while (this.current) await this.current.done.catch(() => undefined);
    if (this.stopped) return undefined;
    const abort = new AbortController();
    const done = this.attempt(minIntervalMs, abort);
    this.current = { done, abort };
    try {
      return await done;
    } finally {
      this.current = undefined;
    }
  }

  private async attempt(minIntervalMs: number, abort: AbortController): Promise<ReconcileReport | undefined> {
    const { store, api, alerts, log, clock } = this.opts;
    const leaseMs = this.opts.leaseMs ?? LEASE_MS;
    const deadlineMs = this.opts.runDeadlineMs ?? RUN_DEADLINE_MS;
    if (!(await store.reconciliation.acquire(this.owner, leaseMs, minIntervalMs))) return undefined;
    const before = await store.reconciliation.state();
    const to = clock();
    // A checkpoint ahead of this clock (written by an instance whose clock runs ahead) counts as now.
    // Until a first run goes through, every run looks back from the first attempt's start.
    const from =
      before?.checkpoint != null
        ? Math.min(before.checkpoint, to) - OVERLAP_MS
        : Math.min(before?.last_from ?? to - (this.opts.lookbackHours ?? LOOKBACK_HOURS) * HOUR_MS, to);
    // No upper bound on updates while reading (see WindowQuery); `to`, taken before, is the checkpoint.
    const window = { createdFrom: Math.min(from, to - CREATED_HORIZON_DAYS * DAY_MS), createdTo: to, updatedFrom: from };
    const deadline = setTimeout(() => {
      const minutes = Math.round(deadlineMs / 60_000);
      abort.abort(
        new TransientError(
          `a conciliação passou do prazo de ${minutes > 0 ? `${minutes} min` : `${deadlineMs} ms`} e foi interrompida; a próxima retoma do último ponto.`,
          'reconciliation_deadline',
        ),
      );
    }, deadlineMs);
    deadline.unref();
    const recovered: EventNaming[] = [];
    let limitReached = false;
    try {
      if (before?.checkpoint == null) await store.reconciliation.anchor(this.owner, from);
      const report = await reconcileWindow(store, api, window, {
        signal: abort.signal,
        maxRecovered: this.opts.maxRecovered ?? DEFAULT_MAX_RECOVERED,
        onPage: async () => {
          if (!(await store.reconciliation.renew(this.owner, leaseMs))) throw new LeaseLost();
        },
        onQueued: (eventId, d) => {
          recovered.push({ ...d, id: eventId });
          return Promise.resolve();
        },
      });
      limitReached = report.limitReached;
      if (report.queued > 0) this.opts.onQueued?.();
      // A run stopped at its bound did not read the whole window: the checkpoint stays for the next one.
      const checkpoint = report.limitReached ? undefined : to;
      if (!(await store.reconciliation.finish(this.owner, { from, to, found: report.found, recovered: report.queued, checkpoint }))) {
        log.warn('conciliação com a Kiwify: outra instância assumiu a conciliação; o ponto de parada não foi movido por esta');
        return report;
      }
      if (before?.last_error) await alerts.enqueue(messages.reconciliationRestored(), { key: `reconciliation-restored:${to}` });
      this.logReport(report);
      return report;
    } catch (err) {
      return await this.failed(err, abort, { before, from, to, recovered: recovered.length });
    } finally {
      clearTimeout(deadline);
      // However the run ended, what it queued is told: once, in one summary.
      await this.tellRecovered(recovered, limitReached, to);
    }
  }

  private logReport(report: ReconcileReport): void {
    const { log } = this.opts;
    const invalid = Object.values(report.invalid).reduce((a, b) => a + b, 0);
    log.info(
      { found: report.found, recovered: report.queued, already: report.already, invalid, detailsFailed: report.detailsFailed },
      'conciliação com a Kiwify concluída',
    );
    if (report.limitReached) {
      log.warn({ recovered: report.queued }, 'conciliação com a Kiwify parou no limite de vendas recuperadas por rodada');
    }
    if (invalid > 0) log.warn({ invalid: report.invalid }, 'vendas da API da Kiwify recusadas pelo mesmo filtro dos webhooks');
    if (report.detailsFailed > 0) {
      log.warn(
        { detailsFailed: report.detailsFailed },
        'detalhes de vendas de assinatura indisponíveis na Kiwify: plano tomado pelo nome do produto',
      );
    }
  }

  /** One alert for the sales a run queued (a single one keeps its event, for its buttons). */
  private async tellRecovered(recovered: EventNaming[], limitReached: boolean, to: number): Promise<void> {
    if (recovered.length === 0) return;
    const limit = limitReached ? (this.opts.maxRecovered ?? DEFAULT_MAX_RECOVERED) : undefined;
    const eventId = recovered.length === 1 ? recovered[0].id : undefined;
    await this.opts.alerts.enqueue(messages.recoveredByReconciliation(recovered, limit), {
      eventId,
      key: `reconciled:${this.owner}:${to}`,
    });
  }

  /** A run that ended in an error: recorded and told once per change of state (or quietly, when it was stopped). */
  private async failed(
    err: unknown,
    abort: AbortController,
    run: { before: ReconciliationRow | undefined; from: number; to: number; recovered: number },
  ): Promise<undefined> {
    const { store, alerts, log } = this.opts;
    if (err instanceof LeaseLost) {
      log.warn('conciliação com a Kiwify interrompida: outra instância assumiu a conciliação e segue do último ponto');
      return undefined;
    }
    if (abort.signal.reason instanceof ShuttingDown) {
      await store.reconciliation.release(this.owner);
      log.info('conciliação com a Kiwify interrompida pelo desligamento; a próxima retoma do último ponto');
      return undefined;
    }
    const reason = describeError(err);
    await store.reconciliation.finish(this.owner, { from: run.from, to: run.to, found: 0, recovered: run.recovered, error: reason });
    // Told once per change of state: not every interval while Kiwify stays down.
    if (!run.before?.last_error) await alerts.enqueue(messages.reconciliationFailing(reason), { key: `reconciliation-failing:${run.to}` });
    log.warn({ err }, 'conciliação com a Kiwify falhou; a próxima retoma do último ponto');
    return undefined;
  }
}
