import express, { Router, type ErrorRequestHandler, type Response } from 'express';
import type { AdminDeps } from '../admin-deps.js';
import { SESSION_COOKIE, sameOrigin, type AdminSessions } from '../auth.js';
import { formToken, tokenMatches } from '../../http/token-auth.js';
import { errorPage, loginPage, notFoundPage } from '../views/layout.js';
import { accessPages } from './access-pages.js';
import { eventPages } from './event-pages.js';
import { planPages } from './plan-pages.js';
import { privacyPages } from './privacy-pages.js';
import { page } from './respond.js';

/** The admin page at /admin: sign in with the token, then a session cookie (HttpOnly, SameSite=Strict). */
export function adminPagesRouter(deps: AdminDeps & { sessions: AdminSessions }): Router {
  const { token, limiter, sessions } = deps;
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  /** No session, or one that ended ("Sair", expired, ADMIN_TOKEN changed): 401 and the login form. */
  const signInAgain = (req: express.Request, res: Response) =>
    page(res, loginPage(req.headers.cookie?.includes(`${SESSION_COOKIE}=`) ? 'Sua sessão terminou. Entre de novo.' : undefined), 401);
  const signedIn: express.RequestHandler = async (req, res, next) => {
    if (await sessions.valid(req)) return next();
    signInAgain(req, res);
  };

  // The first visit (no cookie at all) simply shows the login form.
  router.get('/admin', async (req, res, next) => {
    if (!req.headers.cookie && !(await sessions.valid(req))) return page(res, loginPage());
    next();
  });

  // The form is read first: the limiter lets the right token through even from a limited address.
  router.post('/admin/login', form, limiter, async (req, res) => {
    if (!tokenMatches(formToken(req), token)) {
      return page(res, loginPage('Token inválido. Confira o token e tente de novo.'), 401);
    }
    await sessions.start(req, res);
    res.redirect(303, '/admin');
  });

  router.post('/admin/logout', sameOrigin, async (req, res) => {
    await sessions.end(req, res);
    res.redirect(303, '/admin');
  });

  router.post('/admin/logout-all', signedIn, sameOrigin, async (req, res) => {
    await sessions.end(req, res, true);
    res.redirect(303, '/admin');
  });

  router.use(eventPages(deps, signedIn));
  router.use(accessPages(deps, signedIn));
  router.use(planPages(deps, signedIn));
  router.use(privacyPages(deps, signedIn));
  // Anything else under /admin is a page nobody has: an HTML 404 (the JSON API answers its own),
  // the same for anyone — no session is looked up for it.
  router.use('/admin', (_req, res) => page(res, notFoundPage(), 404));
  router.use(pageErrors);
  return router;
}

/** A page that failed (a form too large, a bug): an HTML page in the panel's words, logged. */
const pageErrors: ErrorRequestHandler = (err, req, res, next) => {
  if (res.headersSent) return next(err);
  const status = Number((err as { status?: number }).status);
  const known = status >= 400 && status < 500 ? status : 500;
  if (known >= 500) req.log?.error({ err }, 'erro ao montar página do painel');
  page(res, errorPage(known), known);
};
