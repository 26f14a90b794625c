import { Router } from 'express';
import type { Store } from '../store/index.js';
import { sendError } from './errors.js';

export interface SecureDeps {
  store: Store;
  version: string;
  startedAt: number;
}

/**
 * Liveness for uptime monitors and developers: answers from the local inbox only, never from an
 * external service, so it is cheap to hit every minute.
 */
export function secureRouter({ store, version, startedAt }: SecureDeps): Router {
  const router = Router();
  router.get('/secure', async (req, res) => {
    try {
      const counts = await store.events.countByStatus();
      res.json({
        status: 'ok',
        service: 'kiwify-ead-bridge',
        version,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        store: store.dialect,
        events: {
          pending: counts.pending + counts.retrying,
          processing: counts.processing,
          failed: counts.failed,
        },
      });
    } catch (err) {
      req.log.error({ err }, 'banco de dados indisponível no /secure');
      sendError(res, 503, 'Banco de dados indisponível.');
    }
  });
  return router;
}
