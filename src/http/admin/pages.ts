import express, { Router, type Response } from 'express';
import { detail, summarize } from '../../admin/present.js';
import { health, retryEvent, RETRY_MESSAGES } from '../../admin/operations.js';
import type { Html } from './html.js';
import type { AdminDeps } from './api.js';
import { clearSession, hasSession, sameOrigin, setSession, tokenMatches } from './auth.js';
import { eventIdSchema, listQuerySchema } from './query.js';
import { eventPage, listPage, loginPage, messagePage } from './views.js';

const FLASH: Record<string, { text: string; bad?: boolean }> = {
  reprocessando: { text: 'Evento enviado para reprocessamento. Atualize a página para acompanhar.' },
  'em-andamento': { text: RETRY_MESSAGES.running.message, bad: true },
  'nao-reprocessavel': { text: RETRY_MESSAGES.not_retryable.message, bad: true },
};
const FLASH_CODE = { running: 'em-andamento', not_retryable: 'nao-reprocessavel' } as const;

function page(res: Response, body: Html, status = 200): void {
  res.status(status).type('html').setHeader('cache-control', 'no-store').send(body.value);
}

/** The admin page at /admin: sign in with the token, then a session cookie (HttpOnly, SameSite=Strict). */
export function adminPagesRouter({ store, token, onRetry, limiter }: AdminDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  const signedIn: express.RequestHandler = (req, res, next) => {
    if (hasSession(req, token)) return next();
    res.redirect(303, '/admin');
  };

  router.get('/admin', async (req, res) => {
    if (!hasSession(req, token)) return page(res, loginPage());
    const query = listQuerySchema.safeParse(req.query);
    const filter = query.success ? query.data : { limit: 50 };
    const [rows, h] = await Promise.all([store.events.list(filter), health(store)]);
    page(
      res,
      listPage({
        events: rows.map(summarize),
        health: h,
        status: query.success ? query.data.status : undefined,
        q: query.success ? query.data.q : undefined,
        nextBefore: rows.length === filter.limit ? rows.at(-1)!.id : undefined,
        flash: query.success ? undefined : 'Filtro inválido: mostrando todos os eventos.',
      }),
    );
  });

  router.post('/admin/login', limiter, form, (req, res) => {
    if (!tokenMatches(typeof req.body?.token === 'string' ? req.body.token : undefined, token)) {
      return page(res, loginPage('Token inválido. Confira o ADMIN_TOKEN e tente de novo.'), 401);
    }
    setSession(req, res, token);
    res.redirect(303, '/admin');
  });

  router.post('/admin/logout', sameOrigin, (_req, res) => {
    clearSession(res);
    res.redirect(303, '/admin');
  });

  router.get('/admin/events/:id', signedIn, async (req, res) => {
    const id = eventIdSchema.safeParse(req.params.id);
    const event = id.success ? await store.events.get(id.data) : undefined;
    if (!event) return page(res, messagePage('Evento não encontrado', 'Evento não encontrado.'), 404);
    const [steps, history, h] = await Promise.all([store.events.listSteps(event.id), store.events.history(event.id), health(store)]);
    const msg = String(req.query.msg);
    page(res, eventPage(detail(event, steps, history), h, Object.hasOwn(FLASH, msg) ? FLASH[msg] : undefined));
  });

  router.post('/admin/events/:id/retry', signedIn, sameOrigin, async (req, res) => {
    const id = eventIdSchema.safeParse(req.params.id);
    if (!id.success) return page(res, messagePage('Evento não encontrado', 'Evento não encontrado.'), 404);
    const result = await retryEvent(store, id.data, 'pelo painel');
    if (result === 'not_found') return page(res, messagePage('Evento não encontrado', 'Evento não encontrado.'), 404);
    if (result === 'queued') onRetry?.();
    res.redirect(303, `/admin/events/${id.data}?msg=${result === 'queued' ? 'reprocessando' : FLASH_CODE[result]}`);
  });

  return router;
}
