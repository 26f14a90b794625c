import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError, DEFAULT_PLANS_FILE, EXAMPLE_VALUES, loadConfig } from '../../src/config/config.js';
import { createRuntime } from '../../src/app/runtime.js';
import { testConfig, testEnv } from '../helpers/config.js';
import { tsProcess } from '../helpers/process.js';

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({
      KIWIFY_WEBHOOK_TOKEN: 'token-da-kiwify',
      CALLMEBOT_PHONE: '5561988880000',
      CALLMEBOT_APIKEY: 'k',
      EAD_API_KEY: 'e',
      EAD_UNIT_ID: '1',
    });
    expect(config).toMatchObject({
      PORT: 3000,
      SQLITE_PATH: './data/bridge.db',
      WORKER_CONCURRENCY: 4,
      MAX_ATTEMPTS: 10,
      RETRY_BASE_MS: 30_000,
      CALLMEBOT_BASE_URL: 'https://api.callmebot.com',
      TRUST_PROXY: false,
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      PASSWORD_RETENTION_DAYS: 7,
      RETENTION_DAYS: 180,
    });
    expect(config.DATABASE_URL ?? config.DISCORD_WEBHOOK_URL ?? config.ADMIN_TOKEN).toBeUndefined();
  });

  it('reads several comma-separated Kiwify tokens', () => {
    const config = loadConfig(testEnv({ KIWIFY_WEBHOOK_TOKEN: ' old-token , new-token ,' }));
    expect(config.KIWIFY_WEBHOOK_TOKEN).toEqual(['old-token', 'new-token']);
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
    expect(problems({ ...testEnv(), CHATPRO_INSTANCE_ID: 'abc' })).toEqual([
      expect.stringMatching(/^CHATPRO_TOKEN: defina CHATPRO_INSTANCE_ID e CHATPRO_TOKEN juntos/),
    ]);
    expect(problems({ ...testEnv(), KIWIFY_CLIENT_ID: 'client' })).toEqual([
      expect.stringMatching(
        /^KIWIFY_CLIENT_SECRET: defina KIWIFY_CLIENT_ID, KIWIFY_CLIENT_SECRET, KIWIFY_ACCOUNT_ID juntos \(Kiwify → Apps → API\)/,
      ),
      expect.stringMatching(/^KIWIFY_ACCOUNT_ID: defina KIWIFY_CLIENT_ID, KIWIFY_CLIENT_SECRET, KIWIFY_ACCOUNT_ID juntos/),
    ]);
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

  it('refuses webhook tokens shorter than 8 characters', () => {
    expect(problems({ ...testEnv(), KIWIFY_WEBHOOK_TOKEN: 'a' })).toEqual([
      expect.stringMatching(/^KIWIFY_WEBHOOK_TOKEN: cada token deve ter ao menos 8 caracteres/),
    ]);
    expect(problems({ ...testEnv(), KIWIFY_WEBHOOK_TOKEN: 'long-enough-token,short' })).toHaveLength(1);
  });

  it('refuses every value still equal to its .env.example placeholder, naming each', () => {
    const example = parseDotenv(readFileSync(new URL('../../.env.example', import.meta.url)));
    const found = problems(example);
    const placeholders = Object.keys(EXAMPLE_VALUES);
    expect(placeholders.length).toBeGreaterThan(0);
    for (const name of placeholders) {
      expect(example[name]).toBe(EXAMPLE_VALUES[name]); // the list and the file stay in step
      expect(found).toContain(`${name}: troque o valor de exemplo de ${name} (copiado do .env.example) pelo valor real`);
    }
    // Hidden in a list of tokens, the placeholder still stops start-up.
    expect(problems({ ...testEnv(), KIWIFY_WEBHOOK_TOKEN: 'change-me,real-token-123' })).toEqual([
      expect.stringMatching(/^KIWIFY_WEBHOOK_TOKEN: troque o valor de exemplo/),
    ]);
  });

  it("trusts no proxy by default, and Render's one proxy when RENDER is set", () => {
    expect(loadConfig(testEnv()).TRUST_PROXY).toBe(false);
    expect(loadConfig(testEnv({ RENDER: 'true' })).TRUST_PROXY).toBe(1);
    expect(loadConfig(testEnv({ RENDER: 'true', TRUST_PROXY: 'false' })).TRUST_PROXY).toBe(false);
  });

  it('reads TRUST_PROXY as hops, a boolean or addresses, and bounds PORT', () => {
    expect(loadConfig(testEnv({ TRUST_PROXY: '2' })).TRUST_PROXY).toBe(2);
    expect(loadConfig(testEnv({ TRUST_PROXY: 'false' })).TRUST_PROXY).toBe(false);
    expect(loadConfig(testEnv({ TRUST_PROXY: 'loopback' })).TRUST_PROXY).toBe('loopback');
    expect(loadConfig(testEnv({ TRUST_PROXY: 'True' })).TRUST_PROXY).toBe(true);
    expect(loadConfig(testEnv({ TRUST_PROXY: '10.0.0.0/8, ::1' })).TRUST_PROXY).toBe('10.0.0.0/8, ::1');
    expect(problems({ ...testEnv(), TRUST_PROXY: 'sim' })).toEqual([expect.stringMatching(/^TRUST_PROXY: use o número de proxies/)]);
    expect(problems({ ...testEnv(), TRUST_PROXY: '10.0.0.0/99' })).toHaveLength(1);
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
    const run = tsProcess('src/server.ts');
    const result = spawnSync(process.execPath, run.args, {
      cwd: run.cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Configuração inválida');
    expect(result.stderr).toContain('CALLMEBOT_APIKEY');
  });

  it('a PLANS_FILE that is not there is named, with the fix, not a raw ENOENT', async () => {
    await expect(createRuntime(testConfig({ PLANS_FILE: '/nao/existe/planos.json' }))).rejects.toThrow(
      'Mapa de planos inválido (/nao/existe/planos.json):\n  - arquivo não encontrado: confira PLANS_FILE',
    );
  });

  it('a port already in use is named, with the fix, not a raw EADDRINUSE; nothing else was started', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const port = (taken.address() as AddressInfo).port;
    const runtime = await createRuntime(testConfig({ PORT: String(port) }));
    try {
      await expect(runtime.listen()).rejects.toThrow(
        `A porta ${port} já está em uso por outro processo: pare-o, ou defina outra porta em PORT`,
      );
      expect(runtime.worker.busy).toBe(0);
    } finally {
      await runtime.stop();
      taken.close();
    }
  });
});
