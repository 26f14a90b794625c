import type { ConnectionName } from '../domain/connections.js';
import { describeError } from '../domain/errors.js';
import { messages } from '../domain/messages.js';
import type { Logger } from '../log/logger.js';
import type { AlertOutbox } from '../alerts/outbox.js';
import { randomUUID } from 'node:crypto';
import type { CheckStore, InstanceCheckRow } from './check-store.js';
import type { Job } from '../timing/scheduler.js';

/** One external system to check: `run` resolves when it answers as it should, else throws why. */
export interface ConnectionCheck {
  /** Which system (support's name for it: CONNECTION_LABELS). */
  name: ConnectionName;
  run(): Promise<void>;
}

export interface ConnectionChecksOptions {
  checks: ConnectionCheck[];
  store: { checks: Pick<CheckStore, 'recordOwn' | 'instances' | 'record' | 'now'> };
  alerts: AlertOutbox;
  log: Logger;
  /** This instance's name among those sharing the database (default: a new random one). */
  instance?: string;
  /** Between checks while everything answers (default HEALTHY_INTERVAL_MS, 10 min). */
  healthyIntervalMs?: number;
  /** Between checks while something fails (default FAILING_INTERVAL_MS, 15 s): paused work resumes soon after. */
  failingIntervalMs?: number;
  /** The admin page's public address, linked from the alerts. */
  panelUrl?: string;
  /**
   * How often the other instances' checks are read from the database (default 2 s): when one
   * sees a system come back (or go down), every other checks for itself at once.
   */
  shareIntervalMs?: number;
  /** Called when a system changes state in this instance's view (the worker re-reads what it may run). */
  onChange?: () => void;
  /**
   * The longest one check may take (its upstream deadline; default CHECK_DEADLINE_MS): a live
   * instance's row is never older than its interval plus this, so rows are ignored only after
   * twice the interval plus this.
   */
  checkDeadlineMs?: number;
}

/** Default of `checkDeadlineMs`: the upstream clients' deadline. */
export const CHECK_DEADLINE_MS = 15_000;
/** Default of `shareIntervalMs`. */
export const SHARE_INTERVAL_MS = 2_000;
/** Between checks while every system answers: often enough to tell support within minutes, rare enough to cost the upstreams nothing. */
export const HEALTHY_INTERVAL_MS = 10 * 60_000;
/** Between checks while one fails: the work it paused resumes within seconds of its return. */
export const FAILING_INTERVAL_MS = 15_000;

/**
 * Checks the upstreams at start-up (without holding it up) and then periodically (two jobs of
 * the runtime's scheduler: the checks, and the read of the other instances' checks). While the
 * EAD fails, the worker leaves EAD-bound events waiting instead of spending their attempts.
 *
 * Each instance's own checks decide its own pause: an instance with a wrong EAD key pauses
 * itself, never the others, and is never resumed by them. The instances still share what they
 * see, in the database (`health_instance_checks`, one row per instance and system): when another
 * instance checks a system after this one did and disagrees, this one checks again at once —
 * so every instance resumes within `shareIntervalMs` of any one seeing the EAD back, and pauses
 * as soon when it is down for it too. Rows of instances gone (no check for twice their
 * interval plus a check's deadline) are ignored.
 *
 * Support is told once per change of the state all instances agree on (`health_checks`):
 * "falhando" when every recent check of a system failed, "restabelecida" when one answers again
 * (the store decides which instance tells). An instance failing alone (its key, its network)
 * tells it once per failure, as its own problem, not as an outage.
 */
export class ConnectionChecks {
  /** This instance's view: systems whose last check by this instance failed, since when. */
  private readonly failing = new Map<string, number>();
  readonly instance: string;
  /** When this instance last checked each system (the store's clock). */
  private readonly checkedAt = new Map<string, number>();
  /** When the others' checks last made this instance check a system again. */
  private readonly viewRecheckAt = new Map<string, number>();
  /** The last check asked of each system (running, or queued behind the one running). */
  private readonly chain = new Map<string, { queued: boolean; tail: Promise<void> }>();
  private readonly healthyMs: number;
  private readonly failingMs: number;
  private readonly deadlineMs: number;

  constructor(private readonly opts: ConnectionChecksOptions) {
    this.instance = opts.instance ?? `instance-${randomUUID()}`;
    this.healthyMs = opts.healthyIntervalMs ?? HEALTHY_INTERVAL_MS;
    this.failingMs = opts.failingIntervalMs ?? FAILING_INTERVAL_MS;
    this.deadlineMs = opts.checkDeadlineMs ?? CHECK_DEADLINE_MS;
  }

  /** Its periodic jobs: the checks (first at once: start-up is not held up) and the read of the others'. */
  get jobs(): Job[] {
    return [
      {
        name: 'connection-checks',
        intervalMs: () => (this.failing.size > 0 ? this.failingMs : this.healthyMs),
        lease: 'none',
        run: () => this.runOnce(),
        failureMessage: 'falha nas verificações de conexão',
      },
      {
        name: 'connection-view',
        intervalMs: this.opts.shareIntervalMs ?? SHARE_INTERVAL_MS,
        lease: 'none',
        run: () => this.readSharedView(),
        failureMessage: 'falha ao ler o estado das conexões no banco',
      },
    ];
  }

