import type { AlertStore } from '../alerts/alert-store.js';
import type { EventStatus } from '../domain/inbox-event.js';
import type { CheckStore } from '../health/check-store.js';
import { RETENTION_JOB, type PrivacyStore } from '../privacy/privacy-store.js';
import type { ReconciliationStore } from '../reconciliation/checkpoint-store.js';
import type { EventQueries } from '../store/event-reads.js';

/** What support's summary of the bridge reads (the admin page's banners, /ponte status, the health API). */
export interface HealthReads {
  events: Pick<EventQueries, 'countByStatus' | 'oldestDueWaitMs'>;
  alerts: Pick<AlertStore, 'countByStatus' | 'channels'>;
  checks: Pick<CheckStore, 'all'>;
  reconciliation: Pick<ReconciliationStore, 'state'>;
  privacy: Pick<PrivacyStore, 'lastRun'>;
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
