import { controlCharactersMessage, isCleanText } from '../domain/clean-text.js';
import { normalizeText } from '../domain/text.js';
import type { EventQueries, FailedEvent } from '../store/event-reads.js';
import type { Journal } from '../store/journal.js';
import type { Queue, ResolveResult } from '../store/queue.js';
import type { RequeueResult } from '../store/store.js';
import { supportNote } from '../domain/support-note.js';

/**
 * Running events again and closing them by hand — one piece of code per action, whatever the
 * door (admin page and API, CLI, Discord console, saving a plan, the reconciliation's audit):
 * each records who asked in the event's story.
 */

/** What support's moves on one event write: the queue (retry, resolve) and the event's story. */
export interface EventMoves {
  queue: Pick<Queue, 'requeue' | 'resolve'>;
  journal: Pick<Journal, 'addHistory'>;
}

/** A bulk replay: the failures it picks from, and the moves. */
export interface FailureReplay extends EventMoves {
  events: Pick<EventQueries, 'failedOfCause'>;
}

export const RETRY_MESSAGES: Record<Exclude<RequeueResult, 'queued'>, { status: number; message: string }> = {
  running: { status: 409, message: 'O evento está em processamento agora; aguarde terminar.' },
  not_retryable: { status: 409, message: 'Só eventos com falha, aguardando nova tentativa ou ignorados podem ser reprocessados.' },
  not_found: { status: 404, message: 'Evento não encontrado.' },
};

/** Runs an event again now, resuming its journal, and records who asked. */
export async function retryEvent(store: EventMoves, eventId: number, via: string): Promise<RequeueResult> {
  const result = await store.queue.requeue(eventId);
  if (result === 'queued') await store.journal.addHistory(eventId, 'manual', `Reprocessamento pedido ${via}.`);
  return result;
}

export type { ResolveResult };

export const RESOLVE_MESSAGES: Record<Exclude<ResolveResult, 'resolved'> | 'bad_note', { status: number; message: string }> = {
  bad_note: { status: 400, message: controlCharactersMessage('A nota') },
  running: { status: 409, message: 'O evento está em processamento agora; aguarde terminar.' },
  not_resolvable: {
    status: 409,
    message: 'Só eventos com falha, aguardando nova tentativa ou com boas-vindas não enviadas podem ser marcados como resolvidos.',
  },
  not_found: { status: 404, message: 'Evento não encontrado.' },
};

/**
 * Closes a failure support settled by hand, with a short note saying how: it leaves the failures
 * needing attention, and the note and the time go into its story.
 */
export async function resolveEvent(
  store: EventMoves,
  eventId: number,
  note: string,
  via: string,
): Promise<ResolveResult | 'no_note' | 'bad_note'> {
  const kept = supportNote(note);
  if ('problem' in kept) return kept.problem;
  const { text } = kept;
  const result = await store.queue.resolve(eventId, `Resolvido manualmente: ${text}`);
  if (result === 'resolved') await store.journal.addHistory(eventId, 'resolved', `Marcado como resolvido ${via}: ${text}`);
  return result;
}

/** Which failures a bulk replay takes: those of one cause, or those of one plan (or both). */
export interface FailureFilter {
  code?: string;
  plan?: string;
  /**
   * Whether a failure's sale is of `plan`: the plan map's answer (by Kiwify's ids too: plans/
   * plan-overview.ts `withPlanMatch`). Without it, by the name the sale carried.
   */
  isOfPlan?: (failure: FailedEvent) => boolean;
}

/** The failed events a bulk replay would take (the page shows how many before confirming). */
export async function failuresMatching(store: Pick<FailureReplay, 'events'>, filter: FailureFilter): Promise<number[]> {
  if (filter.plan !== undefined && !isCleanText(filter.plan)) return [];
  const plan = filter.plan ? normalizeText(filter.plan) : undefined;
  const isOfPlan = filter.isOfPlan ?? ((e: FailedEvent) => normalizeText(e.planName ?? '') === plan);
  return (await store.events.failedOfCause(filter.code)).filter((e) => plan === undefined || isOfPlan(e)).map((e) => e.id);
}

/** "Reprocessar todos": every failure of one cause (or plan) runs again; returns how many did. */
export async function retryFailures(store: FailureReplay, filter: FailureFilter, via: string): Promise<number> {
  if (!filter.code && !filter.plan) return 0;
  let queued = 0;
  for (const id of await failuresMatching(store, filter)) {
    if ((await retryEvent(store, id, via)) === 'queued') queued += 1;
  }
  return queued;
}
