import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropRunSchemas } from './databases.js';

/**
 * One scratch folder per test run: every `tempDir()` (databases, process working directories)
 * is made inside it, and it is removed when the run ends, so runs leave nothing in /tmp; so are
 * the PostgreSQL schemas the run created.
 */
export default function setup(): () => Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'bridge-tests-'));
  const run = randomBytes(4).toString('hex');
  process.env.BRIDGE_TEST_TMP = root;
  process.env.BRIDGE_TEST_RUN = run;
  return async () => {
    rmSync(root, { recursive: true, force: true });
    await dropRunSchemas(run);
  };
}
