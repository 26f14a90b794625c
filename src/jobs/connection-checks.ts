import { describeError } from '../domain/errors.js';
import { messages } from '../domain/messages.js';
import type { Logger } from '../log.js';
import type { AlertOutbox } from '../alerts/outbox.js';
import type { Store } from '../store/index.js';
import { Poller } from '../timing/poller.js';

/** One external system to check: `run` resolves when it answers as it should, else throws why. */
export interface ConnectionCheck {
  name: 'ead' | 'chatpro' | 'mail';
  /** How support calls it ("EAD", "ChatPro", "e-mail (SMTP)"). */
  label: string;
  run(): Promise<void>;
}

export interface ConnectionChecksOptions {
  checks: ConnectionCheck[];
  store: Store;
  alerts: AlertOutbox;
  log: Logger;
  /** Between checks while everything answers (HEALTH_CHECK_INTERVAL_MS, 10 min). */
  healthyIntervalMs: number;
  /** Between checks while something fails (HEALTH_RECHECK_INTERVAL_MS, 15 s): paused work resumes soon after. */
  failingIntervalMs: number;
  /** Called when a system changes state in this instance (the worker re-reads what it may run). */
  onChange?: () => void;
}

/**
 * Checks the upstreams at start-up (without holding it up) and then periodically. A failing
 * check is logged, shown on the admin page, and told to support once per change of state (the
 * store decides which instance tells). While the EAD fails, the worker leaves EAD-bound events
 * waiting instead of spending their attempts.
 */
export class ConnectionChecks {
  private readonly failing = new Set<string>();
  private readonly loop: Poller;

  constructor(private readonly opts: ConnectionChecksOptions) {
    this.loop = new Poller({
      run: () => this.runOnce(),
      intervalMs: () => (this.failing.size > 0 ? opts.failingIntervalMs : opts.healthyIntervalMs),
      onError: (err) => opts.log.error({ err }, 'falha nas verificações de conexão'),
    });
  }

  /** Whether this instance's last check of `name` failed. */
  isFailing(name: ConnectionCheck['name']): boolean {
    return this.failing.has(name);
  }

  /** First check at once (start-up is not held up: nothing waits for it). */
  start(): void {
    this.loop.start();
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
    const wasFailing = this.failing.has(check.name);
    if (error) this.failing.add(check.name);
    else this.failing.delete(check.name);
    if (wasFailing !== Boolean(error)) {
      if (error) log.error({ check: check.name, reason: error }, 'verificação de conexão falhou');
      else log.info({ check: check.name }, 'conexão restabelecida');
      this.opts.onChange?.();
    }
    try {
      const changed = await store.checks.record(check.name, error ? 'failing' : 'ok', error);
      if (changed) {
        await alerts.enqueue(error ? messages.connectionFailing(check.label, error) : messages.connectionRestored(check.label));
      }
    } catch (err) {
      log.error({ err, check: check.name }, 'não foi possível registrar a verificação de conexão');
    }
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}
