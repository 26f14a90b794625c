import express from 'express';
import { fakeApp, listenFake, type FakeServer } from './fake-server.js';
import { Faults } from './fake-faults.js';
import { NO_WHATSAPP_NUMBER } from './kiwify-samples.js';

export interface ChatProCall {
  number: string;
  message: string;
  status: number;
  at: number;
}

export interface FakeChatPro extends FakeServer<ChatProCall> {
  instanceId: string;
  token: string;
  faults: Faults;
  /** Messages actually delivered. */
  delivered: ChatProCall[];
  /** Numbers with no WhatsApp account. */
  unregistered: Set<string>;
  connected: boolean;
}

/**
 * A loopback fake of ChatPro: raw token in `Authorization`, 201 with the vendor's
 * `resposeMessage` spelling, 400 NotFoundException for numbers without WhatsApp, 401 for a bad
 * token, and injected faults.
 */
export async function startFakeChatPro(options: { instanceId?: string; token?: string; port?: number } = {}): Promise<FakeChatPro> {
  const instanceId = options.instanceId ?? 'chatpro-sandbox';
  const token = options.token ?? 'sandbox-chatpro-token';
  const calls: ChatProCall[] = [];
  const delivered: ChatProCall[] = [];
  const unregistered = new Set<string>();
  const faults = new Faults();
  const app = fakeApp();
  app.use(express.json());
  app.use(faults.middleware());
  app.get(`/${instanceId}/api/v1/status`, (req, res) => {
    if (req.headers.authorization !== token) return res.status(401).json({ statusCode: 401, message: 'Unauthorized' });
    res.json({ connected: fake.connected, session: 'sandbox' });
  });
  app.post(`/${instanceId}/api/v1/send_message`, (req, res) => {
    const body = (req.body ?? {}) as { number?: unknown; message?: unknown };
    const number = typeof body.number === 'string' ? body.number : '';
    const message = typeof body.message === 'string' ? body.message : '';
    const record = (status: number) => {
      const call = { number, message, status, at: Date.now() };
      calls.push(call);
      fake.onCall?.(call);
      return call;
    };
    if (req.headers.authorization !== token) {
      record(401);
      return res.status(401).json({ statusCode: 401, message: 'Unauthorized' });
    }
    if (!/^\d{10,15}$/.test(number)) {
      record(400);
      return res.status(400).json({ statusCode: 400, message: `error: Invalid WID value for ${number}` });
    }
    if (unregistered.has(number) || NO_WHATSAPP_NUMBER.test(number)) {
      record(400);
      return res
        .status(400)
        .json({ statusCode: 400, message: `error: NotFoundException: O número ${number} não está cadastrado no WhatsApp` });
    }
    delivered.push(record(201));
    res.status(201).json({
      message: 'Mensagem Enviada',
      resposeMessage: { id: `3EB0${calls.length}`, timestamp: Math.floor(Date.now() / 1000) },
      status: true,
    });
  });
  const server = await listenFake(app, options.port);
  const fake: FakeChatPro = { ...server, calls, delivered, instanceId, token, faults, unregistered, connected: true };
  return fake;
}
