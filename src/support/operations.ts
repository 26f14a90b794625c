import type { Store } from '../store/index.js';
import type { RequeueResult } from '../store/index.js';

export interface Health {
  counts: Awaited<ReturnType<Store['events']['countByStatus']>>;
  /** How long the oldest due event has waited to be picked up (ms). */
  oldestDueWaitMs: number;
  workerBehind: boolean;
  alerts: Awaited<ReturnType<Store['alerts']['countByStatus']>>;
  /** Channels whose last send failed (name → error). */
  failingChannels: Array<{ channel: string; error: string | null; since: string }>;
  /** The last connection check of each upstream (EAD, ChatPro). */
  connections: Array<{ name: string; ok: boolean; since: string; checkedAt: string; detail: string | null }>;
}

/** The worker counts as behind when a due event has waited longer than this. */
export const WORKER_BEHIND_MS = 5 * 60 * 1000;

export async function health(store: Store): Promise<Health> {
  const [counts, oldestDueWaitMs, alerts, channels, checks] = await Promise.all([
    store.events.countByStatus(),
    store.events.oldestDueWaitMs(),
    store.alerts.countByStatus(),
    store.alerts.channels(),
    store.checks.all(),
  ]);
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
  };
}

export const RETRY_MESSAGES: Record<Exclude<RequeueResult, 'queued'>, { status: number; message: string }> = {
  running: { status: 409, message: 'O evento está em processamento agora; aguarde terminar.' },
  not_retryable: { status: 409, message: 'Só eventos com falha, aguardando nova tentativa ou ignorados podem ser reprocessados.' },
  not_found: { status: 404, message: 'Evento não encontrado.' },
};

/** Runs an event again now, resuming its journal, and records who asked. */
export async function retryEvent(store: Store, eventId: number, via: string): Promise<RequeueResult> {
  const result = await store.queue.requeue(eventId);
  if (result === 'queued') await store.journal.addHistory(eventId, 'manual', `Reprocessamento pedido ${via}.`);
  return result;
}
