import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import type { StorageConfig } from '../../src/store/open.js';
import { tempDir } from './config.js';

/** PostgreSQL for tests: `.ci/run` sets it; without it the PostgreSQL half of a suite skips. */
export const PG_URL = process.env.TEST_DATABASE_URL;

const created: string[] = [];

/** A fresh, empty schema on the test server; the URL puts it first on the search_path. */
export async function freshPostgresUrl(): Promise<string> {
  if (!PG_URL) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`create schema ${schema}`);
  } finally {
    await client.end();
  }
  created.push(schema);
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

export async function dropPostgresSchemas(): Promise<void> {
  if (!PG_URL || created.length === 0) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    for (const schema of created.splice(0)) await client.query(`drop schema if exists ${schema} cascade`);
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

if (!PG_URL) {
  console.warn('TEST_DATABASE_URL não definido: a metade PostgreSQL dos testes de armazenamento será pulada.');
}
