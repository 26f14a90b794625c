import express, { Router } from 'express';
import { eventDetail } from '../../support/event-detail.js';
import { summarize } from '../../support/present.js';
import { health } from '../../support/health-report.js';
import { withPlanMatch } from '../../plans/plan-overview.js';
import { resolveEvent, retryEvent, retryFailures, RESOLVE_MESSAGES, RETRY_MESSAGES } from '../../replay/event-replay.js';
import { resendWelcome, RESEND_MESSAGES } from '../../support/welcome-resend.js';
import { sendError } from '../../http/http-errors.js';
import type { AdminDeps } from '../admin-deps.js';
import { ACCESS_MESSAGES, changeAccess, type AccessChange } from '../../support/access-actions.js';
import {
  accessBodySchema,
  bulkRetrySchema,
  eventIdSchema,
  listQuerySchema,
  problemsOf,
  resolveBodySchema,
  welcomeBodySchema,
} from '../admin-inputs.js';

const VIA = 'pela API de administração';

/**
 * /admin/api/events…: list, detail, retry one, retry all of a cause or plan, resolve, resend a
 * welcome, remove or give back a sale's access.
 */
export function eventRoutes({ store, catalog, onRetry, retentionDays, emailWelcomes }: AdminDeps): Router {
  const router = Router();
  const json = express.json({ limit: '16kb' });

  router.get('/events', async (req, res) => {
    const query = listQuerySchema.safeParse(req.query);
    if (!query.success) return sendError(res, 400, problemsOf(query.error));
    const rows = await store.events.list(query.data);
    res.json({ events: rows.map(summarize), nextBefore: rows.length === query.data.limit ? rows.at(-1)!.id : null });
  });

  router.get('/health', async (_req, res) => {
    res.json(await health(store, retentionDays));
  });

  router.post('/events/retry', json, async (req, res) => {
    const filter = bulkRetrySchema.safeParse(req.body);
    if (!filter.success) return sendError(res, 400, problemsOf(filter.error));
    const queued = await retryFailures(store, await withPlanMatch(store, filter.data), VIA);
    if (queued > 0) onRetry?.();
    res.json({ ok: true, queued });
  });

  router.get('/events/:id', async (req, res) => {
    const id = eventIdSchema.safeParse(req.params.id);
    const event = id.success ? await eventDetail(store, catalog, id.data) : undefined;
    if (!event) return sendError(res, 404, 'Evento não encontrado.');
    res.json({ event });
  });

  router.post('/events/:id/retry', async (req, res) => {
    const id = eventIdSchema.safeParse(req.params.id);
    if (!id.success) return sendError(res, 404, 'Evento não encontrado.');
    const result = await retryEvent(store, id.data, VIA);
    if (result !== 'queued') return sendError(res, RETRY_MESSAGES[result].status, RETRY_MESSAGES[result].message);
    onRetry?.();
    res.status(202).json({ ok: true, eventId: String(id.data), status: 'pending' });
  });

  router.post('/events/:id/resolve', json, async (req, res) => {
    const id = eventIdSchema.safeParse(req.params.id);
    if (!id.success) return sendError(res, 404, 'Evento não encontrado.');
    const body = resolveBodySchema.safeParse(req.body);
    if (!body.success) return sendError(res, 400, problemsOf(body.error));
    const result = await resolveEvent(store, id.data, body.data.note, VIA);
    if (result === 'no_note') return sendError(res, 400, 'informe uma nota dizendo como foi resolvido');
    if (result !== 'resolved') return sendError(res, RESOLVE_MESSAGES[result].status, RESOLVE_MESSAGES[result].message);
    res.json({ ok: true, eventId: String(id.data), status: 'resolved' });
  });

  saleRoutes(router, json, { store, onRetry, emailWelcomes });
  return router;
}

/** What support does to one sale's student: resend the welcome, remove or give back the access. */
function saleRoutes(
  router: Router,
  json: express.RequestHandler,
  { store, onRetry, emailWelcomes }: Pick<AdminDeps, 'store' | 'onRetry' | 'emailWelcomes'>,
): void {
  router.post('/events/:id/welcome', json, async (req, res) => {
    const id = eventIdSchema.safeParse(req.params.id);
    if (!id.success) return sendError(res, 404, 'Evento não encontrado.');
    const body = welcomeBodySchema.safeParse(req.body);
    if (!body.success) {
      const email = (req.body as { channel?: unknown } | undefined)?.channel === 'email';
      return sendError(res, 400, RESEND_MESSAGES[email ? 'bad_email' : 'bad_phone'].message);
    }
    const request =
      'email' in body.data
        ? { channel: 'email' as const, contact: body.data.email }
        : { channel: 'whatsapp' as const, contact: body.data.phone };
    const result = await resendWelcome(store, id.data, request, VIA, { emailEnabled: emailWelcomes === true });
    if (result !== 'queued') return sendError(res, RESEND_MESSAGES[result].status, RESEND_MESSAGES[result].message);
    onRetry?.();
    res.status(202).json({ ok: true, eventId: String(id.data), status: 'pending' });
  });

  const accessRoute = (path: string, change: AccessChange) =>
    router.post(`/events/:id/${path}`, json, async (req, res) => {
      const id = eventIdSchema.safeParse(req.params.id);
      if (!id.success) return sendError(res, 404, 'Evento não encontrado.');
      const body = accessBodySchema.safeParse(req.body);
      if (!body.success) return sendError(res, 400, problemsOf(body.error));
      const { result, eventId } = await changeAccess(store, id.data, change, body.data.note, VIA);
      if (result !== 'queued') return sendError(res, ACCESS_MESSAGES[result].status, ACCESS_MESSAGES[result].message);
      onRetry?.();
      res.status(202).json({ ok: true, eventId: String(eventId), status: 'pending' });
    });
  accessRoute('remove-access', 'remove');
  accessRoute('restore-access', 'restore');
}
