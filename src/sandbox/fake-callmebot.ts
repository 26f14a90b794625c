import { fakeApp, listenFake, Script, type FakeServer } from './fake-server.js';
import { Faults } from './fake-faults.js';

export interface CallMeBotCall {
  phone: string;
  text: string;
  apikey: string;
  at: number;
}

export type CallMeBotAnswer = 'queued' | 'too_many' | 'invalid_key' | 'paused' | 'error_500' | 'unqueued_200';

const BODIES: Record<CallMeBotAnswer, [number, string]> = {
  queued: [200, '<p>Message queued. You will receive it in a few seconds.</p>'],
  too_many: [200, '<p>Too many requests. Please wait a few minutes.</p>'],
  invalid_key: [203, '<p>APIKey is invalid. Please check your APIKey</p>'],
  paused: [200, '<p>Your Account is Paused. Send "resume" to the bot.</p>'],
  error_500: [500, '<html><body>Internal Server Error</body></html>'],
  // A 200 that does not say "Message queued" is not a success.
  unqueued_200: [200, '<p>Message not sent.</p>'],
};

export interface FakeCallMeBot extends FakeServer<CallMeBotCall> {
  answers: Script<CallMeBotAnswer>;
  faults: Faults;
}

/** CallMeBot as it behaves: text/HTML answers, unreliable status codes. */
export async function startFakeCallMeBot(port = 0): Promise<FakeCallMeBot> {
  const calls: CallMeBotCall[] = [];
  const answers = new Script<CallMeBotAnswer>('queued');
  const faults = new Faults();
  const app = fakeApp();
  app.use(faults.middleware());
  app.get('/whatsapp.php', (req, res) => {
    const q = req.query as Record<string, string>;
    const call = { phone: q.phone ?? '', text: q.text ?? '', apikey: q.apikey ?? '', at: Date.now() };
    calls.push(call);
    fake.onCall?.(call);
    const [status, body] = BODIES[answers.next()];
    res.status(status).type('text/html').send(body);
  });
  const server = await listenFake(app, port);
  const fake: FakeCallMeBot = { ...server, calls, answers, faults };
  return fake;
}
