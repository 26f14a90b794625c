import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError, DEFAULT_PLANS_FILE, EXAMPLE_VALUES, loadConfig } from '../../src/config/config.js';
import { createRuntime } from '../../src/app/runtime.js';
import { PRODUCTION_TUNING } from '../../src/app/tuning.js';
import { PASSWORD_RETENTION_DAYS } from '../../src/privacy/housekeeping.js';
import { z } from 'zod';
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
      server: { port: 3000, trustProxy: false },
      storage: { SQLITE_PATH: './data/bridge.db' },
      worker: { concurrency: 4 },
      alerts: { callmebot: { baseUrl: 'https://api.callmebot.com' } },
      privacy: { retentionDays: 180 },
    });
    // Once variables, now the modules' constants (tuning.ts).
    expect(PRODUCTION_TUNING).toMatchObject({ maxAttempts: 10, retryBaseMs: 30_000, requestTimeoutMs: 30_000 });
    expect(PASSWORD_RETENTION_DAYS).toBe(7);
    expect(config.storage.DATABASE_URL ?? config.alerts.discordWebhookUrl ?? config.admin.token).toBeUndefined();
  });

  it('reads several comma-separated Kiwify tokens', () => {
    const config = loadConfig(testEnv({ KIWIFY_WEBHOOK_TOKEN: ' old-token , new-token ,' }));
    expect(config.kiwify.webhookTokens).toEqual(['old-token', 'new-token']);
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
    expect(loadConfig(testEnv()).server.trustProxy).toBe(false);
    expect(loadConfig(testEnv({ RENDER: 'true' })).server.trustProxy).toBe(1);
    expect(loadConfig(testEnv({ RENDER: 'true', TRUST_PROXY: 'false' })).server.trustProxy).toBe(false);
  });

  it('reads TRUST_PROXY as hops, a boolean or addresses, and bounds PORT', () => {
    expect(loadConfig(testEnv({ TRUST_PROXY: '2' })).server.trustProxy).toBe(2);
    expect(loadConfig(testEnv({ TRUST_PROXY: 'false' })).server.trustProxy).toBe(false);
    expect(loadConfig(testEnv({ TRUST_PROXY: 'loopback' })).server.trustProxy).toBe('loopback');
    expect(loadConfig(testEnv({ TRUST_PROXY: 'True' })).server.trustProxy).toBe(true);
    expect(loadConfig(testEnv({ TRUST_PROXY: '10.0.0.0/8, ::1' })).server.trustProxy).toBe('10.0.0.0/8, ::1');
    expect(problems({ ...testEnv(), TRUST_PROXY: 'sim' })).toEqual([expect.stringMatching(/^TRUST_PROXY: use o número de proxies/)]);
    expect(problems({ ...testEnv(), TRUST_PROXY: '10.0.0.0/99' })).toHaveLength(1);
    expect(problems({ ...testEnv(), PORT: '70000' })).toEqual([expect.stringMatching(/^PORT: /)]);
  });

  it('treats empty optional variables as unset (as .env files often leave them)', () => {
    const config = loadConfig(testEnv({ DISCORD_WEBHOOK_URL: '', ADMIN_TOKEN: '', DATABASE_URL: '', PLANS_FILE: ' ', PORT: '' }));
    expect(config.server.port).toBe(3000);
    expect(config.sales.plansFile).toBe(DEFAULT_PLANS_FILE);
    expect(config.alerts.discordWebhookUrl).toBeUndefined();
    expect(config.admin.token).toBeUndefined();
    expect(config.storage.DATABASE_URL).toBeUndefined();
  });

  it('a tool asks for the groups it needs: only their variables are read and required', () => {
    expect(loadConfig({ SQLITE_PATH: '/tmp/x.db' }, ['storage'])).toEqual({ storage: { SQLITE_PATH: '/tmp/x.db' } });
    expect(loadConfig({ SECRET_KEY: 'a-secret-of-16-chars' }, ['privacy']).privacy.keySecret).toBe('a-secret-of-16-chars');
    expect(loadConfig({ EAD_API_KEY: 'chave' }, ['privacy']).privacy.keySecret).toBe('chave');
    expect(() => loadConfig({}, ['privacy'])).toThrow(/EAD_API_KEY: obrigatório quando SECRET_KEY não está definido/);
    expect(() => loadConfig({ EAD_API_KEY: 'change-me' }, ['ead'])).toThrow(/EAD_API_KEY: troque o valor de exemplo/);
    expect(() => loadConfig({ EAD_API_KEY: 'change-me', SQLITE_PATH: 'x' }, ['storage'])).not.toThrow();
  });

  it('variables of earlier releases (now constants) are ignored and named for removal, never an error', () => {
    const config = loadConfig(testEnv({ LEASE_MS: '2000', MAX_ATTEMPTS: 'muitas', WORKER_CONCURRENCY: '2' }));
    expect(config.server.retired).toEqual(['MAX_ATTEMPTS', 'LEASE_MS']);
    expect(config.worker.concurrency).toBe(2);
    expect(loadConfig(testEnv()).server.retired).toEqual([]);
  });

  it("its Portuguese messages are the configuration's alone: other schemas keep zod's own (no global locale)", () => {
    expect(problems({ ...testEnv(), REVOKE_MODE: 'erase' })).toEqual([expect.stringMatching(/^REVOKE_MODE: Opção inválida/)]);
    const elsewhere = z.enum(['a', 'b']).safeParse('c');
    expect(elsewhere.error?.issues[0].message).toMatch(/^Invalid option/);
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
