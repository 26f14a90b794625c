import { randomBytes } from 'node:crypto';
import express from 'express';
import { fakeApp, listenFake, Script, type FakeServer } from './fake-server.js';
import { Faults } from './fake-faults.js';

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

export type DiscordApiAnswer = { status: 200 } | { status: 400 } | { status: 429; retryAfterSeconds: number } | { status: 500 };

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

/** A string's length as Discord limits it (code points: never more than its UTF-16 length). */
const len = (value: unknown) => (typeof value === 'string' ? [...value].length : 0);

/**
 * What Discord refuses in a message body (400 "Invalid Form Body", code 50035), as its
 * documentation states the limits: content 2,000; at most 10 embeds; per embed title 256,
 * description 4,096, 25 fields of name 256 and value 1,024, footer 2,048, author 256; and the
 * title, description, fields, footer and author of all embeds together at most 6,000.
 */
export function discordFormProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (len(body.content) > 2_000) problems.push('content: Must be 2000 or fewer in length.');
  type Embed = { title?: unknown; description?: unknown; fields?: unknown; footer?: { text?: unknown }; author?: { name?: unknown } };
  const embeds = Array.isArray(body.embeds) ? (body.embeds as Embed[]) : [];
  if (embeds.length > 10) problems.push('embeds: Must be 10 or fewer in length.');
  let total = 0;
  embeds.forEach((e, i) => {
    const fields = Array.isArray(e.fields) ? (e.fields as Array<Record<string, unknown>>) : [];
    const checks: Array<[string, number, number]> = [
      ['title', len(e.title), 256],
      ['description', len(e.description), 4_096],
      ['fields', fields.length, 25],
      ['footer.text', len(e.footer?.text), 2_048],
      ['author.name', len(e.author?.name), 256],
      ...fields.flatMap((f, j): Array<[string, number, number]> => [
        [`fields.${j}.name`, len(f.name), 256],
        [`fields.${j}.value`, len(f.value), 1_024],
      ]),
    ];
    for (const [field, n, max] of checks) if (n > max) problems.push(`embeds.${i}.${field}: Must be ${max} or fewer in length.`);
    total += len(e.title) + len(e.description) + len(e.footer?.text) + len(e.author?.name);
    total += fields.reduce((n, f) => n + len(f.name) + len(f.value), 0);
  });
  if (total > 6_000) problems.push('embeds: Embed size exceeds maximum size of 6000');
  return problems;
}

type Fake = Omit<FakeDiscordApi, 'url' | 'close' | 'apiUrl'>;

/** What the routes share: the fake's records, how calls are recorded and refused, the ids handed out. */
interface Routes {
  fake: Fake;
  record(kind: string, req: express.Request, status: number): void;
  isBot(req: express.Request): boolean;
  refuseUnauthorized(kind: string, req: express.Request, res: express.Response): void;
  /** A body over Discord's limits: recorded and answered 400, as Discord does (true when refused). */
  refuseForm(kind: string, req: express.Request, res: express.Response): boolean;
  nextId(): string;
  posts: number;
}

const bodyOf = (req: express.Request) => (req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {});

function routesFor(fake: Fake): Routes {
  let nextId = 1_000_000_000_000_000;
  const record = (kind: string, req: express.Request, status: number) => {
    const call = { kind, path: req.path, body: req.body as unknown, status, at: Date.now() };
    fake.calls.push(call);
    fake.onCall?.(call);
  };
  return {
    fake,
    record,
    isBot: (req) => req.headers.authorization === `Bot ${fake.botToken}`,
    refuseUnauthorized: (kind, req, res) => {
      record(kind, req, 401);
      res.status(401).json({ message: '401: Unauthorized', code: 0 });
    },
    refuseForm: (kind, req, res) => {
      const problems = discordFormProblems(bodyOf(req));
      if (problems.length === 0) return false;
      record(kind, req, 400);
      res.status(400).json({ message: 'Invalid Form Body', code: 50035, errors: problems });
      return true;
    },
    nextId: () => String((nextId += 1)),
    posts: 0,
  };
}

