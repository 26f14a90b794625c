import type { Logger } from '../log.js';
import type { EventRow, InsertResult, NewEvent } from '../store/index.js';

/** What a handler sees of the event it runs and of the world around it. */
export interface HandlerContext {
  event: EventRow;
  /** The order object as received. */
  body: Record<string, unknown>;
  /**
   * Runs `run` once per event: if a previous attempt completed this step, its journaled result
   * is returned without running it again. The result is committed before the next step starts.
   */
  step<T>(name: string, run: () => Promise<T>): Promise<T>;
  /** The journaled result of a step, if it completed. */
  journal(name: string): unknown;
  /** Replaces a journaled result (e.g. wipes a password once it has been delivered). */
  rewriteStep(name: string, result: unknown): Promise<void>;
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
}

export type Handler = (ctx: HandlerContext) => Promise<HandlerResult>;
export type HandlerRegistry = Readonly<Record<string, Handler>>;
