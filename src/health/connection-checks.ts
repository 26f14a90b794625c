import type { ConnectionName } from '../domain/connections.js';
import { describeError } from '../domain/errors.js';
import { messages } from '../domain/messages.js';
import type { Logger } from '../log/logger.js';
import type { AlertOutbox } from '../alerts/outbox.js';
import type { CheckStore } from './check-store.js';
import type { Job } from '../timing/scheduler.js';

/** One external system to check: `run` resolves when it answers as it should, else throws why. */
export interface ConnectionCheck {
  /** Which system (support's name for it: CONNECTION_LABELS). */
  name: ConnectionName;
  run(): Promise<void>;
}

export interface ConnectionChecksOptions {
  checks: ConnectionCheck[];
  store: { checks: Pick<CheckStore, 'all' | 'record'> };
  alerts: AlertOutbox;
  log: Logger;
  /** Between checks while everything answers (default HEALTHY_INTERVAL_MS, 10 min). */
  healthyIntervalMs?: number;
  /** Between checks while something fails (default FAILING_INTERVAL_MS, 15 s): paused work resumes soon after. */
  failingIntervalMs?: number;
  /** The admin page's public address, linked from the alerts. */
  panelUrl?: string;
  /**
   * How often the view shared by the instances is read from the database (default 2 s): an
   * instance that saw a system come back (or go down) tells the others through it.
   */
  shareIntervalMs?: number;
  /** Called when a system changes state in this instance's view (the worker re-reads what it may run). */
  onChange?: () => void;
}

/** Default of `shareIntervalMs`. */
export const SHARE_INTERVAL_MS = 2_000;
/** Between checks while every system answers: often enough to tell support within minutes, rare enough to cost the upstreams nothing. */
export const HEALTHY_INTERVAL_MS = 10 * 60_000;
/** Between checks while one fails: the work it paused resumes within seconds of its return. */
export const FAILING_INTERVAL_MS = 15_000;

/**
 * Checks the upstreams at start-up (without holding it up) and then periodically (two jobs of
 * the runtime's scheduler: the checks, and the read of the shared view). A failing
 * check is logged, shown on the admin page, and told to support once per change of state (the
 * store decides which instance tells). While the EAD fails, the worker leaves EAD-bound events
 * waiting instead of spending their attempts.
 *
 * The instances share one view of each system, in the database (`health_checks`): the last
 * check any of them made. Each reads it every few seconds, so when one sees the EAD back, every
 * other resumes within `shareIntervalMs` — not at its own next recheck.
 */
export class ConnectionChecks {
  /** The shared view: systems whose last check, by any instance, failed. */
  private readonly failing = new Set<string>();
  /** Checks this instance has finished (a shared read that overlaps one is dropped). */
  private ownChecks = 0;

  constructor(private readonly opts: ConnectionChecksOptions) {}

  /**
   * Its periodic jobs: the checks (first at once: start-up is not held up, nothing waits for
   * them) and the read of the view the instances share. Each instance runs both: every instance
   * needs the view, and a check is cheap (the store tells support once per change of state).
   */
  get jobs(): Job[] {
    const { opts } = this;
    const healthy = opts.healthyIntervalMs ?? HEALTHY_INTERVAL_MS;
    const failing = opts.failingIntervalMs ?? FAILING_INTERVAL_MS;
    return [
      {
        name: 'connection-checks',
        intervalMs: () => (this.failing.size > 0 ? failing : healthy),
        lease: 'none',
        run: () => this.runOnce(),
        failureMessage: 'falha nas verificações de conexão',
      },
      {
        name: 'connection-view',
        intervalMs: opts.shareIntervalMs ?? SHARE_INTERVAL_MS,
        lease: 'none',
        run: () => this.readSharedView(),
        failureMessage: 'falha ao ler o estado das conexões no banco',
      },
    ];
  }

  /** Whether the last check of `name`, by this instance or another, failed. */
  isFailing(name: ConnectionCheck['name']): boolean {
    return this.failing.has(name);
  }

  /** Takes up what the other instances saw (the rows this instance's checks also write). */
  async readSharedView(): Promise<void> {
    const before = this.ownChecks;
    const rows = await this.opts.store.checks.all();
    // A check of this instance ended while reading: the rows may predate it, and it is newer.
    if (this.ownChecks !== before) return;
    for (const check of this.opts.checks) {
      const row = rows.find((r) => r.name === check.name);
      if (row) this.see(check.name, row.status === 'failing', row.detail);
    }
  }

  /** Updates the view; a change is logged and told to the worker. */
  private see(name: string, failing: boolean, detail: string | null): void {
    if (this.failing.has(name) === failing) return;
    if (failing) this.failing.add(name);
    else this.failing.delete(name);
    if (failing) this.opts.log.error({ check: name, reason: detail }, 'verificação de conexão falhou');
    else this.opts.log.info({ check: name }, 'conexão restabelecida');
    this.opts.onChange?.();
  }

  async runOnce(): Promise<void> {
    await Promise.all(this.opts.checks.map((check) => this.runCheck(check)));
  }

  private async runCheck(check: ConnectionCheck): Promise<void> {
    const { store, alerts, log } = this.opts;
    let error: string | null = null;
    try {
      await check.run();
    } catch (err) {
      error = describeError(err);
    }
    let changed = false;
    try {
      changed = await store.checks.record(check.name, error ? 'failing' : 'ok', error);
    } catch (err) {
      log.error({ err, check: check.name }, 'não foi possível registrar a verificação de conexão');
    }
    // Seen here after it is written: a shared read under way meanwhile is dropped (see readSharedView).
    this.ownChecks += 1;
    this.see(check.name, error !== null, error);
    if (changed) {
      await alerts.enqueue(
        error ? messages.connectionFailing(check.name, error, this.opts.panelUrl) : messages.connectionRestored(check.name),
      );
    }
  }
}
