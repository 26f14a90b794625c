import { join } from 'node:path';
import type { StorageConfig } from '../store/open-database.js';
import { freshPostgresUrl } from './fixtures.js';
import { PG, tmp } from './options.js';

export type StoreKind = 'sqlite' | 'postgres';

export const STORE_LABEL: Record<StoreKind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/** The stores this run covers: SQLite, and PostgreSQL when TEST_DATABASE_URL is set. */
export const STORES: StoreKind[] = PG ? ['sqlite', 'postgres'] : ['sqlite'];

/** An empty database: a SQLite file in a new temp folder, or a new PostgreSQL schema. */
export async function freshStorage(kind: StoreKind): Promise<StorageConfig> {
  return kind === 'postgres' ? { SQLITE_PATH: '', DATABASE_URL: await freshPostgresUrl(PG!) } : { SQLITE_PATH: join(tmp(), 'bench.db') };
}

/** The storage as server environment variables (unset ones left out). */
export function storageEnv(storage: StorageConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(storage).filter((e): e is [string, string] => Boolean(e[1])));
}