  /** Whether this instance's last check of `name` failed. */
  isFailing(name: ConnectionCheck['name']): boolean {
    return this.failing.has(name);
  }

  /**
   * Reads the other instances' checks: a system another instance checked after this one did,
   * with the other result, is checked again now (at most once per failing interval: an
   * instance that keeps disagreeing — a wrong key — does not make this one check all the time).
   */
  async readSharedView(): Promise<void> {
    const rows = await this.opts.store.checks.instances();
    const now = this.opts.store.checks.now();
    const recheck = this.opts.checks.filter((check) => {
      const checkedAt = this.checkedAt.get(check.name);
      if (checkedAt === undefined || now - (this.viewRecheckAt.get(check.name) ?? -Infinity) < this.failingMs) return false;
      return rows.some(
        (row) =>
          row.name === check.name &&
          row.instance !== this.instance &&
          this.fresh(row, now) &&
          row.checked_at > checkedAt &&
          (row.status === 'failing') !== this.failing.has(check.name),
      );
    });
    for (const check of recheck) this.viewRecheckAt.set(check.name, now);
    await Promise.all(recheck.map((check) => this.runCheck(check)));
  }

  /**
   * A row written recently enough by its instance. One gone stops writing: its rows are ignored
   * after twice its interval plus a check's deadline (a live one checking a hanging system writes
   * its row an interval plus that deadline after the last).
   */
  private fresh(row: Pick<InstanceCheckRow, 'status' | 'checked_at'>, now: number): boolean {
    return now - row.checked_at <= 2 * (row.status === 'failing' ? this.failingMs : this.healthyMs) + this.deadlineMs;
  }

  /** Updates this instance's view; a change is logged and told to the worker. */
  private see(name: string, failing: boolean, detail: string | null): void {
    if (this.failing.has(name) === failing) return;
    if (failing) this.failing.set(name, this.opts.store.checks.now());
    else this.failing.delete(name);
    if (failing) this.opts.log.error({ check: name, reason: detail }, 'verificação de conexão falhou');
    else this.opts.log.info({ check: name }, 'conexão restabelecida');
    this.opts.onChange?.();
  }

  async runOnce(): Promise<void> {
    await Promise.all(this.opts.checks.map((check) => this.runCheck(check)));
  }

  /**
   * Checks `check`: once at a time, and a check asked while one runs runs after it (its result
   * may predate what the asker knows); several asked meanwhile share that one.
   */
  private runCheck(check: ConnectionCheck): Promise<void> {
    const current = this.chain.get(check.name);
    if (current?.queued) return current.tail;
    const next = { queued: true, tail: Promise.resolve() };
    const start = () => {
      next.queued = false;
      return this.checkNow(check);
    };
    next.tail = (current?.tail ?? Promise.resolve()).then(start, start).finally(() => {
      if (this.chain.get(check.name) === next) this.chain.delete(check.name);
    });
    this.chain.set(check.name, next);
    return next.tail;
  }

  private async checkNow(check: ConnectionCheck): Promise<void> {
    const { store, log } = this.opts;
    let error: string | null = null;
    try {
      await check.run();
    } catch (err) {
      error = describeError(err);
    }
    const checkedAt = store.checks.now();
    try {
      await store.checks.recordOwn(this.instance, check.name, error ? 'failing' : 'ok', error);
    } catch (err) {
      log.error({ err, check: check.name }, 'não foi possível registrar a verificação de conexão');
    }
    // When it checked and what it saw change together: a view read in between would take the
    // others agreeing with this check for a disagreement with the one before, and spend its recheck.
    this.checkedAt.set(check.name, checkedAt);
    this.see(check.name, error !== null, error);
    await this.settle(check.name);
  }

  /**
   * The state every instance agrees on: failing when every recent check failed, else ok. Its
   * change is told to support once (the store lets one caller change it).
   */
  private async settle(name: ConnectionCheck['name']): Promise<void> {
    const { store, alerts, log } = this.opts;
    try {
      const now = store.checks.now();
      const rows = (await store.checks.instances()).filter((r) => r.name === name && this.fresh(r, now));
      if (rows.length === 0) return;
      const failing = rows.every((r) => r.status === 'failing');
      const own = rows.find((r) => r.instance === this.instance);
      const detail = failing ? ((own ?? rows[0]).detail ?? '') : null;
      const since = this.failing.get(name);
      // Failing here alone (a wrong key on this instance): told once per failure of this instance, not as an outage.
      if (!failing && own?.status === 'failing' && since !== undefined) {
        await alerts.enqueue(messages.connectionFailingHere(name, own.detail ?? '', this.opts.panelUrl), {
          key: `connection-here:${this.instance}:${name}:${since}`,
        });
      }
      if (!(await store.checks.record(name, failing ? 'failing' : 'ok', detail))) return;
      await alerts.enqueue(
        failing ? messages.connectionFailing(name, detail ?? '', this.opts.panelUrl) : messages.connectionRestored(name),
      );
    } catch (err) {
      log.error({ err, check: name }, 'não foi possível registrar o estado comum da conexão');
    }
  }
}
