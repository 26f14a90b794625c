import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWERS } from '../../src/discord-console/console.js';
import { createApp } from '../../src/app/create-app.js';
import { CustomerKeys } from '../../src/privacy/customer-keys.js';
import { createHttpServer } from '../../src/http/http-server.js';
import { parseDelivery } from '../../src/intake/kiwify-payload.js';
import { createLogger } from '../../src/log/logger.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { bodyOf, fixture } from '../helpers/kiwify.js';
import { waitFor } from '../helpers/runtime.js';
import {
  discordKeys,
  GUILD,
  inDm,
  nonMember,
  nowSeconds,
  pressButton,
  ROLE,
  signInteraction,
  slash,
  submitNote,
  supportMember,
  type DiscordKeys,
} from './helpers.js';

/**
 * POST /discord/interactions fed arbitrary input: random and mutated bodies, signed and not.
 * Never a 5xx; without a valid signature always 401 and nothing done.
 */

let keys: DiscordKeys;
let store: Stores;
let server: Server;
let baseUrl: string;
let eventId = 0;
const edits: unknown[] = [];

/** Control and bidirectional characters, raw and JSON-escaped (PostgreSQL refuses NUL in text). */
const CONTROLS = ['\u0000', '\u0001', '\u001B', '\u007F', '\u0085', '\u200F', '\u202E', '\u2066', '\n'];
const PIECES = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ':',
  ',',
  '\\',
  '\\u0000',
  '\\u202e',
  '0',
  '-1',
  '1e999',
  'null',
  'é',
  '"type":1,',
  '"type":3,',
  '\uD800',
  ...CONTROLS,
];
/** Text where the console reads it: ordinary, or laced with control characters. */
const value = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...CONTROLS, 'a', '#', '1', ' ', '@'), maxLength: 30 }));

const templates = () =>
  [supportMember, nonMember, inDm].flatMap((who) => [
    slash('status', {}, who),
    slash('falhas', {}, who),
    slash('evento', { busca: `#${eventId}` }, who),
    slash('evento', { busca: `Maria\u0000 \u202E` }, who),
    slash('reprocessar', { id: eventId }, who),
    slash('resolver', { id: eventId, nota: 'nota' }, who),
    slash('boas-vindas', { id: eventId, canal: 'email', contato: 'a@example.com' }, who),
    slash('boas-vindas', { id: eventId, canal: 'whatsapp', contato: '(61) 99999-8888' }, who),
    pressButton(`ponte:retry:${eventId}`, { content: 'x', components: [] }, who),
    pressButton(`ponte:resolve:${eventId}`, { content: 'x' }, who),
    submitNote(`ponte:note:${eventId}`, 'nota', { content: 'x' }, who),
    submitNote(`ponte:note:${eventId}`, 'nota\u0000\u2066', { content: 'x' }, who),
    { type: 1 },
  ]);

const mutated = fc
  .tuple(
    fc.nat(),
    fc.array(fc.tuple(fc.constantFrom('insert', 'delete', 'truncate'), fc.nat(), fc.constantFrom(...PIECES)), {
      minLength: 1,
      maxLength: 5,
    }),
  )
  .map(([seed, changes]) => {
    const all = templates();
    let text = JSON.stringify(all[seed % all.length]);
    for (const [kind, at, piece] of changes) {
      const i = at % (text.length + 1);
      if (kind === 'insert') text = text.slice(0, i) + piece + text.slice(i);
      else if (kind === 'delete') text = text.slice(0, i) + text.slice(i + 1 + (at % 5));
      else text = text.slice(0, i);
    }
    return text;
  });

