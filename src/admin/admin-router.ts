import { Router } from 'express';
import type { AdminDeps } from './admin-deps.js';
import { sendError } from '../http/http-errors.js';
import { adminApiRouter } from './api/api-router.js';
import { AdminSessions } from './auth.js';
import { failedAuthLimiter } from '../http/token-auth.js';
import { adminPagesRouter } from './pages/pages-router.js';
import { loginPage } from './views/layout.js';

/** Pages without scripts or frames: the browser is told to allow nothing else. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/** /admin (page) and /admin/api (JSON), sharing one limit on wrong tokens. */
export function adminRouter(deps: Omit<AdminDeps, 'limiter'>): Router {
  const limiter = failedAuthLimiter(deps.token, (req, res) => {
    const message = 'Muitas tentativas com token errado. Aguarde alguns minutos e tente de novo.';
    if (req.originalUrl.startsWith('/admin/api')) return sendError(res, 429, message);
    res.status(429).type('html').send(loginPage(message).value);
  });
  const router = Router();
  router.use('/admin', (_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  router.use('/admin/api', adminApiRouter({ ...deps, limiter }));
  router.use(adminPagesRouter({ ...deps, limiter, sessions: new AdminSessions(deps.store.sessions, deps.token) }));
  return router;
}
