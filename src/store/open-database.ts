import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { migrate } from './migrate.js';
import type { Dialect } from './migrations.js';
import type { Database } from './schema.js';
import { sqliteDriver } from './sqlite-driver.js';
import { SQLITE_BUSY_TIMEOUT_MS } from './wal.js';

export interface StorageConfig {
  SQLITE_PATH: string;
  DATABASE_URL?: string;
}

export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  /** SQLite: the connection itself, for the inbox's prepared statements (sqlite-inbox.ts). */
  sqlite?: BetterSqlite3.Database;
}

const INT8_OID = 20;

const STATEMENT_CACHE_SIZE = 200;

/**
 * Kysely's SQLite driver prepares every query anew; a small cache of prepared statements keyed by
 * SQL text (the same few queries run all the time) saves that on the hot path.
 */
function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql); // re-insert: most recently used last
      } else {
        statement = database.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

function openSqlite(path: string): OpenDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const Sqlite = sqliteDriver();
  const database = new Sqlite(path);
  // Durable commits: WAL plus an fsync of the log on every commit.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  database.pragma('foreign_keys = ON');
  // Deleted and rewritten content is overwritten on disk, not left in free pages (the WAL is cut
  // by truncateWal after personal data goes).
  database.pragma('secure_delete = ON');
  return {
    db: new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }),
    dialect: 'sqlite',
    sqlite: database,
  };
}

function openPostgres(connectionString: string, onError: (err: Error) => void): OpenDatabase {
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    // Ids and epoch-millisecond times are int8; they fit a JS number.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (v: string) => Number(v)
          : (pg.types.getTypeParser(oid, format) as (v: string) => unknown)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection dropped by the server (restart, failover) must not crash the process.
  pool.on('error', onError);
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
}

/** Opens the configured database (PostgreSQL when DATABASE_URL is set) and brings its schema up to date. */
export async function openDatabase(
  config: StorageConfig,
  onConnectionError: (err: Error) => void = (err) => console.error('Conexão com o PostgreSQL perdida:', err.message),
  schemaVersion?: string,
): Promise<OpenDatabase> {
  const opened = config.DATABASE_URL ? openPostgres(config.DATABASE_URL, onConnectionError) : openSqlite(config.SQLITE_PATH);
  try {
    await migrate(opened.db, opened.dialect, schemaVersion);
  } catch (err) {
    await opened.db.destroy();
    throw err;
  }
  return opened;
}
