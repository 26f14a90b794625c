import { systemClock, type Clock } from '../timing/clock.js';
import { sql, type Kysely } from 'kysely';
import { Inbox } from './inbox.js';
import { SqliteInboxStatements } from './sqlite-inbox.js';
import { leaseClockFor, type LeaseClock } from './lease-clock.js';
import { Leases } from './leases.js';
import { Journal } from './journal.js';
import type { Dialect } from './migrations.js';
import { openDatabase, type StorageConfig } from './open-database.js';
import { EventQueries } from './event-reads.js';
import { Queue } from './queue.js';
import { lockConnection, OwnerLocks } from './owner-locks.js';
import type { Database } from './schema.js';
import { LogTruncation, type TruncateOptions } from './wal.js';
import type { Job } from '../timing/scheduler.js';

/**
 * The opened database, for the feature stores built over it (plans, privacy, alerts, sessions…:
 * each feature owns its tables' queries and is wired where the feature is, src/app).
 */
export interface StoreDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  /** The time everything reads (the system's, unless one was handed to openStore). */
  clock: Clock;
  /** Lease times: the database's on PostgreSQL (see lease-clock.ts). */
  leases: LeaseClock;
}

/** The core of the database behind the server: the inbox, the queue, the journal and the reads of events. */
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
  /** One holder at a time of shared work: singleton jobs (alert channels and the reconciliation hold theirs through their stores). */
  leases: Leases;
  /** PostgreSQL only: proof that a worker is alive (its advisory lock), to take up a dead one's work at once. */
  ownerLocks?: OwnerLocks;
  /** The database itself, for the feature stores. */
  database: StoreDatabase;
  /** One trivial query: the database answers. */
  ping(): Promise<void>;
  /**
   * After personal data was removed or rewritten: no older copy stays in SQLite's `-wal` file
   * (see wal.ts). False when other processes kept it past the bound; PostgreSQL: true.
   */
  truncateLog(options?: TruncateOptions): Promise<boolean>;
  /** SQLite: the scheduler's job that tries a cut again soon when `truncateLog` could not make it (`onCut` when it went through). */
  logRetryJob(onCut: () => void): Job | undefined;
  close(): Promise<void>;
}

/**
 * Opens SQLite (default) or PostgreSQL (DATABASE_URL), migrated and ready. Everything reads the
 * time from `clock` (default: the system's) — except leases on PostgreSQL when no clock is given,
 * which follow the database's clock so that instances agree (lease-clock.ts).
 */
export async function openStore(config: StorageConfig, clock?: Clock, onConnectionError?: (err: Error) => void): Promise<Store> {
  const { db, dialect, sqlite } = await openDatabase(config, onConnectionError);
  const time = clock ?? systemClock;
  const leases = leaseClockFor(dialect, clock, time);
  const log = new LogTruncation(db, dialect);
  const ownerLocks = dialect === 'postgres' && config.DATABASE_URL ? new OwnerLocks(db, lockConnection(config.DATABASE_URL)) : undefined;
  return {
    dialect,
    inbox: new Inbox(db, dialect, time, sqlite && new SqliteInboxStatements(sqlite)),
    queue: new Queue(db, dialect, time, leases),
    journal: new Journal(db, dialect, time),
    events: new EventQueries(db, time),
    leases: new Leases(db, leases),
    ownerLocks,
    database: { db, dialect, clock: time, leases },
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    truncateLog: (options) => log.truncate(options),
    logRetryJob: (onCut) => (dialect === 'sqlite' ? log.retryJob(onCut) : undefined),
    close: async () => {
      await ownerLocks?.releaseAll();
      await db.destroy();
    },
  };
}

export { LeaseLostError } from './rows.js';
export type { Claim, ClaimedEvent, HistoryEntry, InsertResult, ListFilter, RequeueResult, StoredEvent } from './rows.js';
export type { NewAlert, OutboxEntry } from './outbox-rows.js';
