import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create-app.js';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import { createLogger } from '../../src/log/logger.js';
import { CustomerKeys } from '../../src/privacy/customer-keys.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { testConfig } from '../helpers/config.js';
import { captureLogs } from '../helpers/logs.js';
import { ADMIN, adminAuth } from '../helpers/admin.js';

/** What a runtime runs is said by its options, never guessed from whether a test built it. */
const KIWIFY_API = { KIWIFY_CLIENT_ID: 'id', KIWIFY_CLIENT_SECRET: 'segredo', KIWIFY_ACCOUNT_ID: 'conta' };
const DISCORD = {
  DISCORD_APPLICATION_ID: '100000000000000001',
  DISCORD_PUBLIC_KEY: 'ab'.repeat(32),
  DISCORD_BOT_TOKEN: 'bot-token',
  DISCORD_GUILD_ID: '300000000000000001',
  DISCORD_SUPPORT_ROLE_ID: '400000000000000001',
};

let runtime: Runtime | undefined;
let store: Stores | undefined;
afterEach(async () => {
  await runtime?.stop();
  await store?.close();
  runtime = undefined;
  store = undefined;
});

describe('the runtime', () => {
  it('runs its periodic jobs on one scheduler; test handlers change nothing else', async () => {
    runtime = await createRuntime(testConfig({ ...KIWIFY_API, ...DISCORD }), { handlers: {} });
    expect(runtime.checks).toBeDefined();
    expect(runtime.reconciler).toBeDefined();
    expect(runtime.scheduler.jobs).toEqual([
      'housekeeping',
      'connection-checks',
      'connection-view',
      'reconciliation',
      'discord-interactions',
      'wal-truncate',
    ]);
  });

  it('names, once listening, the variables of earlier releases still set (now constants): remove them', async () => {
    const logs = captureLogs();
    runtime = await createRuntime(testConfig({ LOG_LEVEL: 'warn', LEASE_MS: '2000', HTTP_TIMEOUT_MS: '400' }), {
      logDestination: logs.stream,
      connectionChecks: false,
    });
    await runtime.listen(0);
    const said = logs.entries().find((e) => String(e.msg).startsWith('variáveis de ambiente que esta versão não lê mais'));
    expect(said).toMatchObject({ level: 'warn', variables: ['LEASE_MS', 'HTTP_TIMEOUT_MS'] });
  });

  it('connection checks and the reconciliation are turned off by explicit options', async () => {
    runtime = await createRuntime(testConfig(KIWIFY_API), { connectionChecks: false, reconcile: false });
    expect(runtime.checks).toBeUndefined();
    expect(runtime.reconciler).toBeUndefined();
    expect(runtime.scheduler.jobs).toEqual(['housekeeping', 'wal-truncate']);
  });
});

describe('an app built without the EAD catalog', () => {
  it('says the catalog is missing and saves plans unchecked, saying so', async () => {
    store = await openStores({ SQLITE_PATH: ':memory:' });
    const app = createApp({
      log: createLogger('silent'),
      store,
      webhookTokens: ['token-de-teste'],
      version: 'teste',
      startedAt: Date.now(),
      adminToken: ADMIN,
      customerKeys: new CustomerKeys('segredo-de-teste'),
    });
    const courses = await request(app).get('/admin/api/courses').set(adminAuth);
    expect(courses.status).toBe(502);
    expect(courses.body.error).toContain('catálogo do EAD não configurado');
    const saved = await request(app)
      .put('/admin/api/plans/Plano%20A')
      .set(adminAuth)
      .send({ courses: [7] });
    expect(saved.body).toMatchObject({ ok: true, warning: expect.stringContaining('os ids dos cursos não foram conferidos') });
  });
});
