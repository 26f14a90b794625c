import { sql, type Kysely } from 'kysely';
import type { Clock } from '../timing/clock.js';
import type { Dialect } from './migrations.js';
import type { Database } from './schema.js';

/**
 * The time leases are written and compared in (the queue's per-event leases, and every lease of
 * leases.ts: alert channels, the reconciliation, singleton jobs), read inside the statement's
 * transaction (`db` may be one).
 *
 * Instances compare each other's leases, so on PostgreSQL that time is the database's: one clock
 * for every instance, whatever each machine's says (an instance whose clock runs ahead would
 * otherwise take over live leases; one running behind would keep dead ones). It costs one short
 * query per claim, renewal or channel take-over, on the connection already in use.
 *
 * SQLite is one process on one machine: its clock is the store's. A clock handed to the store
 * (`openStore(config, clock)`: tests that move time, a tool replaying a day) is used as is on
 * both stores — the caller then owns time, leases included.
 */
export type LeaseClock = (db: Kysely<Database>) => Promise<number>;

/** Epoch milliseconds of the database server, now (not the transaction's start). */
const DATABASE_NOW = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

export function leaseClockFor(dialect: Dialect, clock: Clock | undefined, fallback: Clock): LeaseClock {
  if (clock) return () => Promise.resolve(clock());
  if (dialect === 'sqlite') return () => Promise.resolve(fallback());
  return async (db) => {
    const { rows } = await sql<{ now: number | string }>`select ${DATABASE_NOW} as now`.execute(db);
    return Number(rows[0].now);
  };
}
