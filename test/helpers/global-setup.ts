import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One scratch folder per test run: every `tempDir()` (databases, process working directories)
 * is made inside it, and it is removed when the run ends, so runs leave nothing in /tmp.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'bridge-tests-'));
  process.env.BRIDGE_TEST_TMP = root;
  return () => rmSync(root, { recursive: true, force: true });
}
