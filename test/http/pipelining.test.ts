import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/runtime.js';
import { ConnectionGuard } from '../../src/http/connection-guard.js';
import { createHttpServer, MAX_CONNECTIONS_PER_ADDRESS, MAX_PIPELINED_REQUESTS } from '../../src/http/http-server.js';
import { approvedSale, bodyOf, signedPath } from '../helpers/kiwify.js';
import { startRuntime, waitFor } from '../helpers/runtime.js';

/**
 * Clients that pipeline requests and never read the answers (issue 19 follow-up, finding 1):
 * Node hands every request of a read to the app at once and queues the answers; 4 connections
 * writing 5,000 `GET /admin` each filled the 128 MB heap, and 32 of them pipelining unsigned
 * deliveries held a signed one back 5 s. Loopback only: 127.0.0.x are distinct clients.
 */

let runtime: Runtime | undefined;
let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await runtime?.stop();
  runtime = undefined;
  server?.closeAllConnections();
  await new Promise((r) => (server?.listening ? server.close(r) : r(undefined)));
  server = undefined;
});

/**
 * A client writing `requests` at once on one connection and not reading the answers. A client
 * that does not read does not see its connection closed either: `readNow` starts reading (what
 * was answered, then the close, if the server cut it).
 */
function pipeliner(port: number, localAddress: string, requests: string) {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  sockets.push(socket);
  socket.pause();
  socket.on('error', () => undefined);
  socket.on('connect', () => socket.write(requests));
  let closed = false;
  let answers = 0;
  socket.on('close', () => (closed = true));
  socket.on('data', (d: Buffer) => (answers += d.toString('latin1').split('HTTP/1.1 ').length - 1));
  return { closed: () => closed, answers: () => answers, readNow: () => socket.resume() };
}

/** Connections the test server holds. */
const connections = () => new Promise<number>((resolve) => server!.getConnections((_err, n) => resolve(n)));

async function listening(handler: Parameters<typeof createHttpServer>[0], writeStallMs?: number): Promise<number> {
  server = createHttpServer(handler, { requestTimeoutMs: 30_000, maxConnectionsPerAddress: MAX_CONNECTIONS_PER_ADDRESS, writeStallMs });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('pipelined requests', () => {
  it(`a connection with more than ${MAX_PIPELINED_REQUESTS} unanswered requests is cut: the app sees a handful, not thousands`, async () => {
    let handled = 0;
    const port = await listening((_req, res) => {
      handled += 1;
      res.end('x'.repeat(20_000));
    });
    for (let i = 0; i < 4; i += 1) pipeliner(port, '127.0.0.5', 'GET /admin HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(5000));
    await waitFor(() => handled >= MAX_PIPELINED_REQUESTS, 5_000, 'requests handled');
    // (A client that does not read sees no close: the server's count of connections tells.)
    await waitFor(async () => (await connections()) === 0, 10_000, 'every pipelining connection cut');
    expect(handled).toBeLessThanOrEqual(4 * MAX_PIPELINED_REQUESTS);
  });

  it(`a client pipelining up to ${MAX_PIPELINED_REQUESTS} requests and reading gets every answer`, async () => {
    const port = await listening((req, res) => res.end(`answer ${req.url}`));
    const socket = connect({ port, host: '127.0.0.1' });
    sockets.push(socket);
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.write(Array.from({ length: MAX_PIPELINED_REQUESTS }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
    await waitFor(() => text.includes(`answer /${MAX_PIPELINED_REQUESTS - 1}`), 5_000, 'the last answer');
    expect(text.match(/HTTP\/1\.1 200/g)).toHaveLength(MAX_PIPELINED_REQUESTS);
    expect(socket.destroyed).toBe(false);
  });

  it('answers a client does not read are dropped with its connection once nothing of them moves; a reading client gets them whole', async () => {
    const big = Buffer.alloc(16 * 1024 * 1024, 0x61);
    const port = await listening((_req, res) => res.end(big), 300);
    let answered = false;
    server!.once('request', () => (answered = true));
    pipeliner(port, '127.0.0.6', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => answered, 5_000, 'the request answered');
    await waitFor(async () => (await connections()) === 0, 10_000, 'the connection of the client that never reads cut');

    const reader = connect({ port, host: '127.0.0.1' });
    sockets.push(reader);
    let received = 0;
    reader.on('data', (d: Buffer) => (received += d.length));
    reader.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => received > big.length, 20_000, 'the whole answer read');
    expect(reader.destroyed).toBe(false);
  });
});

describe('the real server under pipelining clients', () => {
  it('4 connections pipelining 5,000 GET /admin and 32 pipelining unsigned deliveries, never reading: all cut, signed deliveries from elsewhere get 200', async () => {
    runtime = await startRuntime();
    const port = Number(new URL(runtime.url()).port);
    const admin = Array.from({ length: 4 }, () => pipeliner(port, '127.0.0.7', 'GET /admin HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(5000)));
    const unsigned = `POST /webhook?signature=${'0'.repeat(40)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`;
    const hooks = Array.from({ length: 32 }, (_, i) => pipeliner(port, `127.0.1.${i + 1}`, unsigned.repeat(5000)));
    const statuses: number[] = [];
    for (let n = 1; n <= 10; n += 1) {
      const body = bodyOf(approvedSale(n));
      const res = await fetch(`${runtime.url()}${signedPath(body)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses).toEqual(Array(10).fill(200));
    const attackers = [...admin, ...hooks];
    for (const c of attackers) c.readNow();
    await waitFor(() => attackers.every((c) => c.closed()), 10_000, 'every pipelining connection cut');
    // Each was answered a handful of requests at most, not its thousands.
    expect(Math.max(...attackers.map((c) => c.answers()))).toBeLessThanOrEqual(MAX_PIPELINED_REQUESTS);
  });
});

describe('the per-address connection cap', () => {
  /** A socket as the guard sees it. */
  const fakeSocket = (remoteAddress: string) => {
    const socket = Object.assign(new EventEmitter(), { remoteAddress, destroyed: false, writableLength: 0, bytesWritten: 0 });
    const destroy = () => {
      socket.destroyed = true;
      socket.emit('close');
    };
    return Object.assign(socket, { destroy });
  };

  it('keys IPv6 per /56: one host cannot get around it with new addresses of its block', () => {
    const guard = new ConnectionGuard({ max: 512, perAddress: 4, maxPipelined: 8, writeStallMs: 10_000 });
    const fakeServer = new EventEmitter();
    guard.attach(fakeServer as unknown as Server);
    const block = Array.from({ length: 6 }, (_, i) => fakeSocket(`2001:db8:0:10${i}::${i + 1}`)); // one /56
    for (const s of block) fakeServer.emit('connection', s);
    expect(block.filter((s) => s.destroyed)).toHaveLength(2);
    const elsewhere = fakeSocket('2001:db8:0:200::1'); // another /56
    fakeServer.emit('connection', elsewhere);
    expect(elsewhere.destroyed).toBe(false);
    for (const s of [...block, elsewhere]) s.emit('close');
    expect(guard.size).toBe(0);
  });
});
