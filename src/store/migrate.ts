import { Migrator, sql, type Kysely, type MigrationProvider } from 'kysely';
import { migrations, type Dialect } from './migrations.js';
import type { Database } from './schema.js';

/** Namespace of the migration lock among PostgreSQL's advisory locks (owner-locks.ts uses 724_051). */
const MIGRATION_LOCK_NAMESPACE = 724_052;

/**
 * Runs `migrate` holding a session advisory lock, on PostgreSQL, taken on a connection of its own
 * before anything else touches the schema. Kysely's migrator locks only once its bookkeeping
 * tables exist: instances starting together on an empty schema each created them at once
 * (`duplicate key value violates unique constraint "pg_type_typname_nsp_index"`). With this lock
 * they migrate one after the other; the later ones find the work done. The lock is per schema
 * (the first of the search_path), so schemas of one database migrate side by side; it is let go
 * when the migration ends, and PostgreSQL drops it with the session if the process dies.
 */
async function withMigrationLock<T>(db: Kysely<Database>, dialect: Dialect, migrate: () => Promise<T>): Promise<T> {
  if (dialect !== 'postgres') return migrate();
  const key = sql`${sql.lit(MIGRATION_LOCK_NAMESPACE)}, hashtext(current_schema())`;
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${key})`.execute(conn);
    try {
      return await migrate();
    } finally {
      await sql`select pg_advisory_unlock(${key})`.execute(conn);
    }
  });
}

/** Brings the schema to the latest version (or, for upgrade tests, to the named one). */
export async function migrate(db: Kysely<Database>, dialect: Dialect, upTo?: string): Promise<void> {
  await withMigrationLock(db, dialect, () => migrateLocked(db, dialect, upTo));
}

async function migrateLocked(db: Kysely<Database>, dialect: Dialect, upTo?: string): Promise<void> {
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations(dialect)) };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
    // On PostgreSQL, keep the bookkeeping in the schema the tables live in (the first of the
    // search_path), so several schemas in one database each migrate on their own.
    migrationTableSchema: dialect === 'postgres' ? await currentSchema(db) : undefined,
  });
  const { error, results } = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : `migração ${failed?.migrationName ?? 'desconhecida'}`;
    throw new Error(`Falha ao migrar o banco de dados: ${cause}`, { cause: error });
  }
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('nenhum schema existente no search_path do DATABASE_URL');
  return schema;
}
