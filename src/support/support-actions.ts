import { controlCharactersMessage, isCleanText } from '../domain/clean-text.js';
import { normalizeText } from '../domain/text.js';
import type { AlertStore } from '../alerts/alert-store.js';
import type { EventStatus } from '../domain/inbox-event.js';
import type { CheckStore } from '../health/check-store.js';
import { RETENTION_JOB, type PrivacyStore } from '../privacy/privacy-store.js';
import type { ReconciliationStore } from '../reconciliation/checkpoint-store.js';
import type { EventQueries } from '../store/event-reads.js';
import type { Journal } from '../store/journal.js';
import type { Queue, ResolveResult } from '../store/queue.js';
import type { RequeueResult } from '../store/store.js';

/** What support's summary of the bridge reads (the admin page's banners, /ponte status, the health API). */
export interface HealthReads {
  events: Pick<EventQueries, 'countByStatus' | 'oldestDueWaitMs'>;
  alerts: Pick<AlertStore, 'countByStatus' | 'channels'>;
  checks: Pick<CheckStore, 'all'>;
  reconciliation: Pick<ReconciliationStore, 'state'>;
  privacy: Pick<PrivacyStore, 'lastRun'>;
}

/** What support's moves on one event write: the queue (retry, resolve) and the event's story. */
export interface EventMoves {
  queue: Pick<Queue, 'requeue' | 'resolve'>;
  journal: Pick<Journal, 'addHistory'>;
}

/** A bulk replay: the failures it picks from, and the moves. */
export interface FailureReplay extends EventMoves {
  events: Pick<EventQueries, 'failedOfCause'>;
}

export interface Health {
  counts: Record<EventStatus, number>;
  /** How long the oldest due event has waited to be picked up (ms). */
  oldestDueWaitMs: number;
  workerBehind: boolean;
  alerts: Awaited<ReturnType<AlertStore['countByStatus']>>;
  /** Channels whose last send failed (name → error). */
  failingChannels: Array<{ channel: string; error: string | null; since: string }>;
  /** The last connection check of each upstream (EAD, ChatPro). */
  connections: Array<{ name: string; ok: boolean; since: string; checkedAt: string; detail: string | null }>;
  /** The reconciliation with Kiwify's API: its last run (null before the first, or when it is off). */
  reconciliation: {
    lastRunAt: string;
    from: string | null;
    to: string | null;
    found: number | null;
    recovered: number | null;
    error: string | null;
  } | null;
  /** LGPD retention: RETENTION_DAYS and the purge's last run (any instance). */
  retention: { days: number | null; lastRunAt: string | null; removed: number | null };
}

/** The worker counts as behind when a due event has waited longer than this. */
export const WORKER_BEHIND_MS = 5 * 60 * 1000;

/** LGPD retention: RETENTION_DAYS and the last pass of any instance. */
export async function retentionStatus(store: Pick<HealthReads, 'privacy'>, retentionDays?: number): Promise<Health['retention']> {
  const last = await store.privacy.lastRun(RETENTION_JOB);
  return { days: retentionDays ?? null, lastRunAt: last ? new Date(last.at).toISOString() : null, removed: last?.count ?? null };
}

export async function health(store: HealthReads, retentionDays?: number): Promise<Health> {
  const [counts, oldestDueWaitMs, alerts, channels, checks, retention] = await Promise.all([
    store.events.countByStatus(),
    store.events.oldestDueWaitMs(),
    store.alerts.countByStatus(),
    store.alerts.channels(),
    store.checks.all(),
    retentionStatus(store, retentionDays),
  ]);
  const reconciled = await store.reconciliation.state();
  const isoOf = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    counts,
    oldestDueWaitMs,
    workerBehind: oldestDueWaitMs > WORKER_BEHIND_MS,
    alerts,
    failingChannels: channels
      .filter((c) => c.last_error_at !== null && c.last_error_at > (c.last_ok_at ?? 0))
      .map((c) => ({ channel: c.channel, error: c.last_error, since: new Date(c.last_error_at!).toISOString() })),
    connections: checks.map((c) => ({
      name: c.name,
      ok: c.status === 'ok',
      since: new Date(c.since).toISOString(),
      checkedAt: new Date(c.checked_at).toISOString(),
      detail: c.detail,
    })),
    reconciliation:
      reconciled?.last_run_at != null
        ? {
            lastRunAt: new Date(reconciled.last_run_at).toISOString(),
            from: isoOf(reconciled.last_from),
            to: isoOf(reconciled.last_to),
            found: reconciled.last_found,
            recovered: reconciled.last_recovered,
            error: reconciled.last_error,
          }
        : null,
    retention,
  };
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

/** Longest note a resolution may carry. */
export const MAX_NOTE = 500;

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
  if (!isCleanText(note, { multiline: true })) return 'bad_note';
  const text = note.replace(/\s+/g, ' ').trim().slice(0, MAX_NOTE);
  if (!text) return 'no_note';
  const result = await store.queue.resolve(eventId, `Resolvido manualmente: ${text}`);
  if (result === 'resolved') await store.journal.addHistory(eventId, 'resolved', `Marcado como resolvido ${via}: ${text}`);
  return result;
}

/** Which failures a bulk replay takes: those of one cause, or those of one plan (or both). */
export interface FailureFilter {
  code?: string;
  plan?: string;
}

/** The failed events a bulk replay would take (the page shows how many before confirming). */
export async function failuresMatching(store: Pick<FailureReplay, 'events'>, filter: FailureFilter): Promise<number[]> {
  if (filter.plan !== undefined && !isCleanText(filter.plan)) return [];
  const plan = filter.plan ? normalizeText(filter.plan) : undefined;
  return (await store.events.failedOfCause(filter.code))
    .filter((e) => plan === undefined || normalizeText(e.planName ?? '') === plan)
    .map((e) => e.id);
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
