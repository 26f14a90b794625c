import { backoffMs } from './backoff.js';

/**
 * The one in-process retry loop: a call tried again, in place, a few times, waiting between
 * tries. Used by the Kiwify API client (throttled or unavailable answers), the Discord console
 * (a deferred answer Discord refuses for a while) and SQLite's WAL truncation (other processes
 * holding the log).
 *
 * Not by the worker: an event's retry is a new run, scheduled in the database (`retryAt`, with
 * the same backoffMs), so it survives restarts, frees the worker's slot while it waits and may be
 * taken by any instance. Waiting in place is only for short waits inside one call.
 */

/** Waits `ms`; an abort of `signal` ends the wait at once, rejecting with the signal's reason. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RetryOptions {
  /** Tries in all, the first included (default: no limit — `budgetMs` then bounds them). */
  attempts?: number;
  /** The first wait; each next one doubles (backoffMs), up to `maxDelayMs`. */
  baseMs: number;
  /** Longest backoff wait (default: backoffMs' one hour). */
  maxDelayMs?: number;
  /** ±20 % on the backoff waits (default: off, the waits are exact). */
  jitter?: boolean;
  /** The upstream's own hint for this failure (its Retry-After), used instead of the backoff. */
  hintMs?: (err: unknown) => number | undefined;
  /** A wait longer than this (an upstream asking for much longer) is not waited: the error is thrown. */
  maxWaitMs?: number;
  /** Whether this failure may be tried again (default: every one). */
  retryable?: (err: unknown) => boolean;
  /** All the tries and waits together take at most this long: a wait is cut to what is left, none starts past it. */
  budgetMs?: number;
  /** Aborting it ends a wait at once (with the signal's reason) and stops further tries. */
  signal?: AbortSignal;
  /** How to wait (tests record or skip the waits); an abort of `signal` ends the wait whatever is injected. */
  sleep?: Sleep;
  /** For `budgetMs` (default: the system's). */
  clock?: () => number;
}

/** Why `signal` was aborted, as an Error (what `throwIfAborted` would throw). */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** Waits `ms`, or until `signal` aborts (then rejects with its reason, the timer cleared). */
export const abortableSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      if (signal) reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** `sleep`, cut short by an abort of `signal` even when the injected sleep ignores it. */
async function wait(sleep: Sleep, ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return sleep(ms);
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([sleep(ms, signal), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** The wait after the `attempt`-th failure, or undefined when the error is to be thrown. */
function delayAfter(err: unknown, attempt: number, options: RetryOptions, left: number): number | undefined {
  if (attempt >= (options.attempts ?? Infinity) || !(options.retryable?.(err) ?? true)) return undefined;
  const random = options.jitter ? Math.random : () => 0.5;
  const delay = options.hintMs?.(err) ?? backoffMs(attempt, options.baseMs, random, options.maxDelayMs);
  if (delay > (options.maxWaitMs ?? Infinity) || left <= 0) return undefined;
  return Math.min(delay, left);
}

/**
 * Runs `run` (given the try's number, 1 first) until it resolves; a failure is tried again after
 * its wait, while `options` allow, else thrown as it came.
 */
export async function retry<T>(run: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const clock = options.clock ?? Date.now;
  const deadline = options.budgetMs === undefined ? Infinity : clock() + options.budgetMs;
  for (let attempt = 1; ; attempt += 1) {
    options.signal?.throwIfAborted();
    try {
      return await run(attempt);
    } catch (err) {
      const delay = delayAfter(err, attempt, options, deadline - clock());
      if (delay === undefined) throw err;
      await wait(options.sleep ?? abortableSleep, delay, options.signal);
    }
  }
}
