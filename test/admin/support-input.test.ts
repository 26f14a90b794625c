import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create-app.js';
import { eventsCommand } from '../../src/cli/commands/events-command.js';
import { plansCommand } from '../../src/cli/commands/plans-command.js';
import { CustomerKeys } from '../../src/privacy/customer-keys.js';
import { createLogger } from '../../src/log/logger.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { CourseCatalog } from '../../src/plans/course-catalog.js';
import { runCommand } from '../helpers/cli.js';
import { TOKEN } from '../helpers/config.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { discordKeys, GUILD, postInteraction, ROLE, slash, submitNote } from '../discord-console/helpers.js';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '../../src/http/http-server.js';

/**
 * What support types carries no control characters: NUL (PostgreSQL refuses it in text) and the
 * bidirectional overrides and isolates are refused with a 400 and a message in Portuguese, in every
 * input of the admin API, the admin page, the command line and the Discord console — on SQLite
 * and PostgreSQL alike, never a 5xx. A plan's WhatsApp group is a WhatsApp invite, nothing else.
 */

const ADMIN = 'admin-token-for-input-tests-0123';
const auth = { authorization: `Bearer ${ADMIN}` };
const CONTROL_MESSAGE = /caracteres de controle ou invisíveis/;
/** NUL, a right-to-left override, an isolate, a C1 control (a lone surrogate: JSON only, below). */
const HOSTILE = ['\u0000', '\u202E', '\u2067', '\u0085'];
const CATALOG = new CourseCatalog({ unitCourses: () => Promise.resolve([{ id: '35', nome: 'Administrativo' }]) }, Date.now);
const keys = discordKeys();

