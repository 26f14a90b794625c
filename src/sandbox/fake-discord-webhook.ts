import express from 'express';
import { fakeApp, listenFake, Script, type FakeServer } from './fake-server.js';
import { Faults } from './fake-faults.js';

export interface DiscordCall {
  content: string;
  at: number;
}

export type DiscordAnswer = { status: 204 } | { status: 400 } | { status: 429; retryAfterSeconds: number } | { status: 500 };

export interface FakeDiscord extends FakeServer<DiscordCall> {
  answers: Script<DiscordAnswer>;
  faults: Faults;
  /** The webhook URL to configure. */
  webhookUrl: string;
}

/** A Discord webhook: 204 on success, 429 with `retry_after` (seconds) when rate limited. */
export async function startFakeDiscord(port = 0): Promise<FakeDiscord> {
  const calls: DiscordCall[] = [];
  const answers = new Script<DiscordAnswer>({ status: 204 });
  const faults = new Faults();
  const app = fakeApp();
  app.use(faults.middleware());
  app.post('/api/webhooks/1/fake', express.json(), (req, res) => {
    const content = (req.body as { content?: unknown } | undefined)?.content;
    if (typeof content === 'string' && [...content].length > 2_000) {
      // As Discord: a message over its limit is refused whole.
      res.status(400).json({ message: 'Invalid Form Body', code: 50035, errors: ['content: Must be 2000 or fewer in length.'] });
      return;
    }
    const answer = answers.next();
    if (answer.status === 400) {
      res.status(400).json({ message: 'Invalid Form Body', code: 50035 });
      return;
    }
    calls.push({ content: typeof content === 'string' ? content : '', at: Date.now() });
    if (answer.status === 429) {
      res.status(429).json({ message: 'You are being rate limited.', retry_after: answer.retryAfterSeconds, global: false });
      return;
    }
    res.status(answer.status).end();
  });
  const server = await listenFake(app, port);
  return { ...server, calls, answers, faults, webhookUrl: `${server.url}/api/webhooks/1/fake` };
}
