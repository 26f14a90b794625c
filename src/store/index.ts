import { sql } from 'kysely';
import { AlertStore } from './alerts.js';
import { EventStore } from './events.js';
import type { Dialect } from './migrations.js';
import { CheckStore } from './checks.js';
import { openDatabase, type StorageConfig } from './open.js';
import { SessionStore } from './sessions.js';

export interface Store {
  dialect: Dialect;
  events: EventStore;
  alerts: AlertStore;
  sessions: SessionStore;
  checks: CheckStore;
  /** One trivial query: the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Opens SQLite (default) or PostgreSQL (DATABASE_URL), migrated and ready. */
export async function openStore(
  config: StorageConfig,
  clock: () => number = Date.now,
  onConnectionError?: (err: Error) => void,
): Promise<Store> {
  const { db, dialect } = await openDatabase(config, onConnectionError);
  return {
    dialect,
    events: new EventStore(db, dialect, clock),
    alerts: new AlertStore(db, clock),
    sessions: new SessionStore(db, clock),
    checks: new CheckStore(db, clock),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

export { LeaseLostError } from './events.js';
export type { EventRow, HistoryRow, NewEvent, InsertResult, ListFilter, RequeueResult } from './events.js';
export type { AlertRow, NewAlert } from './alerts.js';
export type { EventStatus } from './schema.js';
export type { CheckRow } from './checks.js';
