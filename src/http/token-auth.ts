import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { BoundedCounts } from './bounded-counts.js';
import { clientKey } from './client-address.js';
import { sendError } from './http-errors.js';

/**
 * Tokens presented to the server (the admin token, the metrics token): compared in constant
 * time, read from a bearer header or a login form, and guessing them rate limited.
 */

/** Constant-time comparison of a presented token with the configured one (any lengths). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of `Authorization: Bearer <token>`, if any. */
export function bearerToken(req: Request): string | undefined {
  return /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
}

/** The `token` field of a posted login form, if any. */
export function formToken(req: Request): string | undefined {
  const body: unknown = req.body;
  const token = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).token : undefined;
  return typeof token === 'string' ? token : undefined;
}

/** `Authorization: Bearer <ADMIN_TOKEN>` for the JSON API. */
export function bearerAuth(token: string): RequestHandler {
  return (req, res, next) => {
    if (!tokenMatches(bearerToken(req), token)) return sendError(res, 401, 'Token de administração ausente ou inválido.');
    next();
  };
}

/**
 * Wrong tokens are rate limited per client address (only answers 401 count; at most
 * MAX_COUNTED_KEYS addresses remembered, see BoundedCounts). A request that
 * presents the right token — as a bearer or in the login form — is never held back by it, so
 * whoever shares an address with a guesser cannot lock support out.
 */
export function failedAuthLimiter(token: string, onLimited: RequestHandler): RequestHandler {
  return rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: 10,
    skip: (req) => tokenMatches(bearerToken(req) ?? formToken(req), token),
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => res.statusCode !== 401,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // The client address comes from TRUST_PROXY; a forwarded header we do not trust is ignored.
    // Keyed as every per-address limit is (IPv6 per /56), in a store of bounded size.
    keyGenerator: clientKey,
    store: new BoundedCounts(),
    validate: { xForwardedForHeader: false, keyGeneratorIpFallback: false },
    handler: onLimited,
  });
}
