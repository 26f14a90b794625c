import { scrubText } from './redaction.js';

/**
 * Every failure that reaches the worker says whether trying again can help.
 * Messages are pt-BR (support reads them in alerts and on the admin page) and are scrubbed of
 * personal data, because upstream services like to quote the CPF or phone they refused.
 */
export abstract class FlowError extends Error {
  abstract readonly transient: boolean;
  constructor(
    message: string,
    readonly code: string,
    readonly retryAfterMs?: number,
  ) {
    super(scrubText(message));
  }
}

/** Worth retrying later: timeouts, 5xx, rate limits, CDN error pages. */
export class TransientError extends FlowError {
  readonly transient = true;
  override readonly name = 'TransientError';
}

/** Retrying will not help until a person fixes something (data, configuration, plan map). */
export class PermanentError extends FlowError {
  readonly transient = false;
  override readonly name = 'PermanentError';
}

export function isTransient(err: unknown): boolean {
  // Unknown errors (a bug, a database hiccup) are retried: the journal makes a retry cheap,
  // and MAX_ATTEMPTS bounds it.
  return err instanceof FlowError ? err.transient : true;
}

/** The cause of a failure, for support (group, filter, replay by it): the FlowError's code. */
export function errorCode(err: unknown): string {
  return err instanceof FlowError ? err.code : 'unexpected';
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return scrubText(err.message);
  return scrubText(String(err));
}
