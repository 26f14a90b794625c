import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies } from 'cookie';
import type { Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { sendError } from '../errors.js';

export const SESSION_COOKIE = 'bridge_admin';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Constant-time comparison of a presented token with the configured one (any lengths). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function signature(token: string, expiresAt: number): string {
  return createHmac('sha256', token).update(`admin-session:${expiresAt}`).digest('hex');
}

/** A stateless session: expiry + HMAC under the admin token (changing the token signs everyone out). */
export function issueSession(token: string, now = Date.now()): string {
  const expiresAt = now + SESSION_TTL_MS;
  return `${expiresAt}.${signature(token, expiresAt)}`;
}

export function sessionValid(value: string | undefined, token: string, now = Date.now()): boolean {
  const match = /^(\d{13})\.([0-9a-f]{64})$/.exec(value ?? '');
  if (!match) return false;
  const expiresAt = Number(match[1]);
  if (expiresAt < now) return false;
  return timingSafeEqual(Buffer.from(match[2]!, 'hex'), Buffer.from(signature(token, expiresAt), 'hex'));
}

export function hasSession(req: Request, token: string): boolean {
  const cookies = parseCookies(req.headers.cookie ?? '');
  return sessionValid(cookies[SESSION_COOKIE], token);
}

export function setSession(req: Request, res: Response, token: string): void {
  res.cookie(SESSION_COOKIE, issueSession(token), {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.secure,
    path: '/admin',
    maxAge: SESSION_TTL_MS,
  });
}

export function clearSession(res: Response): void {
  res.clearCookie(SESSION_COOKIE, { path: '/admin', httpOnly: true, sameSite: 'strict' });
}

/** `Authorization: Bearer <ADMIN_TOKEN>` for the JSON API. */
export function bearerAuth(token: string): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const given = /^Bearer (.+)$/i.exec(header)?.[1];
    if (!tokenMatches(given, token)) return sendError(res, 401, 'Token de administração ausente ou inválido.');
    next();
  };
}

/** Wrong tokens are rate limited per client address: only answers 401 count. */
export function failedAuthLimiter(onLimited: RequestHandler): RequestHandler {
  return rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: 10,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => res.statusCode !== 401,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: onLimited,
  });
}

/** Refuses a state-changing form post coming from another site (defence in depth over SameSite). */
export const sameOrigin: RequestHandler = (req, res, next) => {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return sendError(res, 403, 'Origem não permitida.');
  const origin = req.headers.origin;
  if (origin) {
    try {
      if (new URL(origin).host !== req.headers.host) return sendError(res, 403, 'Origem não permitida.');
    } catch {
      return sendError(res, 403, 'Origem não permitida.');
    }
  }
  next();
};
