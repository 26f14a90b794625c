import express, { Router } from 'express';
import type { z } from 'zod';
import { eventDetail } from '../../support/event-detail.js';
import { health } from '../../support/health-report.js';
import { withPlanMatch } from '../../plans/plan-overview.js';
import { failuresMatching, resolveEvent, retryEvent, retryFailures, RESOLVE_MESSAGES, RETRY_MESSAGES } from '../../replay/event-replay.js';
import { summarize } from '../../support/present.js';
import { resendWelcome, RESEND_MESSAGES } from '../../support/welcome-resend.js';
import { sameOrigin } from '../auth.js';
import type { AdminDeps } from '../admin-deps.js';
import { bulkRetrySchema, eventIdSchema, listQuerySchema, problemsOf } from '../admin-inputs.js';
import { eventPage } from '../views/event-view.js';
import type { Flash } from '../views/layout.js';
import { messagePage } from '../views/layout.js';
import { bulkRetryPage, listPage } from '../views/list-view.js';
import { field, flashFrom, page } from './respond.js';

const VIA = 'pelo painel';

const EVENT_FLASH: Record<string, (n: number) => Flash> = {
  reprocessando: () => ({ text: 'Evento enviado para reprocessamento. Atualize a página para acompanhar.' }),
  resolvido: () => ({ text: 'Evento marcado como resolvido.' }),
  'boas-vindas': () => ({ text: 'Celular corrigido: as boas-vindas serão reenviadas. Atualize a página para acompanhar.' }),
  'boas-vindas-email': () => ({ text: 'As boas-vindas serão reenviadas por e-mail. Atualize a página para acompanhar.' }),
  'em-andamento': () => ({ text: RETRY_MESSAGES.running.message, bad: true }),
  'nao-reprocessavel': () => ({ text: RETRY_MESSAGES.not_retryable.message, bad: true }),
  'nao-resolvivel': () => ({ text: RESOLVE_MESSAGES.not_resolvable.message, bad: true }),
  'sem-nota': () => ({ text: 'Escreva uma nota dizendo como foi resolvido.', bad: true }),
  'nota-invalida': () => ({ text: RESOLVE_MESSAGES.bad_note.message, bad: true }),
  'celular-invalido': () => ({ text: RESEND_MESSAGES.bad_phone.message, bad: true }),
  'celular-com-controle': () => ({ text: RESEND_MESSAGES.bad_characters.message, bad: true }),
  'email-invalido': () => ({ text: RESEND_MESSAGES.bad_email.message, bad: true }),
  'email-desligado': () => ({ text: RESEND_MESSAGES.email_off.message, bad: true }),
  'sem-matricula': () => ({ text: RESEND_MESSAGES.not_enrolled.message, bad: true }),
  'ja-enviadas': () => ({ text: RESEND_MESSAGES.already_sent.message, bad: true }),
  'dados-apagados': () => ({ text: RESEND_MESSAGES.data_removed.message, bad: true }),
  'acesso-na-fila': () => ({ text: 'Pedido registrado: a ponte aplica a mudança de acesso agora. Atualize a página para acompanhar.' }),
};

/** Why a "Reprocessar todos" was refused: nothing chosen, or what was wrong with the choice. */
function bulkProblem(error: z.ZodError): string {
  return error.issues.every((i) => i.path.length === 0) ? 'Escolha um motivo ou um plano.' : problemsOf(error);
}

const LIST_FLASH: Record<string, (n: number) => Flash> = {
  reprocessados: (n) => ({ text: `${n} evento(s) enviados para reprocessamento.` }),
};

const RESULT_FLASH: Record<string, string> = {
  queued: 'reprocessando',
  welcome_queued: 'boas-vindas',
  welcome_email_queued: 'boas-vindas-email',
  resolved: 'resolvido',
  running: 'em-andamento',
  not_retryable: 'nao-reprocessavel',
  not_resolvable: 'nao-resolvivel',
  no_note: 'sem-nota',
  bad_note: 'nota-invalida',
  bad_phone: 'celular-invalido',
  bad_characters: 'celular-com-controle',
  bad_email: 'email-invalido',
  email_off: 'email-desligado',
  not_enrolled: 'sem-matricula',
  already_sent: 'ja-enviadas',
  not_a_sale: 'ja-enviadas',
  data_removed: 'dados-apagados',
};

const form = express.urlencoded({ extended: false, limit: '4kb' });

/** The events list, an event, and what support does to events from the page. */
export function eventPages(deps: AdminDeps, signedIn: express.RequestHandler): Router {
  const router = Router();
  oneEventRoutes(router, deps, signedIn);
  listRoutes(router, deps, signedIn);
  return router;
}

