/**
 * Moves the inbox between stores, e.g. from SQLite to PostgreSQL:
 *
 *   npm run copy-store -- --from ./data/bridge.db --to postgres://user:pass@host:5432/db
 *
 * Stop the server first (nothing should be writing to the source). The target must be empty;
 * its schema is created if needed.
 */
import { parseArgs } from 'node:util';
import { copyStore, TargetNotEmptyError } from '../store/copy.js';
import { openDatabase, type StorageConfig } from '../store/open.js';

const USAGE = 'Uso: npm run copy-store -- --from <arquivo.db | postgres://…> --to <arquivo.db | postgres://…>';

const storage = (location: string): StorageConfig =>
  /^postgres(ql)?:\/\//.test(location) ? { SQLITE_PATH: '', DATABASE_URL: location } : { SQLITE_PATH: location };

const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } } });
if (!values.from || !values.to) {
  console.error(USAGE);
  process.exit(2);
}

const from = await openDatabase(storage(values.from));
const to = await openDatabase(storage(values.to));
try {
  const copied = await copyStore(from, to);
  console.log(
    `Cópia concluída: ${Object.entries(copied)
      .map(([table, n]) => `${table} ${n}`)
      .join(', ')}.`,
  );
  console.log('Agora defina DATABASE_URL com o destino e inicie o servidor.');
} catch (err) {
  console.error(err instanceof TargetNotEmptyError ? err.message : `Falha na cópia: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await from.db.destroy();
  await to.db.destroy();
}
