import { sql } from 'kysely';
import type { OpenDatabase } from './open-database.js';
import type { Database } from './schema.js';

/**
 * Tables in the order they are copied (parents first). The queue's heads come along: claims read
 * only them. Admin sessions, connection checks and the Discord interactions seen are the moment's
 * state, not carried over.
 */
const TABLES: Array<keyof Database> = [
  'events',
  'event_steps',
  'event_history',
  'queue_heads',
  'alerts',
  'alert_channels',
  'plans',
  'plan_changes',
  'erasures',
  'job_runs',
  'reconciliation',
];
const WITH_IDENTITY: Array<keyof Database> = ['events', 'event_history', 'alerts', 'plan_changes', 'erasures'];
/** What a first start of the target may have written already (the shipped plan map): replaced by the source's. */
const REPLACED: Array<keyof Database> = ['plans', 'plan_changes', 'job_runs', 'reconciliation', 'alert_channels'];
const CHUNK = 500;

export class TargetNotEmptyError extends Error {
  constructor(count: number) {
    super(`O banco de destino já tem ${count} evento(s): a cópia só é feita para um banco vazio.`);
  }
}

/**
 * Copies a whole inbox (events with their journal, history and queue heads, the alert outbox, the
 * plan map and its changes, privacy and reconciliation records) from one store
 * to another — typically SQLite → PostgreSQL when moving to several instances. Ids are kept, so
 * dedupe keys, event links and admin URLs stay valid; PostgreSQL identities continue after them.
 * The target must be empty; the copy is one transaction on the target.
 */
export async function copyStore(from: OpenDatabase, to: OpenDatabase): Promise<Record<string, number>> {
  const existing = await to.db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) throw new TargetNotEmptyError(Number(existing.n));
  // One read transaction on the source: every table from the same moment.
  const snapshot = await from.db.transaction().execute(async (read) => {
    const tables: Partial<Record<keyof Database, unknown[]>> = {};
    for (const table of TABLES) tables[table] = await read.selectFrom(table).selectAll().execute();
    return tables;
  });
  const copied: Record<string, number> = {};
  await to.db.transaction().execute(async (trx) => {
    for (const table of REPLACED) await trx.deleteFrom(table).execute();
    for (const table of TABLES) {
      const rows = snapshot[table]!;
      for (let i = 0; i < rows.length; i += CHUNK) {
        await trx
          .insertInto(table)
          .values(rows.slice(i, i + CHUNK))
          .execute();
      }
      copied[table] = rows.length;
    }
    if (to.dialect === 'postgres') {
      for (const table of WITH_IDENTITY) {
        await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce((select max(id) from ${sql.table(table)}), 0) + 1, false)`.execute(
          trx,
        );
      }
    }
  });
  return copied;
}
