import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectionOptions, MailClient, type OutgoingMail } from '../../src/clients/mail-client.js';
import type { UpstreamCall } from '../../src/clients/upstream-http.js';
import { resolveSmtp, type SmtpSettings } from '../../src/clients/smtp-settings.js';
import { describeError, PermanentError, TransientError } from '../../src/domain/errors.js';
import { startFakeSmtp, type FakeSmtp } from '../../src/sandbox/fake-smtp.js';
import { waitFor } from '../helpers/runtime.js';

let fake: FakeSmtp;
beforeEach(async () => {
  fake = await startFakeSmtp();
});
afterEach(() => fake.close());

const STUDENT = 'ana.souza@example.com';
const mail = (over: Partial<OutgoingMail> = {}): OutgoingMail => ({
  to: STUDENT,
  subject: 'Ana, seu acesso ao plano Inglês Fluente',
  text: 'Login: 52998224725\nSenha: Xk9-senha-forte\nPortal: https://portal.escola.example/login',
  html: '<p>Login: <strong>52998224725</strong><br>Senha: <strong>Xk9-senha-forte</strong></p><a href="https://portal.escola.example/login">Portal</a>',
  ...over,
});

function settings(over: Partial<SmtpSettings> = {}): SmtpSettings {
  return { ...resolveSmtp({ SMTP_URL: fake.url }).settings!, ...over };
}

function client(over: Partial<SmtpSettings> = {}, timeoutMs = 2_000, calls: UpstreamCall[] = []) {
  return new MailClient({
    smtp: settings(over),
    from: fake.from,
    replyTo: 'Suporte da Escola <suporte@escola.example>',
    timeoutMs,
    observer: { upstreamCall: (call) => calls.push(call) },
  });
}

describe('SMTP client against a loopback SMTP server', () => {
  it('a send arrives with From, To, Reply-To, Subject, both parts, the links and the password; logged in', async () => {
    const calls: UpstreamCall[] = [];
    const { messageId } = await client({}, 2_000, calls).send(mail());
    expect(fake.received).toHaveLength(1);
    const [got] = fake.received;
    expect(got.envelope).toEqual({ from: 'boasvindas@escola.example', to: [STUDENT] });
    expect(got.parsed.messageId).toBe(messageId);
    expect(got.parsed.from?.value).toEqual([{ name: 'Escola Sandbox', address: 'boasvindas@escola.example' }]);
    expect(got.parsed.replyTo?.value).toEqual([{ name: 'Suporte da Escola', address: 'suporte@escola.example' }]);
    expect(got.parsed.subject).toBe('Ana, seu acesso ao plano Inglês Fluente');
    expect(got.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(got.parsed.text).toContain('Senha: Xk9-senha-forte');
    expect(got.parsed.text).toContain('https://portal.escola.example/login');
    expect(got.parsed.html).toContain('<strong>Xk9-senha-forte</strong>');
    expect(got.parsed.html).toContain('href="https://portal.escola.example/login"');
    expect(fake.calls.filter((c) => c.stage === 'auth')).toEqual([expect.objectContaining({ status: 235 })]);
    expect(calls).toEqual([expect.objectContaining({ system: 'mail', operation: 'send_mail', outcome: 'ok' })]);
  });

  it('a 550 for the recipient is permanent (mail_rejected), its text carries neither the address nor the password in clear', async () => {
    fake.refused.add(STUDENT);
    const calls: UpstreamCall[] = [];
    const err = await client({}, 2_000, calls)
      .send(mail())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code: 'mail_rejected' });
    const said = describeError(err);
    expect(said).toContain('550');
    expect(said).not.toContain(STUDENT);
    expect(said).not.toContain(fake.password);
    expect(fake.received).toHaveLength(0);
    expect(calls).toEqual([expect.objectContaining({ outcome: 'smtp_5xx' })]);
  });

  it('an address that is not one bare address is refused before a byte is sent (never two recipients)', async () => {
    for (const to of [
      `${STUDENT}, outro@example.com`,
      'Ana <ana@example.com>',
      'ana@example',
      'ana @example.com',
      'ana@example.com\r\nBcc: x@y.z',
    ]) {
      await expect(client().send(mail({ to }))).rejects.toMatchObject({ code: 'mail_rejected', transient: false });
    }
    expect(fake.calls).toHaveLength(0);
  });

  it('421 at the greeting and 451 after the message are transient; the next send goes through', async () => {
    fake.faults.failNext('busy');
    const calls: UpstreamCall[] = [];
    const busy = await client({}, 2_000, calls)
      .send(mail())
      .catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(TransientError);
    expect(describeError(busy)).toContain('421');
    fake.faults.failNext('defer');
    await expect(client().send(mail())).rejects.toMatchObject({ transient: true, code: 'mail_unavailable' });
    expect(fake.received).toHaveLength(0);
    await client().send(mail());
    expect(fake.received).toHaveLength(1);
    expect(calls[0]).toMatchObject({ outcome: 'smtp_4xx' });
  });

  it('a refused login (535) is permanent and names the variables, never the password', async () => {
    const err = await client({ password: 'senha-errada-123' })
      .send(mail())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'mail_auth', transient: false });
    expect(describeError(err)).toContain('SMTP_URL');
    expect(describeError(err)).not.toContain('senha-errada-123');
    const parts = resolveSmtp({ SMTP_HOST: '127.0.0.1', SMTP_PORT: fake.port, SMTP_USER: fake.user, SMTP_PASSWORD: 'nope-nope' }).settings!;
    await expect(new MailClient({ smtp: parts, from: fake.from, timeoutMs: 2_000 }).checkConnection()).rejects.toMatchObject({
      code: 'mail_auth',
      message: expect.stringContaining('SMTP_USER e SMTP_PASSWORD'),
    });
  });

  it.each(['silent', 'drip'] as const)('a %s server is a transient timeout at the deadline, and its socket is closed', async (kind) => {
    const deadlineMs = 300;
    fake.faults.failNext(kind);
    const calls: UpstreamCall[] = [];
    const started = performance.now();
    const err = await client({}, deadlineMs, calls)
      .send(mail())
      .catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: 'timeout' });
    // Without the deadline a dripping server holds the send for minutes (its socket is never idle).
    expect(elapsed).toBeLessThan(deadlineMs + 2_000);
    expect(calls).toEqual([expect.objectContaining({ outcome: 'timeout' })]);
    await waitFor(() => fake.openConnections() === 0, 5_000, 'the connection to close');
  });

  it('the connection check logs in and sends nothing; a dripping server fails it at the deadline', async () => {
    const calls: UpstreamCall[] = [];
    await client({}, 2_000, calls).checkConnection();
    expect(fake.calls).toEqual([expect.objectContaining({ stage: 'auth', status: 235 })]);
    expect(fake.received).toHaveLength(0);
    fake.faults.failNext('drip');
    await expect(client({}, 300, calls).checkConnection()).rejects.toMatchObject({ code: 'timeout', transient: true });
    expect(calls.map((c) => [c.operation, c.outcome])).toEqual([
      ['verify', 'ok'],
      ['verify', 'timeout'],
    ]);
    await waitFor(() => fake.openConnections() === 0, 5_000, 'the connection to close');
  });
});