/** The bot's channel messages: posted (scripted answers, rate limits every Nth) and edited. */
function channelRoutes(api: express.Router, r: Routes): void {
  const { fake } = r;
  api.post('/channels/:channel/messages', (req, res) => {
    if (!r.isBot(req)) return r.refuseUnauthorized('post_message', req, res);
    if (r.refuseForm('post_message', req, res)) return;
    r.posts += 1;
    const scripted = fake.answers.next();
    const answer: DiscordApiAnswer =
      scripted.status === 200 && fake.rateLimitEvery > 0 && r.posts % fake.rateLimitEvery === 0
        ? { status: 429, retryAfterSeconds: 0.2 }
        : scripted;
    r.record('post_message', req, answer.status);
    if (answer.status === 429) {
      res.setHeader('retry-after', String(Math.ceil(answer.retryAfterSeconds)));
      return res.status(429).json({ message: 'You are being rate limited.', retry_after: answer.retryAfterSeconds, global: false });
    }
    if (answer.status === 500) return res.status(500).json({ message: 'Internal Server Error' });
    if (answer.status === 400) return res.status(400).json({ message: 'Invalid Form Body', code: 50035 });
    const id = r.nextId();
    fake.messages.push({ id, channelId: req.params.channel, body: bodyOf(req), edits: [] });
    res.json({ id, channel_id: req.params.channel, ...bodyOf(req) });
  });

  api.patch('/channels/:channel/messages/:message', (req, res) => {
    if (!r.isBot(req)) return r.refuseUnauthorized('edit_message', req, res);
    if (r.refuseForm('edit_message', req, res)) return;
    const message = fake.messages.find((m) => m.id === req.params.message && m.channelId === req.params.channel);
    r.record('edit_message', req, message ? 200 : 404);
    if (!message) return res.status(404).json({ message: 'Unknown Message', code: 10008 });
    message.edits.push(bodyOf(req));
    res.json({ id: message.id, ...message.body, ...bodyOf(req) });
  });
}

/** Answers to interactions: the original edited, follow-ups posted (by application id and token). */
function interactionRoutes(api: express.Router, r: Routes): void {
  const { fake } = r;
  api.patch('/webhooks/:application/:token/messages/@original', (req, res) => {
    if (r.refuseForm('edit_original', req, res)) return;
    const known = req.params.application === fake.applicationId;
    r.record('edit_original', req, known ? 200 : 404);
    if (!known) return res.status(404).json({ message: 'Unknown Webhook', code: 10015 });
    fake.interactionEdits.push({ token: req.params.token, body: bodyOf(req) });
    res.json({ id: r.nextId(), ...bodyOf(req) });
  });

  api.post('/webhooks/:application/:token', (req, res) => {
    if (r.refuseForm('follow_up', req, res)) return;
    const known = req.params.application === fake.applicationId;
    r.record('follow_up', req, known ? 200 : 404);
    if (!known) return res.status(404).json({ message: 'Unknown Webhook', code: 10015 });
    fake.followUps.push({ token: req.params.token, body: bodyOf(req) });
    res.json({ id: r.nextId(), ...bodyOf(req) });
  });
}

/** Guild commands: read and overwritten in bulk. */
function commandRoutes(api: express.Router, r: Routes): void {
  api.get('/applications/:application/guilds/:guild/commands', (req, res) => {
    if (!r.isBot(req)) return r.refuseUnauthorized('list_commands', req, res);
    r.record('list_commands', req, 200);
    res.json(r.fake.commands.get(req.params.guild) ?? []);
  });

  api.put('/applications/:application/guilds/:guild/commands', (req, res) => {
    if (!r.isBot(req)) return r.refuseUnauthorized('set_commands', req, res);
    r.record('set_commands', req, 200);
    const list = Array.isArray(req.body) ? (req.body as Array<Record<string, unknown>>) : [];
    const saved = list.map((c, i) => ({
      id: String(200_000_000_000_000_000 + i),
      application_id: req.params.application,
      guild_id: req.params.guild,
      version: String(Date.now()),
      ...c,
    }));
    r.fake.commands.set(req.params.guild, saved);
    res.json(saved);
  });
}

/**
 * Discord's REST API on loopback, as the bridge uses it: channel messages (posted, edited),
 * interaction answers (edited, followed up) and guild commands (read, overwritten). Records
 * everything; answers 429 with `retry_after` when told to (or every Nth message), and 400 to a
 * message over Discord's limits (`discordFormProblems`), as Discord does.
 */
export async function startFakeDiscordApi(port = 0): Promise<FakeDiscordApi> {
  const faults = new Faults();
  const messages: PostedMessage[] = [];
  const calls: DiscordApiCall[] = [];
  const fake: Fake = {
    applicationId: '100000000000000001',
    botToken: `fake-bot-${randomBytes(6).toString('hex')}`,
    calls,
    answers: new Script<DiscordApiAnswer>({ status: 200 }),
    faults,
    rateLimitEvery: 0,
    messages,
    interactionEdits: [],
    followUps: [],
    commands: new Map(),
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
  const api = express.Router();
  api.use(express.json({ limit: '1mb' }));
  api.use(faults.middleware());
  const routes = routesFor(fake);
  channelRoutes(api, routes);
  interactionRoutes(api, routes);
  commandRoutes(api, routes);
  const app = fakeApp();
  app.use('/api/v10', api);
  const server = await listenFake(app, port);
  return Object.assign(fake, { url: server.url, close: server.close, apiUrl: `${server.url}/api/v10` });
}
