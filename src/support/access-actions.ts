import { randomUUID } from 'node:crypto';
import { controlCharactersMessage } from '../domain/clean-text.js';
import {
  ACCESS_REMOVED_BY_SUPPORT,
  ACCESS_RESTORED_BY_SUPPORT,
  eventLabel,
  saleRoleOf,
  SUBSCRIPTION_CANCELED,
} from '../domain/event-types.js';
import { OPEN_STATUSES, type InboxEvent } from '../domain/inbox-event.js';
import { saleKeyOf } from '../sales/sale-rules.js';
import type { EventQueries } from '../store/event-reads.js';
import type { Inbox } from '../store/inbox.js';
import type { Journal } from '../store/journal.js';
import { supportNote } from '../domain/support-note.js';

/**
 * Support's hands on a sale's access ("Remover acesso", "Devolver acesso"): after a chargeback
 * dispute the school won (Kiwify sends no event for that), a student who asked to leave. Whatever
 * the door (the event's page, the admin API, the CLI, Discord), the change is an event of the
 * bridge's own queued for the customer — `access_removed_by_support` runs the refund rule (only
 * this sale's courses; the account deleted only when nothing else of the student's is left, under
 * REVOKE_MODE=delete), `access_restored_by_support` runs the approval's steps (the student found
 * by CPF, the account created again only if it was deleted, which the outcome says) — so the
 * worker runs it with the journal and retries like any event. Who asked, when and the note go in
 * the story of both events.
 */

export type AccessChange = 'remove' | 'restore';

export const ACCESS_CHANGE_TYPES: Record<AccessChange, string> = {
  remove: ACCESS_REMOVED_BY_SUPPORT,
  restore: ACCESS_RESTORED_BY_SUPPORT,
};

/** What each change is called where support reads it. */
export const ACCESS_CHANGE_WORDS: Record<AccessChange, { button: string; doing: string; done: string }> = {
  remove: { button: 'Remover acesso', doing: 'Remoção do acesso', done: 'acesso sendo removido' },
  restore: { button: 'Devolver acesso', doing: 'Devolução do acesso', done: 'acesso sendo devolvido' },
};

export type AccessChangeResult = 'queued' | 'not_found' | 'not_a_sale' | 'data_removed' | 'already_asked' | 'no_note' | 'bad_note';

export const ACCESS_MESSAGES: Record<Exclude<AccessChangeResult, 'queued'>, { status: number; message: string }> = {
  not_found: { status: 404, message: 'Evento não encontrado.' },
  not_a_sale: {
    status: 409,
    message:
      'Este evento não é de uma venda (aprovação, renovação, teste grátis, reembolso ou cancelamento): não há acesso a remover ou devolver.',
  },
  data_removed: {
    status: 409,
    message: 'Os dados pessoais desta venda já foram apagados (LGPD): sem o CPF não há como achar o aluno. Altere o acesso direto no EAD.',
  },
  already_asked: {
    status: 409,
    message: 'Já há uma remoção ou devolução de acesso desta venda na fila: aguarde ela terminar (veja o evento dela).',
  },
  no_note: { status: 400, message: 'Escreva uma nota dizendo por que (ex.: disputa do chargeback ganha pela escola).' },
  bad_note: { status: 400, message: controlCharactersMessage('A nota') },
};

/** Whether support may remove or give back the access of this event's sale (the page shows the buttons). */
export function canChangeAccess(e: InboxEvent): boolean {
  const role = saleRoleOf(e.eventType);
  const ofASale = role !== 'other' || e.eventType === SUBSCRIPTION_CANCELED;
  return ofASale && saleKeyOf(e) !== undefined && e.personalDataRemovedAt === null;
}

/** What a change reads and writes: the event and its order, its sale's events, the inbox, the stories. */
export interface AccessChangeStore {
  events: Pick<EventQueries, 'getWithBody' | 'saleEvents'>;
  inbox: Pick<Inbox, 'insert'>;
  journal: Pick<Journal, 'addHistory'>;
}

/**
 * Queues the removal or the restoration of the access of event `eventId`'s sale, with a note
 * saying why; `via` says who ("pelo painel", "pelo Discord (@ana, 123)"). Returns the new
 * event's id (or the one already queued, for `already_asked`).
 */
export async function changeAccess(
  store: AccessChangeStore,
  eventId: number,
  change: AccessChange,
  note: string,
  via: string,
): Promise<{ result: AccessChangeResult; eventId?: number }> {
  const kept = supportNote(note);
  if ('problem' in kept) return { result: kept.problem };
  const { text } = kept;
  const stored = await store.events.getWithBody(eventId);
  if (!stored) return { result: 'not_found' };
  const { event: source, bodyText } = stored;
  if (source.personalDataRemovedAt !== null) return { result: 'data_removed' };
  const key = saleKeyOf(source);
  if (!canChangeAccess(source) || key === undefined) return { result: 'not_a_sale' };
  const supportTypes = Object.values(ACCESS_CHANGE_TYPES);
  const open = (await store.events.saleEvents([source.customerKey], [key])).find(
    (e) => supportTypes.includes(e.eventType) && OPEN_STATUSES.includes(e.status),
  );
  if (open) return { result: 'already_asked', eventId: open.id };

  const eventType = ACCESS_CHANGE_TYPES[change];
  const { id } = await store.inbox.insert({
    eventType,
    dedupeKey: `${eventType}:${source.id}:${randomUUID()}`,
    customerKey: source.customerKey,
    orderId: source.orderId,
    orderRef: source.orderRef,
    subscriptionId: source.subscriptionId,
    planName: source.planName,
    customerName: source.customerName,
    customerEmail: source.customerEmail,
    body: JSON.parse(bodyText) as Record<string, unknown>,
    bodyText,
    parentId: source.id,
  });
  const words = ACCESS_CHANGE_WORDS[change];
  await store.journal.addHistory(id, 'manual', `${words.doing} pedida ${via} a partir do evento #${source.id}: ${text}`);
  await store.journal.addHistory(
    source.id,
    'manual',
    `${words.doing} desta venda pedida ${via} (evento #${id}, ${eventLabel(eventType)}): ${text}`,
  );
  return { result: 'queued', eventId: id };
}
