import type { Request } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';

const IPV4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i;
/** IPv6 keys remembered at most (a new address costs one parse; the map never grows past this). */
const MAX_REMEMBERED = 10_000;
/** IPv6 addresses already worked out, shared by every per-address limit of the process. */
const ipv6Keys = new Map<string, string>();

/**
 * The key of a client address for the per-address limits (connections, bodies arriving,
 * wrong signatures): IPv4 (also as IPv4-mapped IPv6, "::ffff:1.2.3.4") as is; IPv6 per /56, as
 * express-rate-limit does (one host holds a whole block: a key per full address would let it
 * open as many as it likes). IPv6 keys already worked out are remembered, in one bounded map
 * for the whole process (ipKeyGenerator parses the address: a sixth of a request's CPU).
 */
export function addressKey(ip: string): string {
  const v4 = IPV4.exec(ip);
  if (v4) return v4[1];
  let key = ipv6Keys.get(ip);
  if (key === undefined) {
    if (ipv6Keys.size >= MAX_REMEMBERED) ipv6Keys.clear();
    key = ip.includes(':') ? ipKeyGenerator(ip) : ip;
    ipv6Keys.set(ip, key);
  }
  return key;
}

/**
 * Who a request comes from: `req.ip` — the socket's address, or, behind a trusted proxy
 * (TRUST_PROXY; Render's one hop), the address that proxy saw (the `X-Forwarded-For` entry it
 * appended, which a client cannot forge) — as `addressKey` keys it.
 */
export function clientKey(req: Request): string {
  return addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}
