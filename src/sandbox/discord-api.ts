import { randomBytes } from 'node:crypto';
import express from 'express';
import { fakeApp, listenFake, Script, type FakeServer } from './fake-server.js';
import { Faults } from './faults.js';

/** One call to the fake: what was asked, and the JSON body sent. */
export interface DiscordApiCall {
  /** `post_message`, `edit_message`, `edit_original`, `follow_up`, `list_commands`, `set_commands`, `update_message`. */
  kind: string;
  path: string;
  body: unknown;
  /** The answer's status (429 when it was rate limited). */
  status: number;
  at: number;
}

export interface PostedMessage {
  id: string;
  channelId: string;
  body: Record<string, unknown>;
  /** Each edit after it, in order. */
  edits: Array<Record<string, unknown>>;
}

export type DiscordApiAnswer = { status: 200 } | { status: 429; retryAfterSeconds: number } | { status: 500 };

export interface FakeDiscordApi extends FakeServer<DiscordApiCall> {
  /** DISCORD_API_URL. */
  apiUrl: string;
  applicationId: string;
  botToken: string;
  /** Answers to channel messages (POST): 200 by default; push a 429 to rate limit the next one. */
  answers: Script<DiscordApiAnswer>;
  /** Failures injected before any route (a deep JSON answer, an HTML page…). */
  faults: Faults;
  /** Every Nth channel message is answered 429 (0: never), as Discord does under load. */
  rateLimitEvery: number;
  /** Channel messages posted, with their edits. */
  messages: PostedMessage[];
  /** Edits of interaction answers (PATCH …/messages/@original) and follow-ups, by token. */
  interactionEdits: Array<{ token: string; body: Record<string, unknown> }>;
  followUps: Array<{ token: string; body: Record<string, unknown> }>;
  /** The guild commands as registered (by guild id). */
  commands: Map<string, Array<Record<string, unknown>>>;
  /**
   * What Discord does with an interaction's answer that updates the message a button is on
   * (UPDATE_MESSAGE, or a deferred update finished by PATCH …/messages/@original): the message
   * is edited. Recorded as an edit (`update_message`); false when there is no such message.
   */
  applyUpdate(messageId: string, update: Record<string, unknown>): boolean;
}

/**
 * Discord's REST API on loopback, as the bridge uses it: channel messages (posted, edited),
 * interaction answers (edited, followed up) and guild commands (read, overwritten). Records
 * everything; answers 429 with `retry_after` when told to (or every Nth message).
 */
