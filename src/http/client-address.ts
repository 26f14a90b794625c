import type { Request } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';

const IPV4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i;
/** IPv6 keys remembered at most (a new address costs one parse; the map never grows past this). */
const MAX_REMEMBERED = 10_000;

/**
 * Who a request comes from, for the per-address limits: `req.ip` — the socket's address, or,
 * behind a trusted proxy (TRUST_PROXY; Render's one hop), the address that proxy saw (the
 * `X-Forwarded-For` entry it appended, which a client cannot forge). IPv4 (also as IPv4-mapped
 * IPv6, "::ffff:1.2.3.4") as is; IPv6 per /56, as express-rate-limit does (one host holds a
 * whole block). IPv6 keys already worked out are remembered (ipKeyGenerator parses the address:
 * a sixth of a request's CPU).
 */
export class ClientAddresses {
  private readonly ipv6Keys = new Map<string, string>();

  key(req: Request): string {
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
}
