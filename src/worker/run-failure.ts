import { failureAlertKey } from '../alerts/alert-keys.js';
import type { AlertOutbox } from '../alerts/outbox.js';
import { describeError, errorCode, FlowError, isTransient } from '../domain/errors.js';
import { formatTime, messages } from '../domain/messages.js';
import type { Logger } from '../log/logger.js';
import type { MetricsRecorder } from '../metrics/metrics-recorder.js';
import { LeaseLostError, type ClaimedEvent } from '../store/store.js';
import { backoffMs } from '../timing/backoff.js';
import type { Clock } from '../timing/clock.js';
import { LockLost, ShuttingDown } from './handler-context.js';
import type { InterruptedRuns } from './lock-loss.js';
import type { WorkerStore } from './types.js';

/** What a run that threw is settled with (the worker's own parts). */
export interface FailureDeps {
  store: WorkerStore;
  alerts: AlertOutbox;
  metrics: MetricsRecorder;
  interrupted: InterruptedRuns;
  clock: Clock;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs?: number;
  panelUrl?: string;
}

/** Gives a claimed event back to the queue and tells the other instances (PostgreSQL), so one takes it up now. */
export async function giveBack(store: Pick<WorkerStore, 'queue' | 'ownerLocks'>, claimed: ClaimedEvent): Promise<void> {
  await store.queue.release(claimed);
  store.ownerLocks?.signalWork();
}

/**
 * A run threw: given back (shutdown), left alone (taken over), set aside (lock lost), scheduled
 * again (transient, attempts left), or failed with an alert.
 */
export async function onFailure(deps: FailureDeps, claimed: ClaimedEvent, err: unknown, log: Logger, alive: boolean): Promise<void> {
  const { store, maxAttempts, retryBaseMs, retryMaxMs } = deps;
  const { event } = claimed;
  if (err instanceof ShuttingDown) {
    await giveBack(store, claimed);
    log.info('evento devolvido à fila (desligamento)');
    return;
  }
  if (err instanceof LeaseLostError) {
    log.warn('evento assumido por outro processo; esta execução parou');
    return;
  }
  if (err instanceof LockLost) return deps.interrupted.stopped(claimed, log, alive);
  const reason = describeError(err);
  const attempts = event.attempts;
  if (isTransient(err) && attempts < maxAttempts) {
    // A new run scheduled in the database, not a wait in place (timing/retry.ts): it survives restarts.
    const hinted = err instanceof FlowError ? (err.retryAfterMs ?? 0) : 0;
    const at = deps.clock() + Math.max(backoffMs(attempts, retryBaseMs, Math.random, retryMaxMs), hinted);
    const history = {
      kind: 'retry',
      message: `Tentativa ${attempts} de ${maxAttempts} falhou: ${reason} Nova tentativa em ${formatTime(at)}.`,
    };
    if (await store.queue.retryAt(claimed, at, { message: reason, code: errorCode(err) }, history))
      deps.metrics.eventRetry(event.eventType);
    log.warn({ err, nextRunAt: at }, 'falha temporária; nova tentativa agendada');
    return;
  }
  await failEvent(deps, claimed, err, log);
}

/** failed + an alert, in one transaction: never seen before the failure, never lost; one per run. */
export async function failEvent(deps: FailureDeps, claimed: ClaimedEvent, err: unknown, log: Logger): Promise<void> {
  const { store, alerts } = deps;
  const { event } = claimed;
  const reason = describeError(err);
  const exhausted = isTransient(err);
  const code = errorCode(err);
  const alert = alerts.entry(messages.eventFailed(event, reason, event.attempts, exhausted, code, deps.panelUrl), {
    eventId: event.id,
    key: failureAlertKey(event),
  });
  const history = {
    kind: 'failed',
    message: exhausted ? `Tentativa ${event.attempts} falhou: ${reason} Sem mais tentativas.` : `Erro permanente: ${reason}`,
  };
  if (!(await store.queue.finish(claimed, 'failed', 'Falhou: precisa de atenção.', { message: reason, code }, alert, { history }))) return;
  alerts.queued();
  deps.metrics.eventFinished(event.eventType, 'failed');
  log.error({ err }, exhausted ? 'evento falhou: tentativas esgotadas' : 'evento falhou: erro permanente');
}
