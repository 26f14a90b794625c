import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';

/** Client keys counted at most, per counter (a key's entry is ~150 bytes: 50,000 hold ~8 MB). */
export const MAX_COUNTED_KEYS = 50_000;

interface Count {
  hits: number;
  resetAt: number;
}

/**
 * Hits per client key in a fixed window, as express-rate-limit's MemoryStore counts them, but
 * never more than `maxKeys` keys: past that, the key touched least recently is forgotten (a Map
 * keeps insertion order; a key is moved to the end whenever it is counted). A flood of distinct
 * addresses (one per IPv6 /56, forwarded behind a trusted proxy) then costs bounded memory, and
 * the addresses that matter — those still failing — are the ones touched last, so they stay.
 * Expired counts go when read, or when they are the oldest: no timer.
 */
export class BoundedCounts implements Store {
  readonly localKeys = true;
  private windowMs = 60_000;
  private readonly counts = new Map<string, Count>();

  constructor(
    private readonly maxKeys = MAX_COUNTED_KEYS,
    private readonly now: () => number = () => Date.now(),
  ) {}

  init(options: Pick<Options, 'windowMs'>): void {
    this.windowMs = options.windowMs;
  }

  /** Keys counted right now (tests). */
  get size(): number {
    return this.counts.size;
  }

  get(key: string): ClientRateLimitInfo | undefined {
    const count = this.live(key);
    return count && infoOf(count);
  }

  increment(key: string): ClientRateLimitInfo {
    const count = this.live(key) ?? { hits: 0, resetAt: this.now() + this.windowMs };
    count.hits += 1;
    this.counts.delete(key);
    this.counts.set(key, count);
    while (this.counts.size > this.maxKeys) this.counts.delete(this.counts.keys().next().value!);
    return infoOf(count);
  }

  decrement(key: string): void {
    const count = this.live(key);
    if (count && count.hits > 0) count.hits -= 1;
  }

  resetKey(key: string): void {
    this.counts.delete(key);
  }

  resetAll(): void {
    this.counts.clear();
  }

  private live(key: string): Count | undefined {
    const count = this.counts.get(key);
    if (count && count.resetAt <= this.now()) {
      this.counts.delete(key);
      return undefined;
    }
    return count;
  }
}

const infoOf = (count: Count): ClientRateLimitInfo => ({ totalHits: count.hits, resetTime: new Date(count.resetAt) });
