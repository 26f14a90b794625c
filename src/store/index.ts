import { systemClock, type Clock } from '../timing/clock.js';
import { sql } from 'kysely';
import { AlertStore } from './alerts.js';
import { CheckStore } from './checks.js';
import { Inbox } from './inbox.js';
import { Journal } from './journal.js';
import type { Dialect } from './migrations.js';
import { openDatabase, type StorageConfig } from './open.js';
import { EventQueries } from './queries.js';
import { GaugeQueries } from './gauges.js';
import { Queue } from './queue.js';
import { OwnerLocks } from './owner-locks.js';
import { PlanStore } from './plans.js';
import { PrivacyStore } from './privacy.js';
import { ReconciliationStore } from './reconciliation.js';
import { SessionStore } from './sessions.js';

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
  /** PostgreSQL only: proof that a worker is alive (its advisory lock), to take up a dead one's work at once. */
  ownerLocks?: OwnerLocks;
  /** One trivial query: the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Opens SQLite (default) or PostgreSQL (DATABASE_URL), migrated and ready. */
export async function openStore(
  config: StorageConfig,
  clock: Clock = systemClock,
  onConnectionError?: (err: Error) => void,
): Promise<Store> {
  const { db, dialect } = await openDatabase(config, onConnectionError);
  const ownerLocks = dialect === 'postgres' ? new OwnerLocks(db) : undefined;
  return {
    dialect,
    inbox: new Inbox(db, dialect, clock),
    queue: new Queue(db, dialect, clock),
    journal: new Journal(db, dialect, clock),
    events: new EventQueries(db, clock),
    alerts: new AlertStore(db, clock),
    sessions: new SessionStore(db, clock),
    checks: new CheckStore(db, clock),
    plans: new PlanStore(db, dialect, clock),
    gauges: new GaugeQueries(db),
    privacy: new PrivacyStore(db, clock),
    reconciliation: new ReconciliationStore(db, clock),
    ownerLocks,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      await ownerLocks?.releaseAll();
      await db.destroy();
    },
  };
}

export { LeaseLostError } from './rows.js';
export type { Claim, EventRow, HistoryRow, NewEvent, InsertResult, ListFilter, RequeueResult, SaleEvent } from './rows.js';
export { SALE_EVENT_TYPES } from './rows.js';
export type { AlertRow, NewAlert, OutboxEntry } from './alerts.js';
export type { EventStatus } from './schema.js';
export type { CheckRow } from './checks.js';
export type { ErasureRow, PersonalRecord, StrippedRecord } from './privacy.js';
export { PURGEABLE_STATUSES, RETENTION_JOB } from './privacy.js';
export type { ReconciliationRow, RunRecord } from './reconciliation.js';
