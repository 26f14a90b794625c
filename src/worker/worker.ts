import { randomUUID } from 'node:crypto';
import { PermanentError } from '../domain/errors.js';
import { NO_ACTION_OUTCOME } from '../domain/messages.js';
import type { Logger } from '../log/logger.js';
import type { Claim, ClaimedEvent } from '../store/store.js';
import type { AlertOutbox } from '../alerts/outbox.js';
import { NO_METRICS, type MetricsRecorder } from '../metrics/metrics-recorder.js';
import type { Clock } from '../timing/clock.js';
import { Poller } from '../timing/poller.js';
import { handlerContext, LockLost, ShuttingDown } from './handler-context.js';
import { eventLoopBusy, IntakeFirst } from './intake-first.js';
import { InterruptedRuns, lockWatcher, takeUpWorkOfTheDead } from './lock-loss.js';
import { failEvent, giveBack, onFailure, type FailureDeps } from './run-failure.js';
import { DEAD_CHECK_MS } from './timings.js';
import type { Handler, HandlerRegistry, WorkerStore } from './types.js';

export interface WorkerOptions {
  store: WorkerStore;
  handlers: HandlerRegistry;
  alerts: AlertOutbox;
  log: Logger;
  concurrency: number;
  maxAttempts: number;
  retryBaseMs: number;
  /** Longest wait between two attempts. */
  retryMaxMs?: number;
  leaseMs: number;
  pollMs: number;
  /** Identifies this process's leases; unique per process. */
  owner?: string;
  /** Event types to leave waiting for now (their upstream is down), read before every claim. */
  pausedTypes?: () => readonly string[];
  /** Whether deliveries are being received right now: new claims wait (a little) for them. */
  intakeBusy?: () => boolean;
  /** The admin page's public address: a failure's alert links to the event's page. */
  panelUrl?: string;
  /** Counts runs, retries and final statuses. */
  metrics?: MetricsRecorder;
  clock: Clock;
}

/** Longest run of claims held back while deliveries are being received. */
export const MAX_INTAKE_DEFERRAL_MS = 1_000;
const INTAKE_RECHECK_MS = 50;

/**
 * Claims due events from the inbox and runs their handlers, WORKER_CONCURRENCY at a time.
 * Transient failures come back later with exponential backoff; permanent ones, and those that
 * run out of attempts, end `failed` with an alert to support.
 */
export class Worker {
  readonly owner: string;
  private readonly running = new Map<number, { claim: Claim; done: Promise<void> }>();
  /** Claims due events: every POLL_INTERVAL_MS, and at once when woken. */
  private readonly claims: Poller;
  /** Renews the leases of the events running here, three times per lease. */
  private readonly heartbeat: Poller;
  /** PostgreSQL: takes up the events of instances that died, every DEAD_CHECK_MS. */
  private readonly deadWatch: Poller;
  private stopping = false;
  private started = false;
  private readonly intakeFirst: IntakeFirst;
  /** The pending look-again while claims yield to intake. */
  private intakeRecheck: NodeJS.Timeout | undefined;
  private readonly metrics: MetricsRecorder;
  /** Runs stopped because the lock was lost, given back to the queue once it is held again. */
  private readonly interrupted: InterruptedRuns;

  /** What a run that threw is settled with (run-failure.ts). */
  private readonly failureDeps: FailureDeps;