/** Interactions with random values where the console reads them. */
const shaped = fc
  .record({
    type: fc.oneof(fc.integer({ min: -1, max: 10 }), fc.jsonValue()),
    guild_id: fc.oneof(fc.constant(GUILD), fc.string()),
    member: fc.oneof(fc.constant({ user: { id: '1', username: 'ana' }, roles: [ROLE] }), fc.jsonValue()),
    data: fc.oneof(
      fc.jsonValue(),
      fc.record({
        name: fc.constantFrom('ponte', 'x'),
        custom_id: fc.oneof(fc.constantFrom(`ponte:retry:${1}`, 'ponte:note:99999999999999999', 'ponte:resolve:0'), fc.string()),
        options: fc.array(
          fc.record({
            type: fc.integer({ min: 0, max: 12 }),
            name: fc.constantFrom(
              'status',
              'falhas',
              'evento',
              'reprocessar',
              'resolver',
              'boas-vindas',
              'id',
              'busca',
              'nota',
              'canal',
              'contato',
            ),
            value: fc.oneof(value, fc.integer(), fc.double(), fc.boolean()),
            options: fc.jsonValue(),
          }),
          { maxLength: 3 },
        ),
        components: fc.oneof(
          fc.jsonValue(),
          value.map((v) => [{ type: 1, components: [{ type: 4, custom_id: 'nota', value: v }] }]),
        ),
      }),
    ),
    message: fc.jsonValue(),
    token: fc.string(),
  })
  .map((v) => JSON.stringify(v));

