import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatProClient } from '../../src/clients/chatpro.js';
import { EadClient } from '../../src/clients/ead.js';
import { startFakeChatPro } from '../../src/sandbox/fake-chatpro.js';
import { startFakeEad, type FakeEad } from '../../src/sandbox/fake-ead.js';
import { fakeApp, listenFake } from '../../src/sandbox/fake-server.js';
import { freePort } from '../helpers/process.js';
import { approvedSale } from '../helpers/kiwify.js';
import { waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';
import { ADMIN } from '../helpers/admin.js';

const closers: Array<() => Promise<void>> = [];
let server: SandboxedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const close of closers.splice(0)) await close();
});

const eadAt = (baseUrl: string, over: Partial<{ apiKey: string; unitId: string }> = {}) =>
  new EadClient({ baseUrl, apiKey: over.apiKey ?? 'sandbox-ead-key', unitId: over.unitId ?? '1', timeoutMs: 1_000 });

/** A host that is not the EAD API: answers every path with `status` and `body`. */
async function wrongHost(status: number, type: string, body: string) {
  const app = fakeApp();
  app.use((_req, res) => res.status(status).type(type).send(body));
  const fake = await listenFake(app);
  closers.push(fake.close);
  return fake.url;
}

async function fakeEad(): Promise<FakeEad> {
  const ead = await startFakeEad();
  closers.push(ead.close);
  return ead;
}

describe('a wrong EAD configuration names the variable to fix', () => {
  it.each([
    ['a JSON 404', 404, 'application/json', '{"error":"Not Found","path":"/ws/v2/unidades/token/1"}'],
    ['an HTML 404', 404, 'text/html', '<html><body><h1>404 Not Found</h1></body></html>'],
  ])('EAD_BASE_URL whose host answers %s: a permanent configuration error', async (_name, status, type, body) => {
    const url = await wrongHost(status, type, body);
    await expect(eadAt(url).checkConnection()).rejects.toMatchObject({
      transient: false,
      code: 'ead_base_url',
      message: expect.stringContaining('Confira EAD_BASE_URL'),
    });
  });

  it('an HTML 502 (the CDN) stays a retry', async () => {
    const url = await wrongHost(502, 'text/html', '<html>Bad gateway | Cloudflare</html>');
    await expect(eadAt(url).checkConnection()).rejects.toMatchObject({ transient: true });
  });

  it('a refused connection says so and names EAD_BASE_URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    await expect(eadAt(url).checkConnection()).rejects.toMatchObject({
      transient: true,
      message: 'EAD: conexão recusada (ECONNREFUSED). O serviço pode estar fora do ar, ou EAD_BASE_URL está errado.',
    });
  });

  it('a refused API key names EAD_API_KEY; an unknown unit names EAD_UNIT_ID', async () => {
    const ead = await fakeEad();
    await expect(eadAt(ead.url, { apiKey: 'wrong' }).checkConnection()).rejects.toMatchObject({
      transient: false,
      message: expect.stringContaining('EAD_API_KEY'),
    });
    await expect(eadAt(ead.url, { unitId: '999' }).checkConnection()).rejects.toMatchObject({
      transient: false,
      code: 'ead_unit',
      message: expect.stringContaining('confira EAD_UNIT_ID'),
    });
    await expect(eadAt(ead.url).checkConnection()).resolves.toBeUndefined();
  });

  it('ChatPro: a disconnected phone and a wrong token are told apart', async () => {
    const chatpro = await startFakeChatPro();
    closers.push(chatpro.close);
    const client = (token = chatpro.token) =>
      new ChatProClient({ baseUrl: chatpro.url, instanceId: chatpro.instanceId, token, timeoutMs: 1_000 });
    await expect(client().checkConnection()).resolves.toBeUndefined();
    chatpro.connected = false;
    await expect(client().checkConnection()).rejects.toMatchObject({ code: 'chatpro_disconnected' });
    await expect(client('wrong').checkConnection()).rejects.toMatchObject({ message: expect.stringContaining('CHATPRO_TOKEN') });
  });
});

describe('connection checks in the running server', () => {
  it('an EAD outage pauses sales without spending attempts, tells support once, shows a banner; they complete after it', async () => {
    // The first check may run before the outage starts: a short healthy interval catches it soon.
    server = await startSandboxedServer({ ADMIN_TOKEN: ADMIN }, undefined, {
      connectionChecks: true,
      tuning: { checkIntervalMs: 1_000, recheckIntervalMs: 100 },
    });
    const { runtime, sandbox: live } = server;
    live.ead.faults.rate = 1;
    live.ead.faults.kinds = ['html_502'];
    await waitFor(() => runtime.checks!.isFailing('ead'), 5_000, 'the EAD check to fail');

    const ids = [(await server.deliver(approvedSale(1))).body.eventId, (await server.deliver(approvedSale(2))).body.eventId];
    // Several more checks go by (all failing) while the sales wait.
    const firstCheck = (await runtime.store.checks.all()).find((c) => c.name === 'ead')!.checked_at;
    await waitFor(
      async () => (await runtime.store.checks.all()).find((c) => c.name === 'ead')!.checked_at > firstCheck + 250,
      5_000,
      'more checks',
    );
    for (const id of ids) expect(await runtime.store.events.get(Number(id))).toMatchObject({ status: 'pending', attempts: 0 });
    expect(live.ead.calls.filter((c) => c.path.startsWith('/alunos'))).toHaveLength(0);

    const health = await request(runtime.app).get('/admin/api/health').set('authorization', `Bearer ${ADMIN}`);
    expect(health.body.connections).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'ead', ok: false, detail: expect.stringContaining('EAD respondeu HTTP 502') }),
      ]),
    );

    live.ead.faults.clear();
    const done = await Promise.all(ids.map((id) => server!.settled(id)));
    expect(done.map((e) => e.attempts)).toEqual([1, 1]);

    await waitFor(() => live.callmebot.calls.some((c) => c.text.includes('Conexão com o EAD restabelecida')), 5_000, 'the recovery alert');
    const texts = live.callmebot.calls.map((c) => c.text).join('\n');
    expect(texts.match(/Conexão com o EAD falhando/g)).toHaveLength(1);
    expect(texts.match(/Conexão com o EAD restabelecida/g)).toHaveLength(1);
  });

  it('a failing check never holds up start-up, and shows on the admin page', async () => {
    server = await startSandboxedServer({ ADMIN_TOKEN: ADMIN, CHATPRO_TOKEN: 'wrong-token' }, undefined, { connectionChecks: true });
    expect((await fetch(`${server.runtime.url()}/secure`)).status).toBe(200);
    await waitFor(() => server!.runtime.checks!.isFailing('chatpro'), 5_000, 'the ChatPro check to fail');
    await waitFor(
      async () => (await server!.runtime.store.checks.all()).some((c) => c.name === 'chatpro' && c.status === 'failing'),
      5_000,
      'recorded',
    );
    const login = await request(server.runtime.app).post('/admin/login').type('form').send({ token: ADMIN });
    const page = await request(server.runtime.app).get('/admin').set('cookie', login.headers['set-cookie'][0].split(';')[0]);
    expect(page.text).toContain('Sem conexão com o ChatPro');
    // In words on the page (the variable names stay in the logs and the API).
    expect(page.text).toContain('ChatPro recusou o token');
    expect(page.text).not.toContain('CHATPRO_TOKEN');
    expect(server.runtime.checks!.isFailing('ead')).toBe(false);
  });
});
