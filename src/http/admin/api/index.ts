import { Router } from 'express';
import { sendError } from '../../errors.js';
import { bearerAuth } from '../auth.js';
import type { AdminDeps } from '../deps.js';
import { eventRoutes } from './events.js';
import { planRoutes } from './plans.js';
import { privacyRoutes } from './privacy.js';

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