describe.each(STORE_TARGETS)('support input ($name)', (target) => {
  let store: Stores;
  let app: ReturnType<typeof createApp>;
  let server: Server;
  let url: string;
  let failedId: number;
  let cookie: string;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    if (!target.available) return;
    const config = await target.fresh();
    env = { SQLITE_PATH: config.SQLITE_PATH || undefined, DATABASE_URL: config.DATABASE_URL };
    store = await openStores(config);
    failedId = (
      await store.inbox.insert({
        eventType: 'order_approved',
        dedupeKey: 'order_approved:input-1',
        customerKey: 'cpf:39053344705',
        orderId: 'input-1',
        planName: 'Plano',
        customerName: 'Fulana',
        body: {},
      })
    ).id;
    const [claim] = await store.queue.claimDue('w', 1, 60_000);
    await store.queue.finish(claim, 'failed', 'falhou', { message: 'Plano sem mapa', code: 'unmapped_plan' });
    app = createApp({
      log: createLogger('silent'),
      store,
      customerKeys: new CustomerKeys('test-secret-for-customer-keys'),
      webhookTokens: [TOKEN],
      version: 't',
      startedAt: 0,
      adminToken: ADMIN,
      catalog: CATALOG,
      discord: {
        publicKey: keys.publicKeyHex,
        guildId: GUILD,
        supportRoleId: ROLE,
        editor: { editOriginal: async () => {}, followUp: async () => {} },
      },
    });
    server = createHttpServer(app, { requestTimeoutMs: 10_000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const login = await request(app).post('/admin/login').type('form').send({ token: ADMIN });
    cookie = login.headers['set-cookie'][0].split(';')[0];
  });
  afterAll(async () => {
    if (server) await new Promise((resolve) => server.close(resolve));
    await store?.close();
  });

  /** Every support input of the API and the page, with `bad` where support types. */
  const httpInputs = (bad: string) => {
    const enc = encodeURIComponent(bad);
    return [
      () => request(app).get(`/admin/api/events?q=Maria${enc}`).set(auth),
      () =>
        request(app)
          .put(`/admin/api/plans/Plano${enc}`)
          .set(auth)
          .send({ courses: [35] }),
      () => request(app).delete(`/admin/api/plans/Plano${enc}`).set(auth),
      () =>
        request(app)
          .post('/admin/api/events/retry')
          .set(auth)
          .send({ plan: `Plano${bad}` }),
      () =>
        request(app)
          .post(`/admin/api/events/${failedId}/resolve`)
          .set(auth)
          .send({ note: `feito${bad}` }),
      () =>
        request(app)
          .post(`/admin/api/events/${failedId}/welcome`)
          .set(auth)
          .send({ phone: `(61) 99999-8888${bad}` }),
      () =>
        request(app)
          .post('/admin/api/erase')
          .set(auth)
          .send({ cpf: `390.533.447-05${bad}` }),
      () =>
        request(app)
          .post('/admin/api/erase')
          .set(auth)
          .send({ cpf: '390.533.447-05', note: `chamado${bad}`, confirm: true }),
      () => request(app).get(`/admin?q=Maria${enc}`).set('cookie', cookie),
      () => request(app).get(`/admin/plans/edit?name=Plano${enc}`).set('cookie', cookie),
      () => request(app).get(`/admin/retry?plan=Plano${enc}`).set('cookie', cookie),
      () =>
        request(app)
          .post('/admin/retry')
          .set('cookie', cookie)
          .type('form')
          .send({ plan: `Plano${bad}` }),
      () =>
        request(app)
          .post('/admin/plans/save')
          .set('cookie', cookie)
          .type('form')
          .send({ name: `Plano${bad}`, courses: '35' }),
      () =>
        request(app)
          .post('/admin/plans/remove')
          .set('cookie', cookie)
          .type('form')
          .send({ name: `Plano${bad}` }),
      () =>
        request(app)
          .post(`/admin/events/${failedId}/resolve`)
          .set('cookie', cookie)
          .type('form')
          .send({ note: `feito${bad}` }),
      () =>
        request(app)
          .post(`/admin/events/${failedId}/welcome`)
          .set('cookie', cookie)
          .type('form')
          .send({ phone: `61999998888${bad}` }),
      () =>
        request(app)
          .post('/admin/privacy/preview')
          .set('cookie', cookie)
          .type('form')
          .send({ cpf: `39053344705${bad}` }),
      () =>
        request(app)
          .post('/admin/privacy/erase')
          .set('cookie', cookie)
          .type('form')
          .send({ cpf: '39053344705', note: `chamado${bad}` }),
    ];
  };

  it.each(HOSTILE.map((c) => [JSON.stringify(c), c]))('admin API and page: %s is a 400 in every input, never a 5xx', async (_, bad) => {
    if (!target.available) return;
    for (const [i, send] of httpInputs(bad).entries()) {
      const res = await send();
      expect(res.status, `input ${i}: ${res.text.slice(0, 300)}`).toBe(400);
      expect(res.text, `input ${i}`).toMatch(CONTROL_MESSAGE);
    }
    expect((await store.events.get(failedId))?.status).toBe('failed');
    expect(await store.plans.all()).toEqual([]);
  });

  it('half a surrogate pair (only JSON can carry one) is refused too', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const bad = '\uD800';
    for (const res of [
      await request(app)
        .put('/admin/api/plans/Plano')
        .set(auth)
        .send({ name: undefined, courses: [35], whatsappGroup: `https://chat.whatsapp.com/a${bad}` }),
      await request(app)
        .post(`/admin/api/events/${failedId}/resolve`)
        .set(auth)
        .send({ note: `feito${bad}` }),
      await request(app)
        .post('/admin/api/events/retry')
        .set(auth)
        .send({ plan: `Plano${bad}` }),
      await request(app)
        .post(`/admin/api/events/${failedId}/welcome`)
        .set(auth)
        .send({ phone: `61999998888${bad}` }),
      await request(app)
        .post('/admin/api/erase')
        .set(auth)
        .send({ cpf: `390.533.447-05${bad}` }),
    ]) {
      expect(res.status, res.text).toBe(400);
    }
  });

  it('a multi-line note is fine; a plain search and a clean plan are answered as before', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    expect((await request(app).get('/admin/api/events?q=Fulana').set(auth)).body.events).toHaveLength(1);
    const other = await store.inbox.insert({ eventType: 'order_approved', dedupeKey: 'k:2', customerKey: 'cpf:2', body: {} });
    const [claim] = await store.queue.claimDue('w', 1, 60_000);
    expect(claim.id).toBe(other.id);
    await store.queue.finish(claim, 'failed', 'falhou', { message: 'x', code: 'test' });
    const note = 'cadastrado à mão no EAD\nchamado 42\tok';
    expect((await request(app).post(`/admin/api/events/${other.id}/resolve`).set(auth).send({ note })).status).toBe(200);
  });

  it("a plan's WhatsApp group must be an https://chat.whatsapp.com/ invite", async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const put = (whatsappGroup: string) =>
      request(app)
        .put('/admin/api/plans/Grupo')
        .set(auth)
        .send({ courses: [35], whatsappGroup });
    for (const link of [
      'http://169.254.169.254/',
      'http://chat.whatsapp.com/AbC123',
      'https://chat.whatsapp.com.evil.example/AbC123',
      'https://evil.example/chat.whatsapp.com/AbC123',
      'https://user:senha@chat.whatsapp.com/AbC123',
      'https://chat.whatsapp.com@evil.example/AbC123',
      'https://chat.whatsapp.com:8443/AbC123',
      'https://chat.whatsapp.com/AbC123?next=https://evil.example',
      'https://chat.whatsapp.com/../../AbC123',
      'https://chat.whatsapp.com/Ab%43123',
      'https:\\\\chat.whatsapp.com\\AbC123',
      'javascript:alert(1)',
      'https://chat.whatsapp.com/AbC\u202E123',
    ]) {
      const res = await put(link);
      expect(res.status, link).toBe(400);
      expect(res.body.error, link).toMatch(/https:\/\/chat\.whatsapp\.com\/<código>|caracteres de controle/);
    }
    expect((await put('https://chat.whatsapp.com/AbC123xyz')).status).toBe(200);
    expect((await store.plans.byName('Grupo'))?.whatsappGroup).toBe('https://chat.whatsapp.com/AbC123xyz');
    await store.plans.remove('Grupo', 'teste');
  });

  it('command line: control characters in a search, a note, a plan name or a CPF are refused with a message', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    for (const bad of HOSTILE) {
      const runs = [
        await runCommand(eventsCommand, ['list', '--q', `Maria${bad}`], env),
        await runCommand(eventsCommand, ['resolve', String(failedId), '--note', `feito${bad}`], env),
        await runCommand(eventsCommand, ['erase', '--cpf', `390.533.447-05${bad}`], { ...env, EAD_API_KEY: 'chave-de-teste' }),
        await runCommand(plansCommand, ['set', `Plano${bad}`, '35'], env),
        await runCommand(plansCommand, ['remove', `Plano${bad}`], env),
      ];
      for (const [i, run] of runs.entries()) {
        expect(run.code, `${JSON.stringify(bad)} run ${i}: ${run.err}`).not.toBe(0);
        expect(run.err, `${JSON.stringify(bad)} run ${i}`).toMatch(/caracteres de controle|CPF inválido/);
      }
    }
    expect((await store.events.get(failedId))?.status).toBe('failed');
  });

  it('Discord: /ponte evento, /ponte resolver and the note modal refuse control characters with a message', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    for (const bad of HOSTILE) {
      for (const interaction of [
        slash('evento', { busca: `Maria${bad}` }),
        slash('resolver', { id: failedId, nota: `feito${bad}` }),
        submitNote(`ponte:note:${failedId}`, `feito${bad}`),
      ]) {
        const res = await postInteraction(url, keys, interaction);
        expect(res.status).toBe(200);
        expect(res.body.data.content, JSON.stringify(interaction)).toMatch(CONTROL_MESSAGE);
      }
    }
    expect((await store.events.get(failedId))?.status).toBe('failed');
  });
});
