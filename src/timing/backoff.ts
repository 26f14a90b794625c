export const MAX_BACKOFF_MS = 60 * 60 * 1000;

/**
 * Delay before retry number `attempt` (1 = the first retry): doubles from `baseMs`, jittered by
 * ±20 % so a burst of failures does not come back as a burst, capped at `maxMs` (one hour).
 */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random, maxMs = MAX_BACKOFF_MS): number {
  const exponential = baseMs * 2 ** Math.max(0, attempt - 1);
  const jittered = exponential * (0.8 + 0.4 * random());
  return Math.round(Math.min(jittered, maxMs));
}
