import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { STORE_ENVS } from '../helpers/databases.js';
import { createApp } from '../../src/app/create-app.js';
import { createHttpServer } from '../../src/http/http-server.js';
import { IN_FLIGHT_BODY_BUDGET, LIMITED_BODY_LIMIT, WEBHOOK_BODY_LIMIT } from '../../src/http/webhook-route.js';
import { createLogger } from '../../src/log/logger.js';
import { signKiwify } from '../../src/intake/kiwify-signature.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { tempDir, TOKEN } from '../helpers/config.js';
import { bodyOf, fixture, signedPath } from '../helpers/kiwify.js';
import { startRuntime, waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';
import type { Runtime } from '../../src/app/runtime.js';
import { CustomerKeys } from '../../src/privacy/customer-keys.js';

const BELTRANA_CPF = '11144477735';
const ATTACKER = { CPF: '52998224725', mobile: '+5561912340000', full_name: 'Atacante', first_name: 'Atacante' };

let server: SandboxedServer | undefined;
let runtime: Runtime | undefined;
let store: Stores | undefined;
afterEach(async () => {
  await server?.close();
  await runtime?.stop();
  await store?.close();
  server = runtime = store = undefined;
});

/** Posts raw bytes with a given signature, as an attacker replaying a captured one would. */
async function postRaw(baseUrl: string, body: string, signature: string) {
  const res = await fetch(`${baseUrl}/webhook?signature=${signature}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('POST /webhook — forgery with duplicate keys (captured delivery + a second "order")', () => {
  it('a forged approval does nothing: no student, no welcome to the forger, no event', async () => {
    server = await startSandboxedServer();
    const genuine = bodyOf(fixture('order_approved.one_off'));
    await server.settled((await server.deliver(JSON.parse(genuine.toString()))).body.eventId);
    const before = { students: server.sandbox.ead.students.size, messages: server.sandbox.chatpro.calls.length };
    const eventsBefore = (await server.runtime.store.events.countByStatus()).done;

    const forged = {
      ...fixture('order_approved.one_off'),
      order_id: 'forjado-1',
      Customer: { ...fixture('order_approved.one_off').Customer, ...ATTACKER },
    };
    const body = `{"order":${genuine.toString()},"order":${JSON.stringify(forged)}}`;
    const res = await postRaw(server.runtime.url(), body, signKiwify(genuine, TOKEN));
    expect(res.status).toBe(401);

    expect(server.sandbox.ead.students.size).toBe(before.students);
    expect(server.sandbox.ead.studentByCpf(ATTACKER.CPF)).toBeUndefined();
    expect(server.sandbox.chatpro.calls).toHaveLength(before.messages);
    expect((await server.runtime.store.events.list()).filter((e) => e.orderId === 'forjado-1')).toHaveLength(0);
    expect((await server.runtime.store.events.countByStatus()).done).toBe(eventsBefore);
  });

  it('a forged refund does nothing: the real student keeps the account and the courses', async () => {
    server = await startSandboxedServer();
    const genuine = bodyOf(fixture('order_approved.one_off'));
    await server.settled((await server.deliver(JSON.parse(genuine.toString()))).body.eventId);
    const student = server.sandbox.ead.studentByCpf(BELTRANA_CPF)!;
    const courses = [...student.courses.keys()];

    const refund = { ...fixture('order_refunded'), order_id: 'forjado-2' };
    const body = `{"order":${genuine.toString()},"order":${JSON.stringify(refund)}}`;
    expect((await postRaw(server.runtime.url(), body, signKiwify(genuine, TOKEN))).status).toBe(401);
    // The same trick with the duplicate key inside the captured body itself.
    const inner = genuine
      .toString()
      .replace('"webhook_event_type":"order_approved"', '"webhook_event_type":"order_approved","webhook_event_type":"order_refunded"');
    expect((await postRaw(server.runtime.url(), inner, signKiwify(genuine, TOKEN))).status).toBe(401);

    await server.idle();
    expect(server.sandbox.ead.studentByCpf(BELTRANA_CPF)).toBe(student);
    expect([...student.courses.keys()]).toEqual(courses);
    expect(server.sandbox.ead.callsTo('DELETE', '/alunos/')).toHaveLength(0);
    expect(server.sandbox.ead.callsTo('POST', '/alunos/removercurso/')).toHaveLength(0);
  });

  it('a correctly signed body that repeats a key, at any depth, is refused with 400 and stored nowhere', async () => {
    runtime = await startRuntime();
    const topLevel = '{"webhook_event_type":"order_approved","order_id":"d-1","order_id":"d-2"}';
    const nested =
      '{"webhook_event_type":"order_approved","order_id":"d-3","Customer":{"CPF":"11144477735","email":"a@x.com","CPF":"52998224725"}}';
    const wrapped = `{"order":{"webhook_event_type":"order_approved","order_id":"d-4"},"order":{"webhook_event_type":"order_refunded","order_id":"d-5"}}`;
    for (const body of [topLevel, nested, wrapped]) {
      const res = await postRaw(runtime.url(), body, signKiwify(body, TOKEN));
      expect(res).toEqual({ status: 400, body: { ok: false, error: 'O corpo repete um campo (chave JSON duplicada): entrega recusada.' } });
    }
    // Equal keys in different objects are fine.
    const distinct = '{"webhook_event_type":"order_approved","order_id":"d-6","Customer":{"email":"a@x.com"},"Product":{"email":"b"}}';
    expect((await postRaw(runtime.url(), distinct, signKiwify(distinct, TOKEN))).status).toBe(200);
    expect((await runtime.store.events.list()).map((e) => e.orderId)).toEqual(['d-6']);
  });
});

describe('POST /webhook — bounded work before and after the signature', () => {
  const deep = (levels: number) => `{"order":{"x":${'['.repeat(levels)}${']'.repeat(levels)}}}`;

  it('deep nesting: 401 without a valid signature, a permanent 400 with one (never 5xx)', async () => {
    runtime = await startRuntime();
    const body = deep(100_000);
    expect((await postRaw(runtime.url(), body, '0'.repeat(40))).status).toBe(401);
    const signed = await postRaw(runtime.url(), body, signKiwify(body, TOKEN));
    expect(signed).toEqual({
      status: 400,
      body: { ok: false, error: 'O corpo tem níveis de aninhamento demais para ser uma entrega da Kiwify.' },
    });
    expect(await runtime.store.events.list()).toHaveLength(0);
    expect((await fetch(`${runtime.url()}/secure`)).status).toBe(200);
  });

  it('repeated wrong signatures from one address get 429, big bodies before a byte is read; a valid delivery still gets through', async () => {
    store = await openStores({ SQLITE_PATH: `${tempDir()}/bridge.db` });
    const app = createApp({
      log: createLogger('silent'),
      store,
      customerKeys: new CustomerKeys('test-secret-for-customer-keys'),
      webhookTokens: [TOKEN],
      version: 't',
      startedAt: 0,
      failedSignatureLimit: 3,
    });
    const body = bodyOf(fixture('order_approved.one_off'));
    for (let i = 0; i < 3; i += 1) {
      expect((await request(app).post(signedPath(body, 'wrong-token')).send(body.toString())).status).toBe(401);
    }
    const limited = await request(app).post(signedPath(body, 'wrong-token')).set('x-forwarded-for', '198.51.100.1').send(body.toString());
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatch(/assinatura inválida/);
    const big = 'x'.repeat(LIMITED_BODY_LIMIT + 1);
    expect(
      (
        await request(app)
          .post(`/webhook?signature=${'0'.repeat(40)}`)
          .send(big)
      ).status,
    ).toBe(429);
    expect(await store.events.list()).toHaveLength(0);
    // Kiwify's addresses are shared by every producer: the limit must not hold our own sales back.
    expect((await request(app).post(signedPath(body)).send(body.toString())).status).toBe(200);
    expect(await store.events.list()).toHaveLength(1);
  });

  it('bodies that really arrived fill the shared budget: past 16 MB held, from any addresses, the longest stalled give way', async () => {
    runtime = await startRuntime();
    const { port } = new URL(runtime.url());
    const mb = 1024 * 1024;
    // Five addresses each send 4 bodies of 1 MB less a byte at once, and hold them (the last byte never comes): 20 MB.
    const sockets = Array.from({ length: IN_FLIGHT_BODY_BUDGET / WEBHOOK_BODY_LIMIT + 4 }, (_, i) => {
      const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress: `127.0.0.${20 + Math.floor(i / 4)}` });
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('error', () => undefined);
      socket.write(`POST /webhook?signature=${'0'.repeat(40)} HTTP/1.1\r\nHost: x\r\nContent-Length: ${mb}\r\n\r\n`);
      socket.write(Buffer.alloc(mb - 1, 0x20));
      return { socket, answer: () => text };
    });
    try {
      // No more than 16 MB is ever held: the 4 MB over it are cut, the bodies idle longest first.
      const cut = await waitFor(
        () => (sockets.filter((s) => s.answer()).length >= 4 ? sockets.filter((s) => s.answer()) : undefined),
        10_000,
        'four cut',
      );
      for (const s of cut) expect(s.answer()).toMatch(/^HTTP\/1\.1 (408|429)/);
      expect(cut.some((s) => s.answer().startsWith('HTTP/1.1 408'))).toBe(true);
    } finally {
      for (const { socket } of sockets) socket.destroy();
    }
    expect((await fetch(`${runtime.url()}/secure`)).status).toBe(200);
  });
});

describe('HTTP server limits', () => {
  it('one address cannot hold every connection: past its cap it is hung up on', async () => {
    const server = createHttpServer((_req, res) => res.end('ok'), { requestTimeoutMs: 5_000, maxConnectionsPerAddress: 3 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const sockets = Array.from({ length: 4 }, () => connect(port, '127.0.0.1'));
    try {
      const closed = sockets.map(
        (socket) =>
          new Promise<boolean>((resolve) => {
            socket.on('close', () => resolve(true));
            socket.on('error', () => undefined);
          }),
      );
      await Promise.race(closed);
      // Exactly one of the four was refused; the others stay usable.
      const still = sockets.filter((socket) => !socket.destroyed && socket.readyState === 'open');
      expect(still.length).toBe(3);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('cuts a request whose body trickles in (the request deadline)', async () => {
    runtime = await startRuntime({ tuning: { requestTimeoutMs: 800 } });
    const { port } = new URL(runtime.url());
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    socket.write(
      `POST /webhook?signature=${'0'.repeat(40)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
    );
    const started = Date.now();
    const drip = setInterval(() => socket.writable && socket.write(' '), 100);
    try {
      const at = await Promise.race([closed, waitFor(() => false, 15_000, 'the server to cut the request').then(() => 0)]);
      expect(at - started).toBeLessThan(5_000);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
  });
});

