import type { Request } from 'express';
import { ipKeyGenerator, MemoryStore, type Options } from 'express-rate-limit';

const IPV4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i;
/** IPv6 keys remembered at most (a new address costs one parse; the map never grows past this). */
const MAX_REMEMBERED = 10_000;

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

  /** IPv6 keys already worked out (ipKeyGenerator parses the address: a sixth of a request's CPU). */
  private readonly ipv6Keys = new Map<string, string>();

  /**
   * The address's key: IPv4 (also as IPv4-mapped IPv6, "::ffff:1.2.3.4") as is; IPv6 per /56, as
   * express-rate-limit does (one host holds a whole block), remembered for the next request.
   */
  private key(req: Request): string {
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const v4 = IPV4.exec(ip);
    if (v4) return v4[1];
    let key = this.ipv6Keys.get(ip);
    if (key === undefined) {
      if (this.ipv6Keys.size >= MAX_REMEMBERED) this.ipv6Keys.clear();
      key = ipKeyGenerator(ip);
      this.ipv6Keys.set(ip, key);
    }
    return key;
  }

  /** Whether this address already sent `limit` wrong signatures in the window. */
  async limited(req: Request): Promise<boolean> {
    return ((await this.store.get(this.key(req)))?.totalHits ?? 0) >= this.limit;
  }

  async failed(req: Request): Promise<void> {
    await this.store.increment(this.key(req));
  }
}
