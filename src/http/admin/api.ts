import { Router, type RequestHandler } from 'express';
import { detail, summarize } from '../../support/present.js';
import { health, retryEvent, RETRY_MESSAGES } from '../../support/operations.js';
import type { Store } from '../../store/index.js';
import { sendError } from '../errors.js';
import { bearerAuth } from './auth.js';
import { eventIdSchema, listQuerySchema } from './query.js';

export interface AdminDeps {
  store: Store;
  token: string;
  /** Wakes the worker after a retry. */
  onRetry?: () => void;
  /** Counts wrong tokens, shared by the page and the API. */
  limiter: RequestHandler;
}

/** JSON admin API under /admin/api, `Authorization: Bearer <ADMIN_TOKEN>`. */
export function adminApiRouter({ store, token, onRetry, limiter }: AdminDeps): Router {
  const router = Router();
  router.use(limiter);
  router.use(bearerAuth(token));

  router.get('/events', async (req, res) => {
    const query = listQuerySchema.safeParse(req.query);
    if (!query.success) return sendError(res, 400, query.error.issues.map((i) => i.message).join('; '));
    const rows = await store.events.list(query.data);
    const events = rows.map(summarize);
    res.json({ events, nextBefore: rows.length === query.data.limit ? rows.at(-1)!.id : null });
  });

  router.get('/health', async (_req, res) => {
    res.json(await health(store));
  });

  router.get('/events/:id', async (req, res) => {
    const id = eventIdSchema.safeParse(req.params.id);
    const event = id.success ? await store.events.get(id.data) : undefined;
    if (!event) return sendError(res, 404, 'Evento não encontrado.');
    const [steps, history] = await Promise.all([store.journal.listSteps(event.id), store.journal.history(event.id)]);
    res.json({ event: detail(event, steps, history) });
  });

  router.post('/events/:id/retry', async (req, res) => {
    const id = eventIdSchema.safeParse(req.params.id);
    if (!id.success) return sendError(res, 404, 'Evento não encontrado.');
    const result = await retryEvent(store, id.data, 'pela API de administração');
    if (result !== 'queued') return sendError(res, RETRY_MESSAGES[result].status, RETRY_MESSAGES[result].message);
    onRetry?.();
    res.status(202).json({ ok: true, eventId: String(id.data), status: 'pending' });
  });

  router.use((_req, res) => sendError(res, 404, 'Rota não encontrada.'));
  return router;
}
