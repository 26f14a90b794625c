import { createHmac, randomBytes } from 'node:crypto';
import { parse as parseCookies } from 'cookie';
import type { Request, RequestHandler, Response } from 'express';
import type { SessionStore } from './session-store.js';
import { sendError } from '../http/http-errors.js';

export const SESSION_COOKIE = 'bridge_admin';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * Sessions of the admin page. The cookie is 32 random bytes; the database keeps only its HMAC
 * under the admin token, so a copied database opens nothing and changing ADMIN_TOKEN signs
 * everyone out. "Sair" deletes the session: the same cookie is refused from then on.
 */
export class AdminSessions {
  constructor(
    private readonly store: SessionStore,
    private readonly token: string,
  ) {}

  private hash(cookie: string): string {
    return createHmac('sha256', this.token).update(`admin-session:${cookie}`).digest('hex');
  }

  private cookieOf(req: Request): string | undefined {
    const value = parseCookies(req.headers.cookie ?? '')[SESSION_COOKIE];
    return value && /^[\w-]{43}$/.test(value) ? value : undefined;
  }

  async start(req: Request, res: Response): Promise<void> {
    const cookie = randomBytes(32).toString('base64url');
    await this.store.create(this.hash(cookie), SESSION_TTL_MS);
    res.cookie(SESSION_COOKIE, cookie, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/admin', maxAge: SESSION_TTL_MS });
  }

  async valid(req: Request): Promise<boolean> {
    const cookie = this.cookieOf(req);
    return cookie !== undefined && (await this.store.isValid(this.hash(cookie)));
  }

  /** Ends this browser's session (or, with `everywhere`, every session) and clears the cookie. */
  async end(req: Request, res: Response, everywhere = false): Promise<void> {
    const cookie = this.cookieOf(req);
    if (everywhere) await this.store.endAll();
    else if (cookie) await this.store.end(this.hash(cookie));
    res.clearCookie(SESSION_COOKIE, { path: '/admin', httpOnly: true, sameSite: 'strict' });
  }
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
