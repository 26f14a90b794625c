import { Router } from 'express';
import { sendError } from '../../http/http-errors.js';
import { bearerAuth } from '../../http/token-auth.js';
import type { AdminDeps } from '../admin-deps.js';
import { eventRoutes } from './event-routes.js';
import { planRoutes } from './plan-routes.js';
import { privacyRoutes } from './privacy-routes.js';

/** JSON admin API under /admin/api, `Authorization: Bearer <ADMIN_TOKEN>`. Bodies: JSON up to 16 KB. */
export function adminApiRouter(deps: AdminDeps): Router {
  const router = Router();
  router.use(deps.limiter);
  router.use(bearerAuth(deps.token));
  router.use(eventRoutes(deps));
  router.use(planRoutes(deps));
  router.use(privacyRoutes(deps));
  router.use((_req, res) => sendError(res, 404, 'Rota não encontrada.'));
  return router;
}
