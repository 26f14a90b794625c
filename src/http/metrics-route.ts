import { Router } from 'express';
import type { Metrics } from '../metrics/metrics-registry.js';
import { bearerToken, failedAuthLimiter, tokenMatches } from './token-auth.js';
import { sendError } from './http-errors.js';

export interface MetricsRouteDeps {
  metrics: Metrics;
  /** METRICS_TOKEN, else ADMIN_TOKEN: Prometheus sends it as `Authorization: Bearer …`. */
  token: string;
}

/**
 * GET /metrics: Prometheus text for a scraper holding the token (compared in constant time).
 * A missing or wrong token gets 401 and no metric; repeated wrong tokens from one address get
 * 429 (the token may be the admin one), the right one never does.
 */
export function metricsRouter({ metrics, token }: MetricsRouteDeps): Router {
  const router = Router();
  const limiter = failedAuthLimiter(token, (_req, res) =>
    sendError(res, 429, 'Muitas tentativas com token errado. Aguarde alguns minutos e tente de novo.'),
  );
  router.get('/metrics', limiter, async (req, res) => {
    if (!tokenMatches(bearerToken(req), token)) return sendError(res, 401, 'Token de métricas ausente ou inválido.');
    try {
      const { contentType, text } = await metrics.render();
      res.set('cache-control', 'no-store').type(contentType).send(text);
    } catch (err) {
      req.log.error({ err }, 'não foi possível gerar as métricas');
      sendError(res, 503, 'Métricas indisponíveis agora.');
    }
  });
  return router;
}
