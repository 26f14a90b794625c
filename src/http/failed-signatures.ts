import type { Request } from 'express';
import { BoundedCounts } from './bounded-counts.js';
import { clientKey } from './client-address.js';

/**
 * Wrong webhook signatures counted per client address (fixed window, at most MAX_COUNTED_KEYS
 * addresses: see BoundedCounts). A valid delivery touches nothing but one map lookup: the counter
 * moves only when a signature fails.
 */
export class FailedSignatures {
  private readonly counts: BoundedCounts;

  constructor(
    private readonly limit: number,
    windowMs: number,
  ) {
    this.counts = new BoundedCounts();
    this.counts.init({ windowMs });
  }

  /** Addresses counted right now (tests). */
  get size(): number {
    return this.counts.size;
  }

  /** Whether this address already sent `limit` wrong signatures in the window. */
  limited(req: Request): boolean {
    return (this.counts.get(clientKey(req))?.totalHits ?? 0) >= this.limit;
  }

  failed(req: Request): void {
    this.counts.increment(clientKey(req));
  }
}