const bodies = fc.oneof(
  { weight: 4, arbitrary: mutated },
  { weight: 3, arbitrary: shaped },
  { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
);

type Signing = 'valid' | 'none' | 'other_key' | 'stale' | 'garbage' | 'flipped';
const signings = fc.constantFrom<Signing>('valid', 'none', 'other_key', 'stale', 'garbage', 'flipped');
const otherKeys = discordKeys();

async function post(body: string, signing: Signing): Promise<{ status: number; text: string }> {
  let timestamp = nowSeconds();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signing === 'stale') timestamp = String(Number(timestamp) - 301);
  if (signing !== 'none') {
    let signature = signInteraction(signing === 'other_key' ? otherKeys : keys, timestamp, body);
    if (signing === 'garbage') signature = 'zz' + signature.slice(2);
    if (signing === 'flipped') signature = (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1);
    headers['x-signature-ed25519'] = signature;
    headers['x-signature-timestamp'] = timestamp;
  }
  const res = await fetch(`${baseUrl}/discord/interactions`, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

describe.each(STORE_TARGETS)('POST /discord/interactions — fuzz ($name)', (target) => {
  beforeAll(async () => {
    if (!target.available) return;
    keys = discordKeys();
    store = await openStores(await target.fresh());
    const parsed = parseDelivery(bodyOf(fixture('order_approved.one_off')));
    if (!parsed.ok) throw new Error(parsed.message);
    // An ignored event: "Reprocessar" would act on it.
    eventId = (await store.inbox.insert({ ...parsed.delivery, ignored: { outcome: 'teste' } })).id;
    const editor = {
      editOriginal: async (_token: string, message: unknown) => void edits.push(message),
      followUp: async (_token: string, message: unknown) => void edits.push(message),
    };
    const app = createApp({
      log: createLogger('silent'),
      store,
      customerKeys: new CustomerKeys('test-secret-for-customer-keys'),
      webhookTokens: ['token-de-teste'],
      version: 'fuzz',
      startedAt: 0,
      discord: { publicKey: keys.publicKeyHex, guildId: GUILD, supportRoleId: ROLE, editor },
    });
    server = createHttpServer(app, { requestTimeoutMs: 10_000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    if (!target.available) return;
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  });

  it('never answers 5xx, nor "unavailable" (a store error); without a valid signature, always 401 and nothing is done', async ({
    skip,
  }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    await fc.assert(
      fc.asyncProperty(bodies, signings, async (body, signing) => {
        const before = { history: (await store.journal.history(eventId)).length, status: (await store.events.get(eventId))?.status };
        const { status, text } = await post(body, signing);
        expect(status).toBeLessThan(500);
        expect(text, body).not.toContain(ANSWERS.unavailable);
        if (signing !== 'valid') {
          expect(status).toBe(401);
          expect((await store.journal.history(eventId)).length).toBe(before.history);
          expect((await store.events.get(eventId))?.status).toBe(before.status);
        }
      }),
      { numRuns: 400 },
    );
    expect(edits.map((e) => JSON.stringify(e)).filter((e) => e.includes(ANSWERS.unavailable))).toEqual([]);
  });

  it('well-formed commands and notes from support with control characters: a clear answer, never a store error', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const typed = fc.string({ unit: fc.constantFrom(...CONTROLS, 'a', 'ç', '#', '1', ' ', '@', '.'), minLength: 1, maxLength: 30 });
    const interaction = fc.oneof(
      typed.map((busca) => slash('evento', { busca })),
      typed.map((nota) => slash('resolver', { id: eventId, nota })),
      typed.map((contato) => slash('boas-vindas', { id: eventId, canal: 'email', contato })),
      typed.map((contato) => slash('boas-vindas', { id: eventId, canal: 'whatsapp', contato })),
      typed.map((nota) => submitNote(`ponte:note:${eventId}`, nota, { content: 'x' })),
    );
    await fc.assert(
      fc.asyncProperty(interaction, async (i) => {
        const { status, text } = await post(JSON.stringify(i), 'valid');
        expect(status).toBe(200);
        expect(text, JSON.stringify(i)).not.toContain(ANSWERS.unavailable);
      }),
      { numRuns: 150 },
    );
  });

  it('slow, partial and abandoned bodies from any address: never a 5xx, and a signed PING always gets 200 meanwhile', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const port = Number(new URL(baseUrl).port);
    const sender = fc.record({
      address: fc.constantFrom('127.0.0.1', '127.0.0.2', '127.0.0.3'),
      declared: fc.oneof(fc.integer({ min: 1, max: 70 * 1024 }), fc.constant(undefined)),
      sent: fc.integer({ min: 0, max: 4096 }),
      then: fc.constantFrom('drip', 'drip', 'stall', 'stall', 'abort', 'half_headers'),
    });
    let ping = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 150 }), fc.array(sender, { minLength: 1, maxLength: 8 }), async (count, kinds) => {
        const senders = Array.from({ length: count }, (_, i) => kinds[i % kinds.length]);
        const answers: string[] = [];
        let connected = 0;
        const sockets = senders.map((o) => {
          const socket = connect({ port, host: '127.0.0.1', localAddress: o.address });
          let text = '';
          socket.on('data', (d: Buffer) => (text += d.toString()));
          socket.on('close', () => answers.push(text));
          socket.on('error', () => undefined);
          socket.on('connect', () => (connected += 1));
          const length = o.declared === undefined ? 'Transfer-Encoding: chunked' : `Content-Length: ${o.declared}`;
          if (o.then === 'half_headers') socket.write('POST /discord/interactions HTTP/1.1\r\nHost: x\r\nX-Sig');
          else
            socket.write(
              `POST /discord/interactions HTTP/1.1\r\nHost: x\r\n${length}\r\n\r\n${'{'.repeat(Math.min(o.sent, o.declared ?? 0))}`,
            );
          if (o.then === 'abort') socket.destroy();
          const drip = o.then === 'drip' ? setInterval(() => socket.writable && socket.write('1'), 50) : undefined;
          return { socket, drip };
        });
        try {
          const live = senders.filter((o) => o.then !== 'abort').length;
          await waitFor(() => connected >= live, 5_000, 'the senders connected');
          const body = JSON.stringify({ type: 1, ping: (ping += 1) });
          expect((await post(body, 'valid')).status).toBe(200);
          expect((await post(JSON.stringify({ type: 1, ping: (ping += 1) }), 'flipped')).status).toBe(401);
        } finally {
          for (const { socket, drip } of sockets) {
            clearInterval(drip);
            socket.destroy();
          }
        }
        for (const text of answers) expect(text).not.toMatch(/^HTTP\/1\.1 5\d\d/);
      }),
      { numRuns: 30 },
    );
  });

  it('refuses a body over 64 KB and bounds the wait, signed or not', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const big = JSON.stringify({ type: 1, pad: 'x'.repeat(70 * 1024) });
    expect((await post(big, 'valid')).status).toBe(413);
    expect((await post(big, 'none')).status).toBe(413);
  });
});