  constructor(private readonly opts: WorkerOptions) {
    this.metrics = opts.metrics ?? NO_METRICS;
    this.owner = opts.owner ?? `worker-${randomUUID()}`;
    this.interrupted = new InterruptedRuns(opts.store.queue, opts.log);
    this.failureDeps = { ...opts, metrics: this.metrics, interrupted: this.interrupted };
    this.intakeFirst = new IntakeFirst(opts.intakeBusy ?? (() => false), opts.clock, MAX_INTAKE_DEFERRAL_MS, eventLoopBusy(opts.clock));
    this.claims = new Poller({
      run: () => this.claimAndLaunch(),
      intervalMs: opts.pollMs,
      onError: (err) => opts.log.error({ err }, 'falha ao buscar eventos na fila'),
    });
    this.heartbeat = new Poller({
      run: () => this.renewLeases(),
      intervalMs: Math.max(250, Math.floor(opts.leaseMs / 3)),
      onError: (err) => opts.log.error({ err }, 'falha ao renovar a concessão dos eventos em andamento'),
    });
    this.deadWatch = new Poller({
      run: () => this.takeUpWorkOfTheDead(),
      intervalMs: DEAD_CHECK_MS,
      onError: (err) => opts.log.error({ err }, 'falha ao verificar se outro processo parou com eventos em andamento'),
    });
  }

  get busy(): number {
    return this.running.size;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const recovered = await this.opts.store.queue.recoverAfterRestart();
    if (recovered > 0) this.opts.log.warn({ recovered }, 'eventos interrompidos retomados após reinício');
    const regained = () => void this.interrupted.giveBack().then(() => this.workArrived());
    const locks = this.opts.store.ownerLocks;
    await locks?.hold(this.owner, {
      ...lockWatcher(this.opts.log, () => this.running.size, regained),
      workSignalled: () => this.wake(),
    });
    await this.takeUpWorkOfTheDead();
    this.heartbeat.start(Math.max(250, Math.floor(this.opts.leaseMs / 3)));
    if (locks) this.deadWatch.start(DEAD_CHECK_MS);
    this.claims.start();
  }

  /** Looks for work now (called after a running event ends, or when another instance says so). */
  wake(): void {
    if (!this.stopping) this.claims.wake();
  }

  /**
   * Work was added to the queue here (a delivery stored, an event put back by support or given
   * back): this worker looks for it now, and on PostgreSQL the other instances are told too
   * (LISTEN/NOTIFY), so it starts on whichever has a free slot.
   */
  workArrived(): void {
    this.wake();
    this.opts.store.ownerLocks?.signalWork();
  }

  /**
   * How many events may run now (intake-first.ts): every slot, one while deliveries keep the
   * event loop saturated, none for a burst's first second. Fewer than all: looks again shortly.
   */
  private slotsNow(): number {
    const slots = this.intakeFirst.slots(this.opts.concurrency);
    // One look-again at a time: every delivery wakes the worker, and a timer per wake piled up
    // thousands (the event loop then spent its time on timers, and acks waited).
    if (slots < this.opts.concurrency) {
      this.intakeRecheck ??= setTimeout(() => {
        this.intakeRecheck = undefined;
        this.wake();
      }, INTAKE_RECHECK_MS).unref();
    }
    return slots;
  }

  /** Whether this worker may hold leases now: on PostgreSQL, only while it holds its lock (other instances see it alive). */
  private get alive(): boolean {
    return this.opts.store.ownerLocks?.holding ?? true;
  }

  /** One claim for the free slots; `'again'` when every slot was filled (more may be due). */
  private async claimAndLaunch(): Promise<'again' | void> {
    if (this.stopping || !this.alive) return;
    const slots = this.slotsNow();
    const free = slots - this.running.size;
    if (free <= 0) return;
    const epoch = this.opts.store.ownerLocks?.epoch ?? 0; // before the claim: a loss while claiming counts
    const claimed = await this.opts.store.queue.claimDue(this.owner, free, this.opts.leaseMs, this.opts.pausedTypes?.());
    for (const next of claimed) {
      // Shutdown began while claiming: give the event straight back (another instance may take it).
      if (this.stopping) await giveBack(this.opts.store, next);
      else this.launch(next, epoch);
    }
    return claimed.length === free && slots === this.opts.concurrency ? 'again' : undefined;
  }

  private launch(claim: ClaimedEvent, epoch: number): void {
    const done = this.process(claim, epoch)
      .catch((err) => this.opts.log.error({ err, eventId: claim.id }, 'erro inesperado no worker'))
      .finally(() => {
        // A newer claim of the same event (an expired lease taken back) may have replaced this one.
        if (this.running.get(claim.id)?.done === done) this.running.delete(claim.id);
        this.wake();
      });
    this.running.set(claim.id, { claim, done });
  }

