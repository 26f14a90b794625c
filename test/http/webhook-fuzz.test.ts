import { Agent, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create-app.js';
import { createHttpServer } from '../../src/http/http-server.js';
import { signKiwify } from '../../src/intake/kiwify-signature.js';
import { createLogger } from '../../src/log/logger.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { TOKEN } from '../helpers/config.js';
import { fixture, type Fixture } from '../helpers/kiwify.js';
import { waitFor } from '../helpers/runtime.js';
import { CustomerKeys } from '../../src/privacy/customer-keys.js';

const SEEDS: Fixture[] = [
  'order_approved.one_off',
  'order_approved.subscription',
  'order_approved.wrapped',
  'order_refunded',
  'chargeback',
  'subscription_canceled',
  'abandoned_cart',
];
const seedTexts = SEEDS.map((name) => JSON.stringify(fixture(name)));
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
  '0',
  '-1e999',
  'null',
  ' ',
  'é',
  '"order":',
  '"webhook_event_type":"order_refunded",',
  '\uD800',
];

/** A sample delivery with byte-level edits: insertions, deletions, cuts, repeated keys. */
const mutated = fc
  .tuple(
    fc.nat({ max: seedTexts.length - 1 }),
    fc.array(fc.tuple(fc.constantFrom('insert', 'delete', 'truncate', 'repeat'), fc.nat(), fc.constantFrom(...PIECES)), {
      minLength: 1,
      maxLength: 6,
    }),
  )
  .map(([seed, edits]) => {
    let text = seedTexts[seed];
    for (const [kind, at, piece] of edits) {
      const i = at % (text.length + 1);
      if (kind === 'insert') text = text.slice(0, i) + piece + text.slice(i);
      else if (kind === 'delete') text = text.slice(0, i) + text.slice(i + 1 + (at % 7));
      else if (kind === 'truncate') text = text.slice(0, i);
      else text = text.replace(/^\{/, `{${text.slice(1, Math.max(2, i))}`); // a run of members, twice
    }
    return text;
  });

// Mostly shallow or just past the depth cap; now and then 100k levels (they cost a parse each).
const depths = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 1, max: 64 }) }, { weight: 1, arbitrary: fc.constant(100_000) });
const nested = fc.tuple(depths, fc.constantFrom('[', '{"a":')).map(([depth, open]) => {
  const close = open === '[' ? ']' : '}';
  return `{"order":{"x":${open.repeat(depth)}${open === '[' ? '' : '0'}${close.repeat(depth)}}}`;
});

const bodies = fc.oneof(
  { weight: 5, arbitrary: mutated },
  { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        webhook_event_type: fc.string(),
        order_id: fc.oneof(fc.string(), fc.integer()),
        Customer: fc.jsonValue(),
        Product: fc.jsonValue(),
        Subscription: fc.jsonValue(),
      })
      .map((v) => JSON.stringify(v)),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 1, arbitrary: nested },
);

let store: Stores;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  store = await openStores({ SQLITE_PATH: ':memory:' }); // the HTTP boundary is under test, not durability
  const app = createApp({
    log: createLogger('silent'),
    store,
    customerKeys: new CustomerKeys('test-secret-for-customer-keys'),
    webhookTokens: [TOKEN],
    version: 'fuzz',
    startedAt: 0,
    failedSignatureLimit: Number.MAX_SAFE_INTEGER,
  });
  server = createHttpServer(app, { requestTimeoutMs: 10_000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
  await store.close();
});

const agent = new Agent({ keepAlive: true });
/** A keep-alive POST (half the cost of fetch here: thousands of them run). */
const post = (body: string, signature: string | undefined) =>
  new Promise<number>((resolve, reject) => {
    const query = signature === undefined ? '' : `?signature=${signature}`;
    const bytes = Buffer.from(body, 'utf8');
    const req = request(
      `${baseUrl}/webhook${query}`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': bytes.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
const eventCount = async () => (await store.events.countByStatus()).pending;

describe('POST /webhook — fuzz', () => {
  it('random and mutated bodies, signed and not: never a 5xx, and nothing stored without a valid signature', async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(bodies, fc.option(fc.stringMatching(/^[0-9a-f]{40}$/), { nil: undefined }), async (body, forged) => {
        const before = await eventCount();
        const unsigned = await post(body, forged);
        expect([401, 413]).toContain(unsigned);
        expect(await eventCount()).toBe(before);

        const signed = await post(body, signKiwify(Buffer.from(body, 'utf8'), TOKEN));
        seen.add(signed);
        expect([200, 400, 413]).toContain(signed);
        if (signed !== 200) expect(await eventCount()).toBe(before);
      }),
      { numRuns: 1200 },
    );
    // The generators reach every outcome: accepted, refused as content, refused as too big or bad.
    expect(seen.has(200) && seen.has(400)).toBe(true);
    expect((await fetch(`${baseUrl}/secure`)).status).toBe(200);
  });

  it('slow, partial, stalled and abandoned bodies from any address: never a 5xx, and a signed delivery gets 200 meanwhile', async () => {
    const port = Number(new URL(baseUrl).port);
    const sender = fc.record({
      address: fc.constantFrom('127.0.0.1', '127.0.0.2', '127.0.0.3'),
      declared: fc.oneof(fc.integer({ min: 1, max: 1024 * 1024 }), fc.constant(undefined)),
      sent: fc.oneof(fc.integer({ min: 0, max: 4096 }), fc.integer({ min: 0, max: 1024 * 1024 })),
      then: fc.constantFrom('drip', 'drip', 'stall', 'stall', 'abort', 'half_headers'),
    });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 60 }), fc.array(sender, { minLength: 1, maxLength: 6 }), async (count, kinds) => {
        const answers: string[] = [];
        let connected = 0;
        const senders = Array.from({ length: count }, (_, i) => kinds[i % kinds.length]).map((o) => {
          const socket = connect({ port, host: '127.0.0.1', localAddress: o.address });
          let text = '';
          socket.on('data', (d: Buffer) => (text += d.toString()));
          socket.on('close', () => answers.push(text));
          socket.on('error', () => undefined);
          socket.on('connect', () => (connected += 1));
          const length = o.declared === undefined ? 'Transfer-Encoding: chunked' : `Content-Length: ${o.declared}`;
          if (o.then === 'half_headers') socket.write('POST /webhook HTTP/1.1\r\nHost: x\r\nX-Sig');
          else {
            socket.write(`POST /webhook?signature=${'0'.repeat(40)} HTTP/1.1\r\nHost: x\r\n${length}\r\n\r\n`);
            if (o.declared !== undefined) socket.write(Buffer.alloc(Math.min(o.sent, o.declared - 1), 0x20));
          }
          if (o.then === 'abort') socket.destroy();
          const drip = o.then === 'drip' ? setInterval(() => socket.writable && socket.write(' '), 50) : undefined;
          return { socket, drip, live: o.then !== 'abort' };
        });
        try {
          await waitFor(() => connected >= senders.filter((x) => x.live).length, 5_000, 'the senders connected');
          const body = JSON.stringify({ ...fixture('order_approved.one_off'), order_id: `lento-${(n += 1)}` });
          expect(await post(body, signKiwify(Buffer.from(body, 'utf8'), TOKEN))).toBe(200);
        } finally {
          for (const { socket, drip } of senders) {
            clearInterval(drip);
            socket.destroy();
          }
        }
        for (const text of answers) expect(text).not.toMatch(/^HTTP\/1\.1 5\d\d/);
      }),
      { numRuns: 30 },
    );
  });
});
