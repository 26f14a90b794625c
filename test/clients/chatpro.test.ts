import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChatProClient, NotOnWhatsAppError } from '../../src/clients/chatpro.js';
import { TransientError } from '../../src/domain/errors.js';
import { startFakeChatPro, type FakeChatPro } from '../../src/sandbox/fake-chatpro.js';

let chatpro: FakeChatPro;
beforeEach(async () => {
  chatpro = await startFakeChatPro();
});
afterEach(() => chatpro.close());

const client = (token = chatpro.token) =>
  new ChatProClient({ baseUrl: chatpro.url, instanceId: chatpro.instanceId, token, timeoutMs: 300 });

describe('ChatPro client', () => {
  it('sends the number and text with the raw token', async () => {
    expect(await client().sendMessage('5561999998888', '*Olá*')).toEqual({ number: '5561999998888' });
    expect(chatpro.delivered).toMatchObject([{ number: '5561999998888', message: '*Olá*' }]);
  });

  it('a number without WhatsApp is permanent, after one try of the other ninth-digit form', async () => {
    chatpro.unregistered.add('5561999998888');
    chatpro.unregistered.add('556199998888');
    await expect(client().sendMessage('5561999998888', 'x')).rejects.toBeInstanceOf(NotOnWhatsAppError);
    expect(chatpro.calls.map((c) => c.number)).toEqual(['5561999998888', '556199998888']);
  });

  it('a 2xx answer saying status:false is not a delivery', async () => {
    const { fakeApp, listenFake } = await import('../../src/sandbox/fake-server.js');
    const app = fakeApp();
    app.post('/i/api/v1/send_message', (_req, res) => res.status(200).json({ status: false, message: 'Sessão desconectada' }));
    const server = await listenFake(app);
    try {
      const c = new ChatProClient({ baseUrl: server.url, instanceId: 'i', token: 't', timeoutMs: 300 });
      await expect(c.sendMessage('5561999998888', 'x')).rejects.toBeInstanceOf(TransientError);
    } finally {
      await server.close();
    }
  });

  it('a bad token is a configuration error; 5xx and timeouts are transient', async () => {
    await expect(client('wrong').sendMessage('5561999998888', 'x')).rejects.toMatchObject({
      code: 'chatpro_unauthorized',
      transient: false,
    });
    chatpro.faults.failNext('http_500');
    await expect(client().sendMessage('5561999998888', 'x')).rejects.toBeInstanceOf(TransientError);
    chatpro.faults.failNext('timeout');
    await expect(client().sendMessage('5561999998888', 'x')).rejects.toThrow('ChatPro: não respondeu a tempo.');
  });
});
