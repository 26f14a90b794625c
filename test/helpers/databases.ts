import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import type { StorageConfig } from '../../src/store/open-database.js';
import { tempDir } from './config.js';

/** PostgreSQL for tests: `.ci/run` sets it; without it the PostgreSQL half of a suite skips. */
export const PG_URL = process.env.TEST_DATABASE_URL;

/** The prefix of every schema this test run creates (in the run's own database: see global-setup.ts). */
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

/**
 * A database of its own for one test run, on the server TEST_DATABASE_URL names: Kysely's
 * introspection reads every schema of a database, so two runs sharing one (two checkouts, two
 * developers) would see each other's schemas come and go. Returns its URL, or undefined without
 * TEST_DATABASE_URL (global setup).
 */
export async function createRunDatabase(run: string): Promise<string | undefined> {
  if (!PG_URL) return undefined;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`create database ${runDatabase(run)}`);
  } finally {
    await client.end();
  }
  const url = new URL(PG_URL);
  url.pathname = `/${runDatabase(run)}`;
  return url.toString();
}

/** Drops the run's database, and with it every schema the run created (global teardown). */
export async function dropRunDatabase(run: string, serverUrl: string | undefined): Promise<void> {
  if (!serverUrl) return;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists ${runDatabase(run)} with (force)`);
  } finally {
    await client.end();
  }
}

const runDatabase = (run: string) => `bridge_test_${run}`;

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
