import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import type { StorageConfig } from '../../src/store/open-database.js';
import { tempDir } from './config.js';

/** PostgreSQL for tests: `.ci/run` sets it; without it the PostgreSQL half of a suite skips. */
export const PG_URL = process.env.TEST_DATABASE_URL;

/** The prefix of every schema this test run creates (see global-setup.ts, which drops them at the end). */
export const runSchemaPrefix = (run = process.env.BRIDGE_TEST_RUN ?? 'local') => `t_${run}_`;

/**
 * A fresh, empty schema on the test server; the URL puts it first on the search_path. Schemas
 * are dropped only when the whole run ends: Kysely's introspection reads every schema of the
 * database, and one dropped under it by a neighbouring test file makes it fail.
 */
export async function freshPostgresUrl(): Promise<string> {
  if (!PG_URL) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `${runSchemaPrefix()}${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`create schema ${schema}`);
  } finally {
    await client.end();
  }
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** Drops every schema a test run created (global teardown). */
export async function dropRunSchemas(run: string): Promise<void> {
  if (!PG_URL) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('select nspname as name from pg_namespace where nspname like $1', [
      `${runSchemaPrefix(run)}%`,
    ]);
    for (const { name } of rows) await client.query(`drop schema if exists ${name} cascade`);
  } finally {
    await client.end();
  }
}

export interface StoreTarget {
  name: 'sqlite' | 'postgres';
  available: boolean;
  /** Storage settings for a brand-new, empty store. */
  fresh(): Promise<StorageConfig>;
}

export const STORE_TARGETS: StoreTarget[] = [
  { name: 'sqlite', available: true, fresh: async () => ({ SQLITE_PATH: join(tempDir(), 'bridge.db') }) },
  {
    name: 'postgres',
    available: Boolean(PG_URL),
    fresh: async () => ({ SQLITE_PATH: '', DATABASE_URL: await freshPostgresUrl() }),
  },
];

/** Both stores; PostgreSQL's case skips visibly (with its reason) when TEST_DATABASE_URL is unset. */
export const STORE_ENVS = STORE_TARGETS.map((target) => ({
  name: target.name,
  available: target.available,
  /** The variables that point a server at a new, empty store of this kind (SQLite: its default path). */
  env: async (): Promise<Record<string, string>> =>
    target.name === 'postgres' ? { DATABASE_URL: (await target.fresh()).DATABASE_URL! } : {},
}));

if (!PG_URL) {
  console.warn('TEST_DATABASE_URL não definido: a metade PostgreSQL dos testes de armazenamento será pulada.');
}
