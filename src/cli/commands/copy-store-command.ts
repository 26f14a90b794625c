/**
 * Moves the inbox between stores, e.g. from SQLite to PostgreSQL:
 *
 *   npm run copy-store -- --from ./data/bridge.db --to postgres://user:pass@host:5432/db
 *
 * Stop the server first (nothing should be writing to the source). The target must be empty;
 * its schema is created if needed.
 */
import { parseArgs } from 'node:util';
import { copyStore, TargetNotEmptyError } from '../../store/store-copy.js';
import { openDatabase, type StorageConfig } from '../../store/open-database.js';
import type { Command } from '../cli-io.js';

const USAGE = 'Uso: npm run copy-store -- --from <arquivo.db | postgres://…> --to <arquivo.db | postgres://…>';

const storage = (location: string): StorageConfig =>
  /^postgres(ql)?:\/\//.test(location) ? { SQLITE_PATH: '', DATABASE_URL: location } : { SQLITE_PATH: location };

export const copyStoreCommand: Command = async (argv, io) => {
  const { values } = parseArgs({ args: argv, options: { from: { type: 'string' }, to: { type: 'string' } } });
  if (!values.from || !values.to) {
    io.err(USAGE);
    return 2;
  }
  const from = await openDatabase(storage(values.from));
  const to = await openDatabase(storage(values.to));
  try {
    const copied = await copyStore(from, to);
    io.out(
      `Cópia concluída: ${Object.entries(copied)
        .map(([table, n]) => `${table} ${n}`)
        .join(', ')}.`,
    );
    io.out('Agora defina DATABASE_URL com o destino e inicie o servidor.');
    return 0;
  } catch (err) {
    io.err(err instanceof TargetNotEmptyError ? err.message : `Falha na cópia: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await from.db.destroy();
    await to.db.destroy();
  }
};
