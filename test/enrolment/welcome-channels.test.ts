import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../src/domain/errors.js';
import { fixture } from '../helpers/kiwify.js';
import { DESIGN, harnessPerTest } from '../helpers/flow-tests.js';

/**
 * The welcome's channels and the e-mail fallback, on the real worker and store with in-memory
 * ChatPro and SMTP (the loopback SMTP server's tests: welcome-email.test.ts). The harness gives
 * an event 5 attempts.
 */

const chatproDown = () => new TransientError('ChatPro falhou (HTTP 503): fora do ar', 'http_503');

const startHarness = harnessPerTest();

describe('the welcome by channel', () => {
  it('whatsapp,email with WhatsApp down: the e-mail goes at once; WhatsApp keeps its retries, the password stays sealed until both settled', async () => {
    const flows = await startHarness([DESIGN], {}, { mail: true, channels: ['whatsapp', 'email'] });
    flows.chatpro.failures.push(...Array.from({ length: 10 }, chatproDown));
    const id = await flows.receive(fixture('order_approved.one_off'));

    const first = await flows.settled(id);
    expect(first.status).toBe('retrying');
    expect(flows.mail.sent).toHaveLength(1);
    expect(flows.mail.sent[0].text).toContain('Senha: Gerada@1');
    // Not before: WhatsApp is still due, and the password with it.
    expect((await flows.journal(id)).get('cadastro')).toHaveProperty('sealedPassword');

    let event = first;
    while (event.status === 'retrying') event = await flows.retry(id);
    expect(event).toMatchObject({ status: 'done', attempts: 5, lastErrorCode: null });
    expect(flows.mail.sent).toHaveLength(1); // once, across the five attempts
    expect(flows.chatpro.sent).toHaveLength(0);
    expect(event.outcome).toMatch(
      /boas-vindas enviadas por e-mail \(WhatsApp: o WhatsApp continuou falhando depois das novas tentativas\)\.$/,
    );
    expect((await flows.journal(id)).get('cadastro')).not.toHaveProperty('sealedPassword');
  });

  it('WhatsApp only, e-mail configured: a transient failure is retried first, then (third failure) the e-mail takes over', async () => {
    const flows = await startHarness([DESIGN], {}, { mail: true });
    flows.chatpro.failures.push(chatproDown(), chatproDown(), chatproDown());
    const id = await flows.receive(fixture('order_approved.one_off'));
    expect((await flows.settled(id)).status).toBe('retrying');
    expect(flows.mail.sent).toHaveLength(0);
    expect((await flows.retry(id)).status).toBe('retrying');
    expect(flows.mail.sent).toHaveLength(0);
    const done = await flows.retry(id);
    expect(done).toMatchObject({ status: 'done', attempts: 3 });
    expect(flows.mail.sent).toHaveLength(1);
    expect((await flows.journal(id)).get('welcome_email')).toEqual({ sent: true, to: 'b***@example.com', fallback: true });
  });

  it('WhatsApp only, without e-mail: as before — retried to the last attempt, then failed with its cause', async () => {
    const flows = await startHarness([DESIGN]);
    flows.chatpro.failures.push(...Array.from({ length: 10 }, chatproDown));
    const id = await flows.receive(fixture('order_approved.one_off'));
    let event = await flows.settled(id);
    while (event.status === 'retrying') event = await flows.retry(id);
    expect(event).toMatchObject({ status: 'failed', attempts: 5, lastErrorCode: 'http_503' });
    expect((await flows.journal(id)).get('cadastro')).toHaveProperty('sealedPassword');
  });

  it('ChatPro refusing the token, e-mail configured: the welcome goes by e-mail at once (the token is the connection check’s to report)', async () => {
    const flows = await startHarness([DESIGN], {}, { mail: true });
    flows.chatpro.failures.push(
      new PermanentError('ChatPro recusou o token (CHATPRO_TOKEN / CHATPRO_INSTANCE_ID): HTTP 401.', 'chatpro_unauthorized'),
    );
    const id = await flows.receive(fixture('order_approved.one_off'));
    const done = await flows.settled(id);
    expect(done).toMatchObject({ status: 'done', runs: 1, lastErrorCode: null });
    expect(flows.mail.sent).toHaveLength(1);
    expect((await flows.journal(id)).get('welcome_whatsapp')).toMatchObject({ sent: false, reason: 'chatpro_unauthorized' });
  });

  it('e-mail only: WhatsApp is not asked; a server refusing the login fails the event with its cause, and a replay sends only the e-mail', async () => {
    const flows = await startHarness([DESIGN], {}, { mail: true, channels: ['email'] });
    flows.mail.failures.push(new PermanentError('Servidor de e-mail recusou o usuário e a senha: confira SMTP_URL (535).', 'mail_auth'));
    const id = await flows.receive(fixture('order_approved.one_off'));
    expect(await flows.settled(id)).toMatchObject({ status: 'failed', lastErrorCode: 'mail_auth' });
    expect(flows.chatpro.sent).toHaveLength(0);
    expect(await flows.store.queue.requeue(id)).toBe('queued');
    expect(await flows.settled(id)).toMatchObject({ status: 'done' });
    expect(flows.mail.sent).toHaveLength(1);
    expect(flows.ead.calls.filter((c) => c === 'create' || c === 'enroll')).toEqual(['create', 'enroll']);
  });
});
