import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config/config.js';
import { openStores, type Stores } from '../app/feature-stores.js';
import type { CliIo } from './cli-io.js';

/**
 * The inbox the server uses (SQLITE_PATH or DATABASE_URL, as it reads them), so the commands work
 * while the server is down. A SQLite file that does not exist is refused, never created: a command
 * looking at the wrong file would otherwise answer "não encontrado" for everything.
 */
export async function openServerStore(io: CliIo): Promise<Stores | undefined> {
  let storage;
  try {
    storage = loadConfig(io.env, ['storage']).storage;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(err.message);
    return undefined;
  }
  if (!storage.DATABASE_URL && !existsSync(storage.SQLITE_PATH)) {
    io.err(
      `Banco de dados não encontrado em ${resolve(storage.SQLITE_PATH)}. Confira SQLITE_PATH (ou DATABASE_URL): ` +
        'o servidor cria o banco ao iniciar; estes comandos só abrem um banco que já existe.',
    );
    return undefined;
  }
  return openStores(storage);
}