/** One event: its page, and "Reprocessar", "Marcar como resolvido", "Reenviar boas-vindas". */
function oneEventRoutes(router: Router, { store, catalog, onRetry, emailWelcomes }: AdminDeps, signedIn: express.RequestHandler): void {
  const notFound = (res: express.Response) => page(res, messagePage('Evento não encontrado', 'Evento não encontrado.'), 404);
  const backToEvent = (res: express.Response, id: number, result: string) =>
    res.redirect(303, `/admin/events/${id}?msg=${RESULT_FLASH[result] ?? ''}`);
  /** What support typed cannot be taken (no note, control characters, not a mobile): the page again, 400. */
  const refuse = async (res: express.Response, id: number, result: string) => {
    const event = await eventDetail(store, catalog, id);
    if (!event) return notFound(res);
    page(res, eventPage(event, await health(store), flashFrom({ msg: RESULT_FLASH[result] }, EVENT_FLASH), emailWelcomes), 400);
  };
  const INPUT_PROBLEMS = new Set(['no_note', 'bad_note', 'bad_phone', 'bad_email', 'bad_characters']);

  router.get('/admin/events/:id', signedIn, async (req, res) => {
    const id = eventIdSchema.safeParse(req.params.id);
    const event = id.success ? await eventDetail(store, catalog, id.data) : undefined;
    if (!event) return notFound(res);
    page(res, eventPage(event, await health(store), flashFrom(req.query, EVENT_FLASH), emailWelcomes));
  });

  router.post('/admin/events/:id/retry', signedIn, sameOrigin, async (req, res) => {
    const id = eventIdSchema.safeParse(req.params.id);
    const result = id.success ? await retryEvent(store, id.data, VIA) : 'not_found';
    if (result === 'not_found' || !id.success) return notFound(res);
    if (result === 'queued') onRetry?.();
    backToEvent(res, id.data, result);
  });

  router.post('/admin/events/:id/resolve', signedIn, sameOrigin, form, async (req, res) => {
    const id = eventIdSchema.safeParse(req.params.id);
    const result = id.success ? await resolveEvent(store, id.data, field(req.body, 'note') ?? '', VIA) : 'not_found';
    if (result === 'not_found' || !id.success) return notFound(res);
    if (INPUT_PROBLEMS.has(result)) return refuse(res, id.data, result);
    backToEvent(res, id.data, result);
  });

  router.post('/admin/events/:id/welcome', signedIn, sameOrigin, form, async (req, res) => {
    const id = eventIdSchema.safeParse(req.params.id);
    // The form's channel: WhatsApp with a corrected mobile (`phone`), or e-mail with an address (`email`).
    const email = field(req.body, 'channel') === 'email';
    const request = email
      ? { channel: 'email' as const, contact: (field(req.body, 'email') ?? '').slice(0, 320) }
      : { channel: 'whatsapp' as const, contact: (field(req.body, 'phone') ?? '').slice(0, 40) };
    const result = id.success ? await resendWelcome(store, id.data, request, VIA, { emailEnabled: emailWelcomes === true }) : 'not_found';
    if (result === 'not_found' || !id.success) return notFound(res);
    if (result === 'queued') {
      onRetry?.();
      return backToEvent(res, id.data, email ? 'welcome_email_queued' : 'welcome_queued');
    }
    if (INPUT_PROBLEMS.has(result)) return refuse(res, id.data, result);
    backToEvent(res, id.data, result);
  });
}

/** The list of events (filters, paging) and "Reprocessar todos". */
function listRoutes(router: Router, { store, onRetry }: AdminDeps, signedIn: express.RequestHandler): void {
  /** "Reprocessar todos": the count first, then the confirmation posts. */
  router.get('/admin/retry', signedIn, async (req, res) => {
    const filter = bulkRetrySchema.safeParse({ code: req.query.code, plan: req.query.plan });
    if (!filter.success) return page(res, messagePage('Reprocessar todos', bulkProblem(filter.error)), 400);
    page(res, bulkRetryPage({ ...filter.data, ids: await failuresMatching(store, await withPlanMatch(store, filter.data)) }));
  });

  router.post('/admin/retry', signedIn, sameOrigin, form, async (req, res) => {
    const filter = bulkRetrySchema.safeParse({ code: field(req.body, 'code'), plan: field(req.body, 'plan') });
    if (!filter.success) return page(res, messagePage('Reprocessar todos', bulkProblem(filter.error)), 400);
    const queued = await retryFailures(store, await withPlanMatch(store, filter.data), VIA);
    if (queued > 0) onRetry?.();
    res.redirect(303, `/admin?msg=reprocessados&n=${queued}`);
  });

  router.get('/admin', signedIn, async (req, res) => {
    const query = listQuerySchema.safeParse(req.query);
    const filter = query.success ? query.data : { limit: 50 };
    const [rows, h, causes, notices] = await Promise.all([
      store.events.list(filter),
      health(store),
      store.events.failuresByCause(),
      store.events.noticesByCause(),
    ]);
    const problem = query.success ? undefined : problemsOf(query.error);
    page(
      res,
      listPage({
        events: rows.map(summarize),
        health: h,
        causes,
        notices,
        status: query.success ? query.data.status : undefined,
        cause: query.success ? query.data.cause : undefined,
        q: query.success ? query.data.q : undefined,
        nextBefore: rows.length === filter.limit ? rows.at(-1)!.id : undefined,
        flash:
          problem === undefined
            ? flashFrom(req.query, LIST_FLASH)
            : { text: `Filtro inválido (${problem}): mostrando todos os eventos.`, bad: true },
      }),
      problem === undefined ? 200 : 400,
    );
  });
}
