import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunDatabase, dropRunDatabase } from './databases.js';

/**
 * One scratch folder per test run: every `tempDir()` (databases, process working directories)
 * is made inside it, and it is removed when the run ends, so runs leave nothing in /tmp. The same
 * for PostgreSQL: the run gets a database of its own (TEST_DATABASE_URL is pointed at it for the
 * test files), dropped at the end with every schema its tests made.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const root = mkdtempSync(join(tmpdir(), 'bridge-tests-'));
  const run = randomBytes(4).toString('hex');
  process.env.BRIDGE_TEST_TMP = root;
  process.env.BRIDGE_TEST_RUN = run;
  const server = process.env.TEST_DATABASE_URL;
  const own = await createRunDatabase(run);
  if (own) process.env.TEST_DATABASE_URL = own;
  return async () => {
    rmSync(root, { recursive: true, force: true });
    await dropRunDatabase(run, server);
  };
}