  private async renewLeases(): Promise<void> {
    if (!this.alive) return;
    await this.opts.store.queue.extendLeases(
      [...this.running.values()].map((r) => r.claim),
      this.opts.leaseMs,
    );
  }

  /** PostgreSQL: the events of workers whose process is gone are taken up at once (lock-loss.ts), here or by whoever is free. */
  private async takeUpWorkOfTheDead(): Promise<void> {
    if (this.stopping || !this.alive) return;
    if ((await takeUpWorkOfTheDead(this.opts.store, this.owner, this.opts.log)) > 0) this.workArrived();
  }

  /** Runs one claimed event. Every write below is fenced by its claim. */
  private async process(claimed: ClaimedEvent, epoch: number): Promise<void> {
    const { store, handlers, log: baseLog, maxAttempts } = this.opts;
    const { event } = claimed;
    const log = baseLog.child({ eventId: event.id, eventType: event.eventType, attempt: event.attempts });
    const handler = Object.hasOwn(handlers, event.eventType) ? handlers[event.eventType] : undefined;
    if (!handler) {
      if (await store.queue.finish(claimed, 'ignored', NO_ACTION_OUTCOME)) this.metrics.eventFinished(event.eventType, 'ignored');
      log.info('evento ignorado (sem tratamento para este tipo)');
      return;
    }
    if (event.attempts > maxAttempts) {
      // Attempts count crashes too: an event that keeps killing the process must stop somewhere.
      await failEvent(
        this.failureDeps,
        claimed,
        new PermanentError('O processo parou repetidamente durante este evento (possível erro fatal): verifique os logs.', 'crash_loop'),
        log,
      );
      return;
    }
    this.metrics.eventAttempt(event.eventType);
    try {
      await this.run(claimed, handler, log, epoch);
    } catch (err) {
      await onFailure(this.failureDeps, claimed, err, log, this.alive);
    }
  }

  /** Runs the handler; no step starts once shutdown began or the lock was lost since the claim (`epoch`). */
  private async run(claimed: ClaimedEvent, handler: Handler, log: Logger, epoch: number): Promise<void> {
    const { store } = this.opts;
    const { event } = claimed;
    const locks = store.ownerLocks;
    const journal = await store.journal.loadSteps(event.id);
    const ctx = handlerContext(claimed, journal, log, {
      store,
      alerts: this.opts.alerts,
      interrupted: () => (this.stopping ? new ShuttingDown() : locks && locks.epoch !== epoch ? new LockLost() : undefined),
      maxAttempts: this.opts.maxAttempts,
    });

    const result = await handler(ctx);
    const status = result.status ?? 'done';
    const history = { kind: status, message: result.outcome };
    if (await store.queue.finish(claimed, status, result.outcome, result.notice, undefined, { accessUntil: result.accessUntil, history })) {
      this.metrics.eventFinished(event.eventType, status);
      log.info({ status }, 'evento concluído');
    } else {
      log.warn('evento concluído, mas a concessão já tinha expirado');
    }
  }

  /**
   * Stops claiming, lets running steps finish (a handler stops before its next step), and waits
   * at most `timeoutMs` for them.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.intakeRecheck);
    await this.claims.stop(); // a claim under way: its events are launched or given back first
    const all = Promise.allSettled([...this.running.values()].map((r) => r.done));
    let timedOut = false;
    await Promise.race([
      all,
      new Promise<void>((resolve) =>
        setTimeout(() => {
          timedOut = true;
          resolve();
        }, timeoutMs).unref(),
      ),
    ]);
    await this.heartbeat.stop();
    await this.deadWatch.stop();
    if (timedOut) this.opts.log.warn({ running: this.running.size }, 'desligando com eventos ainda em andamento');
  }
}
