import express, { Router } from 'express';
import { eventDetail } from '../../support/event-detail.js';
import { ACCESS_MESSAGES, changeAccess, type AccessChange } from '../../support/access-actions.js';
import { sameOrigin } from '../auth.js';
import type { AdminDeps } from '../admin-deps.js';
import { eventIdSchema } from '../admin-inputs.js';
import { accessChangePage } from '../views/access-view.js';
import { messagePage } from '../views/layout.js';
import { field, page } from './respond.js';

const VIA = 'pelo painel';
const form = express.urlencoded({ extended: false, limit: '4kb' });
const CHANGES: readonly AccessChange[] = ['remove', 'restore'];

/**
 * "Remover acesso" and "Devolver acesso" of an event's sale: a confirmation page with what will
 * happen and a note (GET), then the change queued (POST) — the new event's page follows it.
 */
export function accessPages({ store, catalog, onRetry }: AdminDeps, signedIn: express.RequestHandler): Router {
  const router = Router();
  const notFound = (res: express.Response) => page(res, messagePage('Evento não encontrado', 'Evento não encontrado.'), 404);
  const target = (req: express.Request) => {
    const id = eventIdSchema.safeParse(req.params.id);
    const change = CHANGES.find((c) => c === req.params.change);
    return id.success && change ? { id: id.data, change } : undefined;
  };

  router.get('/admin/events/:id/access/:change', signedIn, async (req, res) => {
    const t = target(req);
    const event = t && (await eventDetail(store, catalog, t.id));
    if (!t || !event) return notFound(res);
    if (!event.actions.changeAccess) return page(res, messagePage('Acesso da venda', ACCESS_MESSAGES.not_a_sale.message), 409);
    page(res, accessChangePage(event, t.change));
  });

  router.post('/admin/events/:id/access/:change', signedIn, sameOrigin, form, async (req, res) => {
    const t = target(req);
    if (!t) return notFound(res);
    const { result, eventId } = await changeAccess(store, t.id, t.change, (field(req.body, 'note') ?? '').slice(0, 4000), VIA);
    if (result === 'queued') {
      onRetry?.();
      return res.redirect(303, `/admin/events/${eventId}?msg=acesso-na-fila`);
    }
    if (result === 'not_found') return notFound(res);
    const event = await eventDetail(store, catalog, t.id);
    if (!event) return notFound(res);
    const status = ACCESS_MESSAGES[result].status;
    if (result === 'already_asked' || !event.actions.changeAccess) {
      return page(res, messagePage('Acesso da venda', ACCESS_MESSAGES[result].message), status);
    }
    page(res, accessChangePage(event, t.change, { text: ACCESS_MESSAGES[result].message, bad: true }), status);
  });

  return router;
}