describe('TLS: credentials never travel in clear', () => {
  it('STARTTLS required and not offered: permanent, and neither the login nor the message was sent', async () => {
    await expect(client({ tls: 'starttls' }).send(mail())).rejects.toMatchObject({ code: 'mail_tls', transient: false });
    await expect(client({ tls: 'starttls' }).checkConnection()).rejects.toMatchObject({ code: 'mail_tls' });
    expect(fake.calls).toHaveLength(0);
    expect(fake.received).toHaveLength(0);
  });

  it('a certificate that does not check out is refused (verification stays on)', async () => {
    const tlsFake = await startFakeSmtp({ starttls: true });
    try {
      const smtp = { ...resolveSmtp({ SMTP_URL: tlsFake.url }).settings!, tls: 'starttls' as const };
      const err = await new MailClient({ smtp, from: tlsFake.from, timeoutMs: 2_000 }).send(mail()).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'mail_tls', message: expect.stringContaining('certificado') });
      expect(tlsFake.calls).toHaveLength(0);
    } finally {
      await tlsFake.close();
    }
  });

  it('no TLS is refused for any host but loopback; remote hosts get STARTTLS required or TLS from the start', () => {
    const remote = { host: 'smtp.gmail.com', port: 587, variables: { server: 'SMTP_URL', credentials: 'SMTP_URL' } };
    expect(() => connectionOptions({ ...remote, tls: 'none' }, 1_000)).toThrow(/só em loopback/);
    expect(() => new MailClient({ smtp: { ...remote, tls: 'none' }, from: 'a@b.com', timeoutMs: 1_000 })).toThrow(/só em loopback/);
    expect(connectionOptions({ ...remote, tls: 'starttls' }, 1_000)).toMatchObject({ secure: false, requireTLS: true, ignoreTLS: false });
    expect(connectionOptions({ ...remote, port: 465, tls: 'implicit' }, 1_000)).toMatchObject({ secure: true });
    expect(connectionOptions({ ...remote, tls: 'starttls' }, 1_000).tls).toMatchObject({ rejectUnauthorized: true });
    for (const host of ['127.0.0.1', '127.0.0.5', '::1', 'localhost']) {
      expect(connectionOptions({ ...remote, host, tls: 'none' }, 1_000)).toMatchObject({ ignoreTLS: true, requireTLS: false });
    }
  });

  it('the settings: smtp:// means STARTTLS required except on loopback, smtps:// TLS from the start, 465 by host is TLS', () => {
    expect(resolveSmtp({ SMTP_URL: 'smtp://u:p@smtp.brevo.example:587' }).settings).toMatchObject({ tls: 'starttls', port: 587 });
    expect(resolveSmtp({ SMTP_URL: 'smtp://u:p@mail.example.com:25' }).settings).toMatchObject({ tls: 'starttls', port: 25 });
    expect(resolveSmtp({ SMTP_URL: 'smtp://u:p@mail.example.com' }).settings).toMatchObject({ tls: 'starttls', port: 587 });
    expect(resolveSmtp({ SMTP_URL: 'smtp://127.0.0.1:2525' }).settings).toMatchObject({ tls: 'none' });
    expect(resolveSmtp({ SMTP_URL: 'smtp://127.0.0.1:2525' }).settings?.user).toBeUndefined();
    expect(resolveSmtp({ SMTP_URL: 'smtps://a%40b.com:p%20q%23@smtp.gmail.com' }).settings).toMatchObject({
      tls: 'implicit',
      port: 465,
      user: 'a@b.com',
      password: 'p q#',
    });
    expect(resolveSmtp({ SMTP_HOST: 'smtp.gmail.com', SMTP_PORT: 465 }).settings).toMatchObject({ tls: 'implicit' });
    expect(resolveSmtp({ SMTP_HOST: 'email-smtp.sa-east-1.amazonaws.com' }).settings).toMatchObject({ tls: 'starttls', port: 587 });
    expect(resolveSmtp({ SMTP_HOST: 'localhost', SMTP_PORT: 25 }).settings).toMatchObject({ tls: 'none' });
  });
});
