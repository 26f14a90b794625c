import type { Request } from 'express';
import { ipKeyGenerator, MemoryStore, type Options } from 'express-rate-limit';

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

  /** IPv6 addresses count per /56, as express-rate-limit does (one host holds a whole block). */
  private key(req: Request): string {
    return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
  }

  /** Whether this address already sent `limit` wrong signatures in the window. */
  async limited(req: Request): Promise<boolean> {
    return ((await this.store.get(this.key(req)))?.totalHits ?? 0) >= this.limit;
  }

  async failed(req: Request): Promise<void> {
    await this.store.increment(this.key(req));
  }
}
