import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS } from '../../src/http/http-server.js';
import { WEBHOOK_BODY_LIMITS } from '../../src/http/webhook-route.js';
import type { Runtime } from '../../src/app/runtime.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { approvedSale, bodyOf, signedPath } from '../helpers/kiwify.js';
import { startRuntime, waitFor } from '../helpers/runtime.js';
import { slowSenders, type SlowSenders } from '../helpers/slow-clients.js';

/**
 * Slow clients against the intake (issue 19, item 1): slow-loris senders from other addresses
 * and from the deliverer's own, while signed deliveries of a few KB, sent at once, must keep
 * getting 200. Loopback only: 127.0.0.2… are other clients (Linux answers on all of 127/8).
 */

let runtime: Runtime | undefined;
const attacks: SlowSenders[] = [];
afterEach(async () => {
  for (const attack of attacks.splice(0)) attack.stop();
  await runtime?.stop();
  runtime = undefined;
});

/** Posts a signed delivery from 127.0.0.1 (optionally as a proxy would forward it); its status. */
async function deliver(url: string, n: number, forwardedFor?: string): Promise<number> {
  const body = bodyOf(approvedSale(n));
  const res = await fetch(`${url}${signedPath(body)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Delivers one sale after another until at least `min` went and the attack was cut `cuts` times
 * (so the deliveries ran all through it, cut after cut); the statuses.
 */
async function deliverThrough(attack: SlowSenders, cuts: number, deliverOne: (n: number) => Promise<number>, min = 15): Promise<number[]> {
  const statuses: number[] = [];
  const deadline = Date.now() + 30_000;
  while (statuses.length < min || attack.cuts().length < cuts) {
    if (Date.now() > deadline) throw new Error(`the attack was cut ${attack.cuts().length} times, ${statuses.length} deliveries`);
    statuses.push(await deliverOne(statuses.length + 1));
  }
  return statuses;
}

describe.each(STORE_TARGETS)('slow senders while Kiwify delivers ($name)', (target) => {
  const storage = async () => {
    const s = await target.fresh();
    return { SQLITE_PATH: s.SQLITE_PATH, DATABASE_URL: s.DATABASE_URL };
  };

  it('16 slow 1 MB bodies from another address and 20 from the same one: every signed delivery gets 200', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    runtime = await startRuntime({ env: await storage() });
    const port = Number(new URL(runtime.url()).port);
    const other = slowSenders({ port, localAddress: '127.0.0.2', count: 16 });
    const same = slowSenders({ port, localAddress: '127.0.0.1', count: 20 });
    attacks.push(other, same);
    await waitFor(() => other.dripping(3) >= 16 && same.dripping(3) >= 16, 10_000, 'the attack under way');
    const statuses = await deliverThrough(other, 48, (n) => deliver(runtime!.url(), n));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // Cut by the route (after 1 s below 16 KB/s), long before the 30 s request timeout.
    expect(Math.max(...other.cuts())).toBeLessThan(WEBHOOK_BODY_LIMITS.deadlineMs);
    const counts = await runtime.store.events.countByStatus();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(statuses.length);
  });

  it("behind a proxy (Render's): the per-address limits follow X-Forwarded-For, and deliveries get 200", async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    runtime = await startRuntime({ env: { ...(await storage()), TRUST_PROXY: 'loopback' } });
    const port = Number(new URL(runtime.url()).port);
    const kiwify = '198.51.100.7';
    const other = slowSenders({ port, localAddress: '127.0.0.1', count: 24, headers: { 'X-Forwarded-For': '203.0.113.9' } });
    const same = slowSenders({ port, localAddress: '127.0.0.1', count: 20, headers: { 'X-Forwarded-For': kiwify } });
    attacks.push(other, same);
    await waitFor(() => other.dripping(3) >= 24 && same.dripping(3) >= 16, 10_000, 'the attack under way');
    const statuses = await deliverThrough(other, 48, (n) => deliver(runtime!.url(), n, kiwify));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });
});

describe('bytes, not declarations, fill the budget', () => {
  it('past 4 MB held by one address, its longest-stalled body is cut to make room; another address delivers', async () => {
    runtime = await startRuntime();
    const port = Number(new URL(runtime.url()).port);
    const mb = 1024 * 1024;
    const post = (bytes: number, declared = bytes) => {
      const socket = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.3' });
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      socket.on('error', () => undefined);
      socket.write(`POST /webhook?signature=${'0'.repeat(40)} HTTP/1.1\r\nHost: x\r\nContent-Length: ${declared}\r\n\r\n`);
      socket.write(Buffer.alloc(bytes, 0x20));
      return { socket, answer: () => answer };
    };
    // Four bodies of 1 MB less a byte and one of 64 KB, sent at once and then held (never finished):
    // 4 MB + 64 KB from one address, once they have arrived.
    const holders = [...Array.from({ length: 4 }, () => post(mb - 1, mb)), post(64 * 1024, 128 * 1024)];
    try {
      // One gives way (the one idle longest), long before the 3 s a silent body is allowed.
      const cut = await waitFor(() => holders.find((h) => h.answer()), 2_500, 'a held body cut');
      expect(cut.answer()).toMatch(/^HTTP\/1\.1 408/);
      expect(cut.answer()).toContain('devagar demais');
      expect(holders.filter((h) => h.answer())).toHaveLength(1);
      expect(await deliver(runtime.url(), 1)).toBe(200);
    } finally {
      for (const { socket } of holders) socket.destroy();
    }
  });
});

describe('half-sent headers cannot take every connection', () => {
  it(`17 addresses × ${MAX_CONNECTIONS_PER_ADDRESS} connections that never finish their headers: a real request still gets in`, async () => {
    const server = createHttpServer((_req, res) => res.end('ok'), {
      requestTimeoutMs: 30_000,
      maxConnectionsPerAddress: MAX_CONNECTIONS_PER_ADDRESS,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const addresses = Array.from({ length: 17 }, (_, i) => `127.0.0.${i + 10}`);
    for (const localAddress of addresses)
      attacks.push(
        slowSenders({ port, localAddress, count: MAX_CONNECTIONS_PER_ADDRESS, headersOnly: true, dripMs: 200, reconnectMs: 100 }),
      );
    const get = (localAddress: string) =>
      new Promise<number>((resolve) => {
        const req = request({ port, host: '127.0.0.1', localAddress, path: '/', agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => resolve(0));
        req.end();
      });
    try {
      await waitFor(
        async () => (await new Promise<number>((r) => server.getConnections((_e, n) => r(n)))) >= MAX_CONNECTIONS,
        10_000,
        'every connection taken',
      );
      // A client sending its request at once, from a new address and from an attacker's own: in, as Kiwify would retry.
      expect(await waitFor(async () => ((await get('127.0.0.2')) === 200 ? 200 : undefined), 5_000, 'a request from elsewhere')).toBe(200);
      expect(
        await waitFor(async () => ((await get(addresses[0])) === 200 ? 200 : undefined), 5_000, 'a request from an attacker’s address'),
      ).toBe(200);
      const count = await new Promise<number>((r) => server.getConnections((_e, n) => r(n)));
      expect(count).toBeLessThanOrEqual(MAX_CONNECTIONS);
    } finally {
      for (const attack of attacks.splice(0)) attack.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
