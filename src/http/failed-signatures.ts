import type { Request } from 'express';
import { MemoryStore, type Options } from 'express-rate-limit';
import { ClientAddresses } from './client-address.js';

/**
 * Wrong webhook signatures counted per client address, in express-rate-limit's MemoryStore
 * (fixed window). A valid delivery touches nothing but one map lookup: the counter moves only
 * when a signature fails. (The store's sweep timer is unref'd: it never holds the process.)
 */
export class FailedSignatures {
  private readonly store = new MemoryStore();

  constructor(
    private readonly limit: number,
    windowMs: number,
  ) {
    this.store.init({ windowMs } as Options);
  }

  private readonly addresses = new ClientAddresses();

  /** The address's key (see ClientAddresses). */
  private key(req: Request): string {
    return this.addresses.key(req);
  }

  /** Whether this address already sent `limit` wrong signatures in the window. */
  async limited(req: Request): Promise<boolean> {
    return ((await this.store.get(this.key(req)))?.totalHits ?? 0) >= this.limit;
  }

  async failed(req: Request): Promise<void> {
    await this.store.increment(this.key(req));
  }
}