describe('outbound calls have a hard deadline', () => {
  it("a dripping EAD is abandoned at the deadline; the sale completes on retry while other customers' sales flow", async () => {
    server = await startSandboxedServer({ WORKER_CONCURRENCY: '2' }, undefined, { tuning: { upstreamTimeoutMs: 500 } });
    const { ead } = server.sandbox;
    // Both worker slots hit an EAD that answers a byte at a time, for ever.
    ead.faults.failNext('drip', 2, (req) => req.method === 'GET' && req.path === '/alunos');
    const ids: string[] = [];
    for (let n = 1; n <= 4; n += 1) {
      const sale: Record<string, any> = { ...fixture('order_approved.one_off'), order_id: `drip-${n}` };
      sale.Customer = { ...sale.Customer, CPF: ['11144477735', '52998224725', '39053344705', '87748248800'][n - 1] };
      ids.push((await server.deliver(sale)).body.eventId);
    }
    const events = await Promise.all(ids.map((id) => server!.settled(id)));
    expect(events.every((e) => e.status === 'done')).toBe(true);
    const dripped = ead.calls.filter((c) => c.method === 'GET' && c.path === '/alunos').slice(0, 2);
    for (const call of dripped) expect(call.doneAt! - call.at).toBeLessThan(3_000);
    expect(events.filter((e) => e.attempts > 1).length).toBeGreaterThanOrEqual(1);
    expect(ead.students.size).toBe(4);
  });

  it('an oversized answer is refused and retried, never buffered whole', async () => {
    const big = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"status":"true","data":"${'x'.repeat(3 * 1024 * 1024)}"}`);
    });
    await new Promise<void>((resolve) => big.listen(0, '127.0.0.1', resolve));
    try {
      const { EadClient } = await import('../../src/clients/ead.js');
      const client = new EadClient({
        baseUrl: `http://127.0.0.1:${(big.address() as AddressInfo).port}`,
        apiKey: 'k',
        unitId: '1',
        timeoutMs: 5_000,
      });
      await expect(client.findStudentByCpf('11144477735')).rejects.toMatchObject({
        transient: true,
        message: 'EAD: resposta maior que o limite aceito.',
      });
    } finally {
      await new Promise((resolve) => big.close(resolve));
    }
  });
});

