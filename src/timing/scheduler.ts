import { Poller } from './poller.js';

/**
 * The one scheduler of periodic jobs (connection checks, housekeeping, the reconciliation, the
 * Discord interactions' pruning): each a named job with its interval, run on a Poller of its own
 * (one run at a time, the next `intervalMs` after the last ended), the runtime starting and
 * stopping them together. A stop aborts the runs under way (their signal) and waits for them.
 *
 * Not on it: the worker's claim loop and lease heartbeat and the alert dispatcher. Those are
 * woken by work arriving (a delivery, an alert queued, a run ending), and their pace is the
 * work's; they keep their own Pollers.
 */

/** The leases the scheduler takes for singleton jobs (leases.ts; a port, so timing imports no store). */
export interface JobLeases {
  acquire(name: string, owner: string, ms: number): Promise<boolean>;
  renew(name: string, owner: string, ms: number): Promise<boolean>;
  release(name: string, owner: string): Promise<boolean>;
}

/** How a job's runs are kept to one instance at a time, when several share the database. */
export type JobLease =
  /** Every instance runs it: its work is its own instance's, or harmless and cheap to repeat. */
  | 'none'
  /**
   * The job takes a lease of its own (leases.ts) for each run: runs asked for by people take it
   * too, and the job's writes are fenced by it.
   */
  | 'own'
  /**
   * The scheduler holds the lease `job:<name>` for each run, renewed three times per `leaseMs`
   * while it runs: an instance that cannot take it skips the round; a run whose lease was taken
   * over is aborted (its signal).
   */
  | { leaseMs: number };

export interface Job {
  /** Names it in logs and in its lease. */
  name: string;
  /** Pause between runs; a function when it depends on how the last went. */
  intervalMs: number | (() => number);
  lease: JobLease;
  /** One run; `signal` aborts when the scheduler stops (or the job's lease was lost). */
  run(signal: AbortSignal): Promise<unknown>;
  /** Logged (with the error) when a run fails; the job runs again at its next interval. */
  failureMessage: string;
}

export interface SchedulerOptions {
  /** This instance, as lease owner. */
  owner: string;
  /** Needed when a job has `lease: { leaseMs }`. */
  leases?: JobLeases;
  onError(job: Job, err: unknown): void;
}

/** Why a singleton run was aborted: another instance took its lease over. */
export class JobLeaseLost extends Error {
  constructor(job: string) {
    super(`a tarefa ${job} perdeu a vez para outra instância`);
  }
}

export class Scheduler {
  private readonly entries: Array<{ job: Job; poller: Poller }> = [];
  private readonly stopping = new AbortController();
  private started = false;

  constructor(private readonly opts: SchedulerOptions) {}

  /** Registers a job (before start). */
  add(job: Job): this {
    if (this.started) throw new Error(`scheduler already started: ${job.name} added too late`);
    if (typeof job.lease === 'object' && !this.opts.leases) throw new Error(`job ${job.name} needs leases`);
    const poller = new Poller({
      run: async () => {
        await this.runOnce(job);
      },
      intervalMs: job.intervalMs,
      onError: (err) => this.opts.onError(job, err),
    });
    this.entries.push({ job, poller });
    return this;
  }

  /** The names of the jobs registered, in order. */
  get jobs(): readonly string[] {
    return this.entries.map((e) => e.job.name);
  }

  /** Every job's first run at once. */
  start(): void {
    this.started = true;
    for (const { poller } of this.entries) poller.start();
  }

  /** No more runs: the runs under way are aborted and waited for. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('o servidor está desligando'));
    await Promise.all(this.entries.map(({ poller }) => poller.stop()));
  }

  /** One run of `job`, under its lease when it is a singleton of the scheduler's. */
  private async runOnce(job: Job): Promise<void> {
    if (typeof job.lease !== 'object') {
      await job.run(this.stopping.signal);
      return;
    }
    const leases = this.opts.leases!;
    const { leaseMs } = job.lease;
    const name = `job:${job.name}`;
    const { owner } = this.opts;
    if (!(await leases.acquire(name, owner, leaseMs))) return;
    const run = new AbortController();
    const signal = AbortSignal.any([this.stopping.signal, run.signal]);
    const heartbeat = setInterval(
      () => {
        leases.renew(name, owner, leaseMs).then(
          (held) => {
            if (!held) run.abort(new JobLeaseLost(job.name));
          },
          (err: unknown) => this.opts.onError(job, err),
        );
      },
      Math.max(100, Math.floor(leaseMs / 3)),
    );
    heartbeat.unref();
    try {
      await job.run(signal);
    } finally {
      clearInterval(heartbeat);
      await leases.release(name, owner);
    }
  }
}
