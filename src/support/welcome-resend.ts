import { controlCharactersMessage, isCleanText } from '../domain/clean-text.js';
import { isEmailAddress } from '../domain/email-address.js';
import { startsSale } from '../domain/event-types.js';
import { maskDigits, maskEmail } from '../domain/redaction.js';
import { normalizeBrazilianMobile } from '../domain/phone.js';
import { WELCOME_STEP, welcomeDelivered, type StepResults, type WelcomeChannel } from '../sales/steps.js';
import type { EventQueries } from '../store/event-reads.js';
import type { Journal } from '../store/journal.js';
import type { Queue } from '../store/queue.js';

export type ResendResult =
  | 'queued'
  | 'not_found'
  | 'not_a_sale'
  | 'running'
  | 'not_enrolled'
  | 'already_sent'
  | 'bad_phone'
  | 'bad_email'
  | 'email_off'
  | 'bad_characters'
  | 'data_removed';

export const RESEND_MESSAGES: Record<Exclude<ResendResult, 'queued'>, { status: number; message: string }> = {
  not_found: { status: 404, message: 'Evento não encontrado.' },
  not_a_sale: { status: 409, message: 'Só vendas aprovadas têm boas-vindas.' },
  running: { status: 409, message: 'O evento está em processamento agora; aguarde terminar.' },
  not_enrolled: { status: 409, message: 'O aluno ainda não foi matriculado nesta venda: reprocesse o evento antes.' },
  already_sent: { status: 409, message: 'As boas-vindas desta venda já foram enviadas.' },
  data_removed: {
    status: 409,
    message: 'Os dados pessoais desta venda já foram apagados (LGPD): não há como reenviar as boas-vindas por aqui.',
  },
  bad_phone: {
    status: 400,
    message: 'Celular inválido: use um celular brasileiro com DDD, ex.: (61) 99999-8888.',
  },
  bad_email: { status: 400, message: 'E-mail inválido: use um endereço só, ex.: aluna@exemplo.com.' },
  email_off: {
    status: 409,
    message:
      'O envio por e-mail não está configurado nesta ponte: um desenvolvedor deve definir o servidor de e-mail (veja "Boas-vindas por e-mail" no README).',
  },
  bad_characters: { status: 400, message: controlCharactersMessage('O contato') },
};

/** Whether an event's welcome can be sent again (a sale enrolled whose welcome reached the student by no channel). */
export function canResendWelcome(eventType: string, steps: ReadonlyMap<string, unknown>): boolean {
  return startsSale(eventType) && steps.has('matricula') && welcomeDelivered(steps).length === 0;
}

/** What support asks for: the welcome by WhatsApp to a (corrected) mobile, or by e-mail to a (corrected) address. */
export interface ResendRequest {
  channel: WelcomeChannel;
  /** The mobile (WhatsApp) or the address (e-mail). */
  contact: string;
}

/** What a resend reads and writes: the event, its journal and story, and the requeue that carries the correction. */
export interface ResendStore {
  events: Pick<EventQueries, 'get'>;
  journal: Pick<Journal, 'loadSteps' | 'addHistory'>;
  queue: Pick<Queue, 'requeue'>;
}

export interface ResendOptions {
  /** An SMTP server is configured: the welcome may go by e-mail. */
  emailEnabled: boolean;
}

/** The correction to journal and how the story tells it, or why the contact cannot be taken. */
function correctionOf(
  request: ResendRequest,
  via: string,
  options: ResendOptions,
): { put: Partial<StepResults>; said: string } | Exclude<ResendResult, 'queued'> {
  const contact = request.contact.trim();
  if (request.channel === 'email') {
    if (!options.emailEnabled) return 'email_off';
    if (!isEmailAddress(contact)) return 'bad_email';
    return {
      put: { email_correction: { email: contact } },
      said: `E-mail informado ${via} (${maskEmail(contact)}): reenviando as boas-vindas por e-mail.`,
    };
  }
  const mobile = normalizeBrazilianMobile(contact);
  if (!mobile.ok) return 'bad_phone';
  return {
    put: { phone_correction: { phone: mobile.number } },
    said: `Celular corrigido ${via} (${maskDigits(mobile.number)}): reenviando as boas-vindas.`,
  };
}

/**
 * A welcome that reached the student by no channel (no WhatsApp on that number, an address the
 * server refused, a number that is not a mobile): support gives a corrected mobile (WhatsApp) or
 * address (e-mail) and the sale runs again from its journal — only that channel's welcome is
 * sent, with the password if it is still sealed (else "Esqueci minha senha"). The correction is
 * recorded in the story (masked).
 */
export async function resendWelcome(
  store: ResendStore,
  eventId: number,
  request: ResendRequest,
  via: string,
  options: ResendOptions,
): Promise<ResendResult> {
  if (!isCleanText(request.contact)) return 'bad_characters';
  const event = await store.events.get(eventId);
  if (!event) return 'not_found';
  if (!startsSale(event.eventType)) return 'not_a_sale';
  if (event.personalDataRemovedAt !== null) return 'data_removed';
  if (event.status === 'processing') return 'running';
  const steps = await store.journal.loadSteps(eventId);
  if (!steps.has('matricula')) return 'not_enrolled';
  if (!canResendWelcome(event.eventType, steps)) return 'already_sent';
  const correction = correctionOf(request, via, options);
  if (typeof correction === 'string') return correction;

  // The correction and the channel's welcome to redo go in with the requeue, atomically: never
  // into an event whose personal data was removed meanwhile, nor one a worker holds.
  const redo = request.channel === 'email' ? [WELCOME_STEP.email] : [WELCOME_STEP.whatsapp, 'welcome', 'whatsapp_failures'];
  const result = await store.queue.requeue(eventId, ['done', 'failed', 'retrying', 'ignored'], { put: correction.put, remove: redo });
  if (result === 'not_retryable') return (await store.events.get(eventId))?.personalDataRemovedAt != null ? 'data_removed' : 'already_sent';
  if (result !== 'queued') return result;
  await store.journal.addHistory(eventId, 'manual', correction.said);
  return 'queued';
}
