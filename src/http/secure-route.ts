import { Router } from 'express';
import type { Store } from '../store/store.js';
import type { Clock } from '../timing/clock.js';
import { sendError } from './http-errors.js';

export interface SecureDeps {
  store: Pick<Store, 'ping' | 'dialect'>;
  version: string;
  startedAt: number;
  clock: Clock;
}

/**
 * Liveness for uptime monitors and developers: public, so it says only that the server is up and
 * its database answers (one trivial query, never an external service, whatever the history
 * size). Counts are the school's business: /admin/api/health.
 */
export function secureRouter({ store, version, startedAt, clock }: SecureDeps): Router {
  const router = Router();
  router.get('/secure', async (req, res) => {
    try {
      await store.ping();
      res.json({
        status: 'ok',
        service: 'kiwify-ead-bridge',
        version,
        uptimeSeconds: Math.round((clock() - startedAt) / 1000),
        store: store.dialect,
      });
    } catch (err) {
      req.log.error({ err }, 'banco de dados indisponível no /secure');
      sendError(res, 503, 'Banco de dados indisponível.');
    }
  });
  return router;
}
