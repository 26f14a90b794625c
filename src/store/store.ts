import { systemClock, type Clock } from '../timing/clock.js';
import { sql } from 'kysely';
import { AlertStore } from '../alerts/alert-store.js';
import { CheckStore } from '../health/check-store.js';
import { Inbox } from './inbox.js';
import { SeenInteractions } from '../discord-console/seen-interactions.js';
import { leaseClockFor } from './lease-clock.js';
import { Journal } from './journal.js';
import type { Dialect } from './migrations.js';
import { openDatabase, type StorageConfig } from './open-database.js';
import { EventQueries } from './event-reads.js';
import { GaugeQueries } from '../metrics/gauge-queries.js';
import { Queue } from './queue.js';
import { OwnerLocks } from './owner-locks.js';
import { PlanStore } from '../plans/plan-store.js';
import { PrivacyStore } from '../privacy/privacy-store.js';
import { ReconciliationStore } from '../reconciliation/checkpoint-store.js';
import { SessionStore } from '../admin/session-store.js';
import { truncateWal, type TruncateOptions } from './wal.js';

/** The database behind the server, one module per concern. */
export interface Store {
  dialect: Dialect;
  /** Deliveries in (dedupe, group commit). */
  inbox: Inbox;
  /** Claims, leases and state changes of running events. */
  queue: Queue;
  /** Each event's steps and history. */
  journal: Journal;
  /** Reads for people and flows. */
  events: EventQueries;
  /** The alert outbox and its channels. */
  alerts: AlertStore;
  /** Admin page sessions. */
  sessions: SessionStore;
  /** Connection check results. */
  checks: CheckStore;
  /** The plan map and its changes. */
  plans: PlanStore;
  /** What the metrics read at each scrape (indexed counts only). */
  gauges: GaugeQueries;
  /** Removal of personal data (retention, erasure on request) and its records. */
  privacy: PrivacyStore;
  /** The reconciliation with Kiwify's API: checkpoint, lease, last run. */
  reconciliation: ReconciliationStore;
  /** Signed Discord interactions already received (the console's replay guard, shared by instances). */
  interactions: SeenInteractions;
  /** PostgreSQL only: proof that a worker is alive (its advisory lock), to take up a dead one's work at once. */
  ownerLocks?: OwnerLocks;
  /** One trivial query: the database answers. */
  ping(): Promise<void>;
  /**
   * After personal data was removed or rewritten: no older copy stays in SQLite's `-wal` file
   * (see wal.ts). False when other processes kept it past the bound; PostgreSQL: true.
   */
  truncateLog(options?: TruncateOptions): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Opens SQLite (default) or PostgreSQL (DATABASE_URL), migrated and ready. Everything reads the
 * time from `clock` (default: the system's) — except leases on PostgreSQL when no clock is given,
 * which follow the database's clock so that instances agree (lease-clock.ts).
 */
export async function openStore(config: StorageConfig, clock?: Clock, onConnectionError?: (err: Error) => void): Promise<Store> {
  const { db, dialect } = await openDatabase(config, onConnectionError);
  const time = clock ?? systemClock;
  const leases = leaseClockFor(dialect, clock, time);
  const ownerLocks = dialect === 'postgres' ? new OwnerLocks(db) : undefined;
  return {
    dialect,
    inbox: new Inbox(db, dialect, time),
    queue: new Queue(db, dialect, time, leases),
    journal: new Journal(db, dialect, time),
    events: new EventQueries(db, time),
    alerts: new AlertStore(db, time, leases),
    sessions: new SessionStore(db, time),
    checks: new CheckStore(db, time),
    plans: new PlanStore(db, dialect, time),
    gauges: new GaugeQueries(db),
    privacy: new PrivacyStore(db, time),
    reconciliation: new ReconciliationStore(db, time, leases),
    interactions: new SeenInteractions(db, time),
    ownerLocks,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    truncateLog: (options) => truncateWal(db, dialect, options),
    close: async () => {
      await ownerLocks?.releaseAll();
      await db.destroy();
    },
  };
}

export { LeaseLostError } from './rows.js';
export type { Claim, EventRow, HistoryRow, NewEvent, InsertResult, ListFilter, RequeueResult, SaleEvent } from './rows.js';
export type { AlertRow, NewAlert, OutboxEntry } from '../alerts/alert-store.js';
export type { EventStatus } from '../domain/inbox-event.js';
export type { CheckRow } from '../health/check-store.js';
export type { ErasureRow, PersonalRecord, StrippedRecord } from '../privacy/privacy-store.js';
export { PURGEABLE_STATUSES, RETENTION_JOB } from '../privacy/privacy-store.js';
export type { ReconciliationRow, RunRecord } from '../reconciliation/checkpoint-store.js';
