import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/config.js';

export const TOKEN = 'test-token-kiwify';

/** A fresh folder inside this run's scratch folder (see global-setup.ts), removed with it. */
export function tempDir(prefix = 'bridge-test-'): string {
  return mkdtempSync(join(process.env.BRIDGE_TEST_TMP ?? tmpdir(), prefix));
}

/** Environment for a test server: temporary SQLite, nothing pointing outside loopback. */
export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    KIWIFY_WEBHOOK_TOKEN: TOKEN,
    SQLITE_PATH: join(tempDir(), 'bridge.db'),
    LOG_LEVEL: 'silent',
    CALLMEBOT_BASE_URL: 'http://127.0.0.1:9',
    CALLMEBOT_PHONE: '5561988880000',
    CALLMEBOT_APIKEY: 'test-apikey',
    EAD_BASE_URL: 'http://127.0.0.1:9',
    EAD_API_KEY: 'test-ead-key',
    EAD_UNIT_ID: '1',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig(testEnv(overrides));
}
