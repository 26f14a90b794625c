import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/runtime.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { startRuntime, waitFor } from '../helpers/runtime.js';
import { ADMIN } from '../helpers/admin.js';
let sandbox: Sandbox | undefined;
let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.stop();
  await sandbox?.close();
  runtime = undefined;
  sandbox = undefined;
});

describe('the SMTP connection check', () => {
  it('with e-mail configured, the server checks SMTP at start-up: it logs in and sends nothing', async () => {
    sandbox = await startSandbox();
    runtime = await startRuntime({ env: { ...sandbox.env, ...sandbox.mailEnv, ADMIN_TOKEN: ADMIN }, connectionChecks: true });
    const server = runtime;
    await waitFor(
      async () => (await server.store.checks.all()).find((c) => c.name === 'mail' && c.status === 'ok'),
      5_000,
      'the mail check',
    );
    expect(sandbox.mail.calls).toEqual([expect.objectContaining({ stage: 'auth', status: 235 })]);
    expect(sandbox.mail.received).toHaveLength(0);
  });

  it('a refused login is failing, named on the health API without the password, and support is told', async () => {
    const wrong = 'senha-errada-de-proposito';
    sandbox = await startSandbox();
    const url = sandbox.mailEnv.SMTP_URL.replace(`:${sandbox.mail.password}@`, `:${wrong}@`);
    runtime = await startRuntime({
      env: { ...sandbox.env, SMTP_URL: url, MAIL_FROM: sandbox.mailEnv.MAIL_FROM, ADMIN_TOKEN: ADMIN },
      connectionChecks: true,
      tuning: { recheckIntervalMs: 100 },
    });
    const server = runtime;
    const live = sandbox;
    await waitFor(() => server.checks!.isFailing('mail'), 5_000, 'the mail check to fail');
    await waitFor(
      async () => (await server.store.checks.all()).some((c) => c.name === 'mail' && c.status === 'failing'),
      5_000,
      'recorded',
    );
    const health = await request(server.app).get('/admin/api/health').set('authorization', `Bearer ${ADMIN}`);
    const mail = (health.body.connections as Array<{ name: string; ok: boolean; detail: string }>).find((c) => c.name === 'mail');
    expect(mail).toMatchObject({ ok: false, detail: expect.stringContaining('confira o usuário e a senha de SMTP_URL (535)') });
    expect(JSON.stringify(health.body)).not.toContain(wrong);
    await waitFor(() => live.callmebot.calls.some((c) => c.text.includes('Conexão com o e-mail (SMTP) falhando')), 5_000, 'the alert');
    expect(live.callmebot.calls.map((c) => c.text).join('\n')).not.toContain(wrong);
    // The admin page names the system as the alert does (one map of the checked systems' names).
    const login = await request(server.app).post('/admin/login').type('form').send({ token: ADMIN });
    const page = await request(server.app).get('/admin').set('cookie', login.headers['set-cookie'][0].split(';')[0]);
    expect(page.text).toContain('Sem conexão com o e-mail (SMTP)');
    expect(server.checks!.isFailing('ead')).toBe(false);
  });
});
