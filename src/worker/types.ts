import type { Logger } from '../log/logger.js';
import type { InboxEvent, NewEvent } from '../domain/inbox-event.js';
import type { Inbox } from '../store/inbox.js';
import type { Journal } from '../store/journal.js';
import type { OwnerLocks } from '../store/owner-locks.js';
import type { Queue } from '../store/queue.js';
import type { InsertResult } from '../store/store.js';

/** What a step gave, and whether it ran in this attempt (false: its journaled result came back). */
export interface StepOutcome<T> {
  value: T;
  ranNow: boolean;
}

/**
 * What a handler sees of the event it runs and of the world around it. `Steps` maps each step
 * name the handler journals to the type of its result, so a name and its result cannot drift
 * apart (the sale flows use `StepResults` from flows/steps.ts).
 */
export interface HandlerContext<Steps extends object = Record<string, unknown>> {
  event: InboxEvent;
  /**
   * This is the round's last attempt: a transient failure now ends the event `failed`. A flow
   * with another way to reach its goal (the welcome by e-mail) takes it now.
   */
  lastAttempt: boolean;
  /** The order object as received, parsed once for the run. */
  body: Record<string, unknown>;
  /**
   * Runs `run` once per event: if a previous attempt completed this step, its journaled result
   * comes back (`ranNow: false`) without running it again. The result is committed before the
   * next step starts.
   */
  step<N extends keyof Steps & string>(name: N, run: () => Promise<Steps[N]>): Promise<StepOutcome<Steps[N]>>;
  /** The journaled result of a step, if it completed. */
  journal<N extends keyof Steps & string>(name: N): Steps[N] | undefined;
  /** Replaces a journaled result (e.g. wipes a password once it has been delivered). */
  rewriteStep<N extends keyof Steps & string>(name: N, result: Steps[N]): Promise<void>;
  /** Queues a support alert; `key` makes it once-only for this event. */
  alert(text: string, key?: string): Promise<void>;
  /** Adds an event to the inbox (e.g. a revocation scheduled for the end of a paid period). */
  schedule(event: NewEvent): Promise<InsertResult>;
  log: Logger;
}

export interface HandlerResult {
  /** `ignored` when there was nothing to do by design. Default `done`. */
  status?: 'done' | 'ignored';
  /** One pt-BR sentence for people: what happened. */
  outcome: string;
  /**
   * Done, but a person must act (a welcome that did not go out): its cause code and words, kept
   * on the event (its motivo, a filter of the list) until a later run ends without it.
   */
  notice?: { code: string; message: string };
  /** When the access this event gave ends (a plan's time-limited access, a free trial): shown as "acesso até". */
  accessUntil?: number;
}

export type Handler<Steps extends object = Record<string, unknown>> = (ctx: HandlerContext<Steps>) => Promise<HandlerResult>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler types its own steps
export type HandlerRegistry = Readonly<Record<string, Handler<any>>>;

/** What the worker uses of the store: the queue's claims and outcomes, the journal, the inbox (scheduled work). */
export interface WorkerStore {
  queue: Pick<
    Queue,
    'recoverAfterRestart' | 'claimDue' | 'extendLeases' | 'otherLeaseOwners' | 'expireLeases' | 'finish' | 'retryAt' | 'release'
  >;
  journal: Pick<Journal, 'loadSteps' | 'saveStep' | 'rewriteStep'>;
  inbox: Pick<Inbox, 'insert'>;
  ownerLocks?: Pick<OwnerLocks, 'hold' | 'isGone' | 'holding' | 'epoch' | 'signalWork'>;
}