describe.each(STORE_ENVS)('signed bodies the database could not hold ($name)', ({ env, available }) => {
  it('a NUL character is dropped and the sale recorded; an oversized id is a permanent 400, never a 503 loop', async ({ skip }) => {
    if (!available) skip('TEST_DATABASE_URL não definido');
    runtime = await startRuntime({ env: await env() });
    const sale: Record<string, any> = { ...fixture('order_approved.one_off'), order_id: 'nul-1' };
    sale.Customer = { ...sale.Customer, full_name: 'Beltrana\u0000 Silva' };
    const ok = await postRaw(runtime.url(), JSON.stringify(sale), signKiwify(JSON.stringify(sale), TOKEN));
    expect(ok.status).toBe(200);
    expect((await runtime.store.events.get(Number(ok.body.eventId)))!.customerName).toBe('Beltrana Silva');
    for (const field of ['order_id', 'subscription_id', 'order_ref']) {
      const long = JSON.stringify({ ...fixture('order_approved.one_off'), [field]: 'x'.repeat(8_000) });
      const res = await postRaw(runtime.url(), long, signKiwify(long, TOKEN));
      expect(res).toEqual({ status: 400, body: { ok: false, error: expect.stringContaining(`campo ${field} longo demais`) } });
    }
    const cart = JSON.stringify({ ...fixture('abandoned_cart'), id: 'c'.repeat(8_000) });
    expect((await postRaw(runtime.url(), cart, signKiwify(cart, TOKEN))).status).toBe(400);
    const hugeCpf = JSON.stringify({ ...fixture('order_approved.one_off'), order_id: 'cpf-1', Customer: { CPF: '1'.repeat(8_000) } });
    expect((await postRaw(runtime.url(), hugeCpf, signKiwify(hugeCpf, TOKEN))).status).toBe(200);
  });
});

describe('EAD unit token under constant rotation', () => {
  it('concurrent writes while every write rotates the token all complete, each once', async () => {
    server = await startSandboxedServer({ WORKER_CONCURRENCY: '4' }, undefined, { tuning: { maxAttempts: 30 } });
    const { ead } = server.sandbox;
    ead.rotateOnWrite = true;
    const cpfs = ['11144477735', '52998224725', '39053344705', '87748248800', '71428793860', '24843803480'];
    const ids = await Promise.all(
      cpfs.map(async (cpf, n) => {
        const sale: Record<string, any> = { ...fixture('order_approved.one_off'), order_id: `rot-${n}` };
        sale.Customer = { ...sale.Customer, CPF: cpf, mobile: `+55619${String(12340000 + n)}` };
        return (await server!.deliver(sale)).body.eventId as string;
      }),
    );
    const events = await Promise.all(ids.map((id) => server!.settled(id)));
    expect(events.map((e) => e.status)).toEqual(cpfs.map(() => 'done'));
    expect(ead.students.size).toBe(cpfs.length);
    for (const student of ead.students.values()) {
      for (const contracts of student.courses.values()) expect(contracts).toHaveLength(1); // enrolled once
    }
  });
});
