import express, { Router, type Response } from 'express';
import { detail, summarize } from '../../support/present.js';
import { health, retryEvent, RETRY_MESSAGES } from '../../support/operations.js';
import type { Html } from './html.js';
import type { AdminDeps } from './api.js';
import { formToken, SESSION_COOKIE, sameOrigin, tokenMatches, type AdminSessions } from './auth.js';
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
export function adminPagesRouter({ store, token, onRetry, limiter, sessions }: AdminDeps & { sessions: AdminSessions }): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  /** No session, or one that ended ("Sair", expired, ADMIN_TOKEN changed): 401 and the login form. */
  const signInAgain = (req: express.Request, res: Response) =>
    page(res, loginPage(req.headers.cookie?.includes(`${SESSION_COOKIE}=`) ? 'Sua sessão terminou. Entre de novo.' : undefined), 401);
  const signedIn: express.RequestHandler = async (req, res, next) => {
    if (await sessions.valid(req)) return next();
    signInAgain(req, res);
  };

  router.get('/admin', async (req, res) => {
    if (!(await sessions.valid(req))) return req.headers.cookie ? signInAgain(req, res) : page(res, loginPage());
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

  // The form is read first: the limiter lets the right token through even from a limited address.
  router.post('/admin/login', form, limiter, async (req, res) => {
    if (!tokenMatches(formToken(req), token)) {
      return page(res, loginPage('Token inválido. Confira o ADMIN_TOKEN e tente de novo.'), 401);
    }
    await sessions.start(req, res);
    res.redirect(303, '/admin');
  });

  router.post('/admin/logout', sameOrigin, async (req, res) => {
    await sessions.end(req, res);
    res.redirect(303, '/admin');
  });

  router.post('/admin/logout-all', signedIn, sameOrigin, async (req, res) => {
    await sessions.end(req, res, true);
    res.redirect(303, '/admin');
  });

  router.get('/admin/events/:id', signedIn, async (req, res) => {
    const id = eventIdSchema.safeParse(req.params.id);
    const event = id.success ? await store.events.get(id.data) : undefined;
    if (!event) return page(res, messagePage('Evento não encontrado', 'Evento não encontrado.'), 404);
    const [steps, history, h] = await Promise.all([store.journal.listSteps(event.id), store.journal.history(event.id), health(store)]);
    const msg = typeof req.query.msg === 'string' ? req.query.msg : '';
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
