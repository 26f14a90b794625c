import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_PLANS_FILE, loadConfig } from '../src/config.js';
import { testEnv } from './support/config.js';

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env as NodeJS.ProcessEnv);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ KIWIFY_WEBHOOK_TOKEN: 't', CALLMEBOT_PHONE: '5561999990000', CALLMEBOT_APIKEY: 'k', EAD_API_KEY: 'e', EAD_UNIT_ID: '1' });
    expect(config).toMatchObject({
      PORT: 3000,
      SQLITE_PATH: './data/bridge.db',
      WORKER_CONCURRENCY: 4,
      MAX_ATTEMPTS: 10,
      RETRY_BASE_MS: 30_000,
      CALLMEBOT_BASE_URL: 'https://api.callmebot.com',
    });
    expect(config.DATABASE_URL ?? config.DISCORD_WEBHOOK_URL ?? config.ADMIN_TOKEN).toBeUndefined();
  });

  it('reads several comma-separated Kiwify tokens', () => {
    const config = loadConfig(testEnv({ KIWIFY_WEBHOOK_TOKEN: ' old , new ,' }));
    expect(config.KIWIFY_WEBHOOK_TOKEN).toEqual(['old', 'new']);
  });

  it('names every missing or malformed variable', () => {
    const found = problems({
      ...testEnv(),
      KIWIFY_WEBHOOK_TOKEN: undefined,
      WORKER_CONCURRENCY: 'four',
      DISCORD_WEBHOOK_URL: 'not a url',
      DATABASE_URL: 'mysql://x',
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^KIWIFY_WEBHOOK_TOKEN: /),
        expect.stringMatching(/^WORKER_CONCURRENCY: /),
        expect.stringMatching(/^DISCORD_WEBHOOK_URL: /),
        expect.stringMatching(/^DATABASE_URL: /),
      ]),
    );
    expect(problems({ ...testEnv(), KIWIFY_WEBHOOK_TOKEN: ' , ' })).toEqual([expect.stringMatching(/^KIWIFY_WEBHOOK_TOKEN: /)]);
    expect(problems({ ...testEnv(), CHATPRO_INSTANCE_ID: 'abc' })).toEqual([expect.stringMatching(/^CHATPRO_TOKEN: defina CHATPRO_INSTANCE_ID e CHATPRO_TOKEN juntos/)]);
    const three = problems({ ...testEnv(), REVOKE_MODE: 'erase', CANCEL_POLICY: 'later', EAD_UNIT_ID: 'x' });
    expect(three).toHaveLength(3);
    expect(three).toEqual(
      expect.arrayContaining([
        'REVOKE_MODE: Opção inválida: esperava uma das seguintes opções: "delete"|"courses"',
        expect.stringMatching(/^CANCEL_POLICY: Opção inválida/),
        'EAD_UNIT_ID: deve ser o id numérico da unidade',
      ]),
    );
  });

  it('reads TRUST_PROXY as hops, a boolean or addresses, and bounds PORT', () => {
    expect(loadConfig(testEnv()).TRUST_PROXY).toBe(1);
    expect(loadConfig(testEnv({ TRUST_PROXY: '2' })).TRUST_PROXY).toBe(2);
    expect(loadConfig(testEnv({ TRUST_PROXY: 'false' })).TRUST_PROXY).toBe(false);
    expect(loadConfig(testEnv({ TRUST_PROXY: 'loopback' })).TRUST_PROXY).toBe('loopback');
    expect(problems({ ...testEnv(), PORT: '70000' })).toEqual([expect.stringMatching(/^PORT: /)]);
  });

  it('treats empty optional variables as unset (as .env files often leave them)', () => {
    const config = loadConfig(testEnv({ DISCORD_WEBHOOK_URL: '', ADMIN_TOKEN: '', DATABASE_URL: '', PLANS_FILE: ' ', PORT: '' }));
    expect(config.PORT).toBe(3000);
    expect(config.PLANS_FILE).toBe(DEFAULT_PLANS_FILE);
    expect(config.DISCORD_WEBHOOK_URL).toBeUndefined();
    expect(config.ADMIN_TOKEN).toBeUndefined();
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('stops the server at start-up with a message naming the variable', () => {
    const env = testEnv({ CALLMEBOT_APIKEY: undefined, PORT: '0' });
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Configuração inválida');
    expect(result.stderr).toContain('CALLMEBOT_APIKEY');
  });
});