export async function startFakeDiscordApi(port = 0): Promise<FakeDiscordApi> {
  const applicationId = '100000000000000001';
  const botToken = `fake-bot-${randomBytes(6).toString('hex')}`;
  const calls: DiscordApiCall[] = [];
  const messages: PostedMessage[] = [];
  const interactionEdits: FakeDiscordApi['interactionEdits'] = [];
  const followUps: FakeDiscordApi['followUps'] = [];
  const commands = new Map<string, Array<Record<string, unknown>>>();
  const answers = new Script<DiscordApiAnswer>({ status: 200 });
  let posts = 0;
  let nextId = 1_000_000_000_000_000;
  const app = fakeApp();
  const api = express.Router();
  api.use(express.json({ limit: '1mb' }));
  const faults = new Faults();
  api.use(faults.middleware());

  const fake: Omit<FakeDiscordApi, 'url' | 'close' | 'apiUrl'> = {
    applicationId,
    botToken,
    calls,
    answers,
    faults,
    rateLimitEvery: 0,
    messages,
    interactionEdits,
    followUps,
    commands,
    applyUpdate: (messageId, update) => {
      const message = messages.find((m) => m.id === messageId);
      const call = {
        kind: 'update_message',
        path: `/messages/${messageId}`,
        body: update as unknown,
        status: message ? 200 : 404,
        at: Date.now(),
      };
      calls.push(call);
      fake.onCall?.(call);
      if (!message) return false;
      message.edits.push(update);
      return true;
    },
  };
  const record = (kind: string, req: express.Request, status: number) => {
    const call = { kind, path: req.path, body: req.body as unknown, status, at: Date.now() };
    calls.push(call);
    fake.onCall?.(call);
  };
  const isBot = (req: express.Request) => req.headers.authorization === `Bot ${botToken}`;
  const refuseUnauthorized = (kind: string, req: express.Request, res: express.Response) => {
    record(kind, req, 401);
    res.status(401).json({ message: '401: Unauthorized', code: 0 });
  };
  const body = (req: express.Request) => (req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {});

  api.post('/channels/:channel/messages', (req, res) => {
    if (!isBot(req)) return refuseUnauthorized('post_message', req, res);
    posts += 1;
    const scripted = answers.next();
    const answer: DiscordApiAnswer =
      scripted.status === 200 && fake.rateLimitEvery > 0 && posts % fake.rateLimitEvery === 0
        ? { status: 429, retryAfterSeconds: 0.2 }
        : scripted;
    record('post_message', req, answer.status);
    if (answer.status === 429) {
      res.setHeader('retry-after', String(Math.ceil(answer.retryAfterSeconds)));
      return res.status(429).json({ message: 'You are being rate limited.', retry_after: answer.retryAfterSeconds, global: false });
    }
    if (answer.status === 500) return res.status(500).json({ message: 'Internal Server Error' });
    const id = String((nextId += 1));
    messages.push({ id, channelId: req.params.channel, body: body(req), edits: [] });
    res.json({ id, channel_id: req.params.channel, ...body(req) });
  });

  api.patch('/channels/:channel/messages/:message', (req, res) => {
    if (!isBot(req)) return refuseUnauthorized('edit_message', req, res);
    const message = messages.find((m) => m.id === req.params.message && m.channelId === req.params.channel);
    record('edit_message', req, message ? 200 : 404);
    if (!message) return res.status(404).json({ message: 'Unknown Message', code: 10008 });
    message.edits.push(body(req));
    res.json({ id: message.id, ...message.body, ...body(req) });
  });

  api.patch('/webhooks/:application/:token/messages/@original', (req, res) => {
    const known = req.params.application === applicationId;
    record('edit_original', req, known ? 200 : 404);
    if (!known) return res.status(404).json({ message: 'Unknown Webhook', code: 10015 });
    interactionEdits.push({ token: req.params.token, body: body(req) });
    res.json({ id: String((nextId += 1)), ...body(req) });
  });

  api.post('/webhooks/:application/:token', (req, res) => {
    const known = req.params.application === applicationId;
    record('follow_up', req, known ? 200 : 404);
    if (!known) return res.status(404).json({ message: 'Unknown Webhook', code: 10015 });
    followUps.push({ token: req.params.token, body: body(req) });
    res.json({ id: String((nextId += 1)), ...body(req) });
  });

  api.get('/applications/:application/guilds/:guild/commands', (req, res) => {
    if (!isBot(req)) return refuseUnauthorized('list_commands', req, res);
    record('list_commands', req, 200);
    res.json(commands.get(req.params.guild) ?? []);
  });

  api.put('/applications/:application/guilds/:guild/commands', (req, res) => {
    if (!isBot(req)) return refuseUnauthorized('set_commands', req, res);
    record('set_commands', req, 200);
    const list = Array.isArray(req.body) ? (req.body as Array<Record<string, unknown>>) : [];
    const saved = list.map((c, i) => ({
      id: String(200_000_000_000_000_000 + i),
      application_id: req.params.application,
      guild_id: req.params.guild,
      version: String(Date.now()),
      ...c,
    }));
    commands.set(req.params.guild, saved);
    res.json(saved);
  });

  app.use('/api/v10', api);
  const server = await listenFake(app, port);
  return Object.assign(fake, { url: server.url, close: server.close, apiUrl: `${server.url}/api/v10` });
}
