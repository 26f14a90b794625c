import { controlCharactersMessage, isCleanText } from '../domain/clean-text.js';
import { startsSale } from '../domain/event-types.js';
import { maskDigits } from '../domain/redaction.js';
import { normalizeBrazilianMobile } from '../domain/phone.js';
import type { StepResults } from '../sales/steps.js';
import type { EventQueries } from '../store/event-reads.js';
import type { Journal } from '../store/journal.js';
import type { Queue } from '../store/queue.js';

export type ResendResult =
  'queued' | 'not_found' | 'not_a_sale' | 'running' | 'not_enrolled' | 'already_sent' | 'bad_phone' | 'bad_characters' | 'data_removed';

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
  bad_characters: { status: 400, message: controlCharactersMessage('O celular') },
};

/** Whether an event's welcome can be sent again with a corrected mobile (it was not sent). */
export function canResendWelcome(eventType: string, steps: ReadonlyMap<string, unknown>): boolean {
  const welcome = steps.get('welcome') as StepResults['welcome'] | undefined;
  return startsSale(eventType) && steps.has('matricula') && welcome?.sent !== true;
}

/**
 * A welcome that could not be sent (no WhatsApp on that number, a number that is not a mobile):
 * support corrects the mobile and the sale runs again from its journal — only the welcome is
 * sent, with the password if it is still sealed (else "Esqueci minha senha"). The correction is
 * recorded in the story (the number masked).
 */
/** What a resend reads and writes: the event, its journal and story, and the requeue that carries the correction. */
export interface ResendStore {
  events: Pick<EventQueries, 'get'>;
  journal: Pick<Journal, 'loadSteps' | 'addHistory'>;
  queue: Pick<Queue, 'requeue'>;
}

export async function resendWelcome(store: ResendStore, eventId: number, phone: string, via: string): Promise<ResendResult> {
  if (!isCleanText(phone)) return 'bad_characters';
  const event = await store.events.get(eventId);
  if (!event) return 'not_found';
  if (!startsSale(event.eventType)) return 'not_a_sale';
  if (event.personalDataRemovedAt !== null) return 'data_removed';
  if (event.status === 'processing') return 'running';
  const steps = await store.journal.loadSteps(eventId);
  if (!steps.has('matricula')) return 'not_enrolled';
  if (!canResendWelcome(event.eventType, steps)) return 'already_sent';
  const mobile = normalizeBrazilianMobile(phone);
  if (!mobile.ok) return 'bad_phone';

  const correction: StepResults['phone_correction'] = { phone: mobile.number };
  // The corrected number and the welcome to redo go in with the requeue, atomically: never into
  // an event whose personal data was removed meanwhile, nor one a worker holds.
  const result = await store.queue.requeue(eventId, ['done', 'failed', 'retrying', 'ignored'], {
    put: { phone_correction: correction },
    remove: ['welcome'],
  });
  if (result === 'not_retryable') return (await store.events.get(eventId))?.personalDataRemovedAt != null ? 'data_removed' : 'already_sent';
  if (result !== 'queued') return result;
  await store.journal.addHistory(eventId, 'manual', `Celular corrigido ${via} (${maskDigits(mobile.number)}): reenviando as boas-vindas.`);
  return 'queued';
}
