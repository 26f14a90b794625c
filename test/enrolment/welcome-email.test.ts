import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { noWhatsappPhone } from '../../src/sandbox/kiwify-samples.js';
import { eventDetail } from '../../src/support/event-detail.js';
import { STORE_ENVS } from '../helpers/databases.js';
import { fixture } from '../helpers/kiwify.js';
import { captureLogs } from '../helpers/logs.js';
import { waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';
import type { Tuning } from '../../src/app/tuning.js';
import { ADMIN, adminAuth } from '../helpers/admin.js';

/** The welcome by e-mail, through the sandbox's SMTP server (smtp-server on loopback, for real). */

const CPF = '11144477735';
const EMAIL = 'beltrana@example.com';
const SCHOOL = {
  SCHOOL_NAME: 'Escola Exemplo',
  PORTAL_URL: 'https://portal.escola.example/entrar?origem=boas-vindas',
  ANDROID_APP_URL: 'https://play.google.com/store/apps/details?id=br.escola',
  SUPPORT_WHATSAPP: '(61) 3333-0000',
  MAIL_REPLY_TO: 'suporte@escola.example',
};

let server: SandboxedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The one-off fixture (Beltrana, "Design Gráfico"), with a number the fake ChatPro says has no WhatsApp. */
function saleWithoutWhatsapp(): Record<string, any> {
  const sale = fixture('order_approved.one_off');
  sale.Customer.mobile = noWhatsappPhone(4321);
  return sale;
}

async function storyOf(s: SandboxedServer, eventId: number | string): Promise<string[]> {
  return (await eventDetail(s.runtime.store, undefined, Number(eventId)))!.story.map((entry) => entry.text);
}

describe.each(STORE_ENVS)('the welcome by e-mail ($name)', ({ env, available }) => {
  const logs = captureLogs();
  async function start(extra: Record<string, string> = {}, tuning: Partial<Tuning> = {}) {
    server = await startSandboxedServer({ ...(await env()), ...SCHOOL, ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'debug', ...extra }, logs.stream, {
      mail: true,
      // The fake parses each message before it answers: under load that outlasts the sandbox's
      // 400 ms deadline, and an answer given up on is a message sent twice (as with any SMTP server).
      tuning: { upstreamTimeoutMs: 5_000, ...tuning },
    });
    return server;
  }

  it('a buyer whose number ChatPro refuses gets it by e-mail: headers, both parts, links, password; the story names the channel', async ({
    skip,
  }) => {
    if (!available) skip('TEST_DATABASE_URL não definido');
    const s = await start();
    const { eventId } = (await s.deliver(saleWithoutWhatsapp())).body;
    const event = await s.settled(eventId);
    const { sandbox } = s;

    // ChatPro was asked (both forms of the number) and said no; the e-mail went, once.
    expect(sandbox.chatpro.calls.map((c) => c.status)).toEqual([400, 400]);
    expect(sandbox.chatpro.delivered).toHaveLength(0);
    expect(sandbox.mail.received).toHaveLength(1);
    const password = sandbox.ead.studentByCpf(CPF)!.senha;
    const { envelope, parsed } = sandbox.mail.received[0];
    expect(envelope).toEqual({ from: 'boasvindas@escola.example', to: [EMAIL] });
    expect(parsed.from?.value).toEqual([{ name: 'Escola Sandbox', address: 'boasvindas@escola.example' }]);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '').toBe(EMAIL);
    expect(parsed.replyTo?.text).toBe('suporte@escola.example');
    expect(parsed.subject).toBe('Beltrana, seu acesso ao plano Design Gráfico · Escola Exemplo');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    const text = parsed.text ?? '';
    expect(text).toContain('Sua matrícula no plano Design Gráfico está confirmada.');
    expect(text).toContain(`Login: ${CPF}`);
    expect(text).toContain(`Senha: ${password}`);
    expect(text).toContain(`Portal: ${SCHOOL.PORTAL_URL}`);
    expect(text).toContain(`App Android: ${SCHOOL.ANDROID_APP_URL}`);
    expect(text).toContain('WhatsApp: (61) 3333-0000');
    const html = String(parsed.html);
    expect(html).toContain(`<strong style="font-family:Consolas,Menlo,monospace;">${password}</strong>`);
    expect(html).toContain(`href="${SCHOOL.PORTAL_URL.replace('&', '&amp;')}"`);
    expect(html).toContain('href="mailto:suporte@escola.example"');
    expect(html).toContain('Olá, Beltrana!');

    // Where it went, in the story and the outcome; not a notice (the student has the login).
    const story = await storyOf(s, eventId);
    expect(story).toContain('Boas-vindas não enviadas por WhatsApp: o celular do aluno não tem WhatsApp.');
    expect(story).toContain('Boas-vindas enviadas por e-mail para b***@example.com (o WhatsApp não pôde recebê-las).');
    expect(event.outcome).toMatch(/boas-vindas enviadas por e-mail \(WhatsApp: o celular do aluno não tem WhatsApp\)\.$/);
    expect(event.lastErrorCode).toBeNull();
    expect(JSON.stringify(story)).not.toContain(EMAIL);
    // Delivered: the password left the journal; it was never logged, nor the address.
    expect((await s.runtime.store.journal.loadSteps(Number(eventId))).get('cadastro')).not.toHaveProperty('sealedPassword');
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.text()).not.toContain(password);
    expect(logs.text()).not.toContain(EMAIL);
  });

  it('a 550 for the address is permanent: not retried, the welcome is "not sent" and support is alerted', async ({ skip }) => {
    if (!available) skip('TEST_DATABASE_URL não definido');
    const s = await start({ WELCOME_CHANNELS: 'email' });
    s.sandbox.mail.refused.add(EMAIL);
    const { eventId } = (await s.deliver(fixture('order_approved.one_off'))).body;
    const event = await s.settled(eventId);
    expect(event).toMatchObject({ runs: 1, lastErrorCode: 'welcome_not_sent' });
    expect(event.lastError).toMatch(/e-mail do aluno recusado/);
    expect(s.sandbox.mail.calls.filter((c) => c.stage === 'rcpt')).toEqual([expect.objectContaining({ status: 550 })]);
    expect(s.sandbox.mail.received).toHaveLength(0);
    expect(s.sandbox.chatpro.calls).toHaveLength(0); // e-mail only: WhatsApp is not a channel here
    await waitFor(() => s.sandbox.callmebot.calls.some((c) => c.text.includes('Boas-vindas não enviadas')), 5_000, 'the alert');
    const alert = s.sandbox.callmebot.calls.find((c) => c.text.includes('Boas-vindas não enviadas'))!.text;
    expect(alert).toContain('e-mail do aluno recusado');
    expect(alert).not.toContain(EMAIL);
    expect(await storyOf(s, eventId)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Boas-vindas não enviadas por e-mail para b\*\*\*@example\.com: e-mail do aluno recusado.*550/),
      ]),
    );
    // Kept sealed for a corrected address.
    expect((await s.runtime.store.journal.loadSteps(Number(eventId))).get('cadastro')).toHaveProperty('sealedPassword');
  });

  it('a 421 (server busy) is retried, and the e-mail then goes once', async ({ skip }) => {
    if (!available) skip('TEST_DATABASE_URL não definido');
    const s = await start({ WELCOME_CHANNELS: 'email' });
    s.sandbox.mail.faults.failNext('busy', 1);
    const { eventId } = (await s.deliver(fixture('order_approved.one_off'))).body;
    const event = await s.settled(eventId);
    expect(event.runs).toBe(2);
    expect(s.sandbox.mail.faults.injected).toBe(1);
    expect(s.sandbox.mail.received).toHaveLength(1);
    const history = (await s.runtime.store.journal.history(Number(eventId))).map((h) => h.message);
    expect(history).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Tentativa 1 de \d+ falhou: Servidor de e-mail pediu para tentar mais tarde \(421\)/),
      ]),
    );
    expect(s.sandbox.ead.callsTo('POST', '/alunos').filter((c) => c.path === '/alunos')).toHaveLength(1);
  });

  it('whatsapp,email: both go, once each; a refused address is told to support while WhatsApp carried the login', async ({ skip }) => {
    if (!available) skip('TEST_DATABASE_URL não definido');
    const s = await start({ WELCOME_CHANNELS: 'whatsapp,email' });
    const { eventId } = (await s.deliver(fixture('order_approved.one_off'))).body;
    const event = await s.settled(eventId);
    expect(s.sandbox.chatpro.delivered).toHaveLength(1);
    expect(s.sandbox.mail.received).toHaveLength(1);
    expect(event.outcome).toMatch(/boas-vindas enviadas por WhatsApp e por e-mail\.$/);

    const sale = fixture('order_approved.one_off');
    sale.order_id = 'a0000000-0000-4000-8000-000000000002';
    sale.Customer.CPF = '52998224725';
    sale.Customer.email = 'ninguem@example.com';
    s.sandbox.mail.refused.add('ninguem@example.com');
    const second = (await s.deliver(sale)).body.eventId;
    const refused = await s.settled(second);
    expect(refused.lastErrorCode).toBeNull(); // WhatsApp delivered it
    await waitFor(() => s.sandbox.callmebot.calls.some((c) => c.text.includes('E-mail do aluno recusado')), 5_000, 'the alert');
    expect(s.sandbox.callmebot.calls.find((c) => c.text.includes('E-mail do aluno recusado'))!.text).toContain('chegaram pelo WhatsApp');
  });

  it('WhatsApp still failing after the retries: the welcome goes by e-mail, and the story says why', async ({ skip }) => {
    if (!available) skip('TEST_DATABASE_URL não definido');
    const s = await start({}, { retryBaseMs: 20, maxAttempts: 10 });
    s.sandbox.chatpro.faults.failNext('http_500', 1000);
    const { eventId } = (await s.deliver(fixture('order_approved.one_off'))).body;
    const event = await s.settled(eventId);
    expect(event.runs).toBe(3); // WHATSAPP_FAILURES_BEFORE_EMAIL
    expect(s.sandbox.chatpro.delivered).toHaveLength(0);
    expect(s.sandbox.mail.received).toHaveLength(1);
    expect(s.sandbox.mail.received[0].parsed.text).toContain(`Senha: ${s.sandbox.ead.studentByCpf(CPF)!.senha}`);
    expect(await storyOf(s, eventId)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^Boas-vindas não enviadas por WhatsApp: o WhatsApp continuou falhando depois das novas tentativas — ChatPro falhou \(HTTP 500\)/,
        ),
        'Boas-vindas enviadas por e-mail para b***@example.com (o WhatsApp não pôde recebê-las).',
      ]),
    );
  });

  it('"Reenviar boas-vindas" by e-mail, to a corrected address: page and API; the password still sealed goes out, then is wiped', async ({
    skip,
  }) => {
    if (!available) skip('TEST_DATABASE_URL não definido');
    const s = await start();
    s.sandbox.mail.refused.add(EMAIL);
    const { eventId } = (await s.deliver(saleWithoutWhatsapp())).body;
    expect((await s.settled(eventId)).lastErrorCode).toBe('welcome_not_sent');
    const api = request(s.runtime.app);
    const send = (body: object) => api.post(`/admin/api/events/${eventId}/welcome`).set(adminAuth).send(body);

    expect((await send({ channel: 'email', email: 'não é e-mail' })).body.error).toMatch(/^E-mail inválido/);
    expect((await send({ channel: 'email', email: 'a@x.com, b@y.com' })).status).toBe(400);
    const page = await api.get(`/admin/events/${eventId}`).set('cookie', await signIn(api));
    expect(page.text).toContain('Reenviar boas-vindas por e-mail');
    expect(page.text).toContain(`value="${EMAIL}"`);

    expect((await send({ channel: 'email', email: 'beltrana.certa@example.com' })).status).toBe(202);
    const done = await s.settled(eventId);
    expect(done.lastErrorCode).toBeNull();
    expect(s.sandbox.mail.received.map((m) => m.envelope.to)).toEqual([['beltrana.certa@example.com']]);
    expect(s.sandbox.mail.received[0].parsed.text).toContain(`Senha: ${s.sandbox.ead.studentByCpf(CPF)!.senha}`);
    expect(s.sandbox.chatpro.calls).toHaveLength(2); // only the first run's: WhatsApp was not asked again
    const story = await storyOf(s, eventId);
    expect(story).toContain('E-mail informado pela API de administração (b***@example.com): reenviando as boas-vindas por e-mail.');
    expect(story).toContain('Boas-vindas enviadas por e-mail para b***@example.com.');
    expect((await s.runtime.store.journal.loadSteps(Number(eventId))).get('cadastro')).not.toHaveProperty('sealedPassword');
    expect((await send({ channel: 'email', email: 'outra@example.com' })).status).toBe(409);
  });
});

describe('"Reenviar boas-vindas" by e-mail without an SMTP server', () => {
  it('is refused with what to do, and the page offers only WhatsApp', async () => {
    server = await startSandboxedServer({ ADMIN_TOKEN: ADMIN });
    const sale = fixture('order_approved.one_off');
    sale.Customer.mobile = '+1 202 555 0143';
    const { eventId } = (await server.deliver(sale)).body;
    await server.settled(eventId);
    const api = request(server.runtime.app);
    const res = await api
      .post(`/admin/api/events/${eventId}/welcome`)
      .set({ authorization: `Bearer ${ADMIN}` })
      .send({ channel: 'email', email: EMAIL });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/^O envio por e-mail não está configurado/);
    const page = await api.get(`/admin/events/${eventId}`).set('cookie', await signIn(api));
    expect(page.text).toContain('Corrigir celular e reenviar boas-vindas');
    expect(page.text).not.toContain('Reenviar boas-vindas por e-mail');
  });
});

/** The admin page's session cookie. */
async function signIn(api: ReturnType<typeof request>): Promise<string> {
  const res = await api.post('/admin/login').type('form').send({ token: ADMIN });
  return String(res.headers['set-cookie']).split(';')[0];
}
