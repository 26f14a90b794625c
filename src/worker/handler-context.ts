import { handlerAlertKey } from '../alerts/alert-keys.js';
import type { AlertOutbox } from '../alerts/outbox.js';
import type { Logger } from '../log/logger.js';
import type { ClaimedEvent } from '../store/store.js';
import type { HandlerContext, WorkerStore } from './types.js';

/** Raised between steps once shutdown has begun: the event goes back to the queue untouched. */
export class ShuttingDown extends Error {}

/**
 * Raised between steps once the worker's proof of life (its advisory lock, PostgreSQL) was lost
 * after the run began: another instance may have taken the event over, so this run starts no
 * other step; the event goes back to the queue (fenced: only if nobody took it) once the lock
 * is held again.
 */
export class LockLost extends Error {}

export interface ContextServices {
  store: Pick<WorkerStore, 'journal' | 'inbox'>;
  alerts: Pick<AlertOutbox, 'enqueue'>;
  /** Why no step may start now (ShuttingDown, LockLost), if so. */
  interrupted: () => Error | undefined;
  /** Attempts before a transient failure ends the event `failed` (MAX_ATTEMPTS). */
  maxAttempts: number;
}

/**
 * What a handler sees of its run: the event and its order (parsed once), and the journal — a
 * step done in an earlier attempt gives back its result without running again; a step done now
 * is committed, fenced by the claim, before the next one starts.
 */
export function handlerContext(
  claim: ClaimedEvent,
  journal: Map<string, unknown>,
  log: Logger,
  { store, alerts, interrupted, maxAttempts }: ContextServices,
): HandlerContext {
  const { event, bodyText } = claim;
  return {
    event,
    lastAttempt: event.attempts >= maxAttempts,
    body: JSON.parse(bodyText) as Record<string, unknown>,
    log,
    journal: (name) => journal.get(name),
    step: async (name, run) => {
      if (journal.has(name)) return { value: journal.get(name), ranNow: false };
      const stop = interrupted();
      if (stop) throw stop;
      const value = await run();
      await store.journal.saveStep(claim, name, value);
      journal.set(name, value);
      log.debug({ step: name }, 'etapa concluída');
      return { value, ranNow: true };
    },
    rewriteStep: async (name, result) => {
      await store.journal.rewriteStep(event.id, name, result);
      journal.set(name, result);
    },
    alert: (text, key) => alerts.enqueue(text, { eventId: event.id, key: key && handlerAlertKey(event, key) }),
    schedule: (next) => store.inbox.insert({ ...next, parentId: event.id }),
  };
}
