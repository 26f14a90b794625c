import { createServer, type RequestListener, type Server } from 'node:http';
import { ConnectionGuard } from './connection-guard.js';

/** Idle keep-alive connections outlive Render's proxy (it closes idle ones first: no 502 race). */
export const KEEP_ALIVE_TIMEOUT_MS = 120_000;
/** Headers must arrive within this (and within the request timeout): a real client sends them at once. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** A whole request (headers and body) must arrive within this: Kiwify gives up after ~5 s; an admin form is small. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Connections open at once. */
export const MAX_CONNECTIONS = 512;
/** Connections one client address (IPv6: one /56) may hold (exposed directly; behind a proxy all share its address). */
export const MAX_CONNECTIONS_PER_ADDRESS = 32;
/** Requests one connection may have pipelined and unanswered (a browser or a proxy sends one at a time). */
export const MAX_PIPELINED_REQUESTS = 8;
/** How long answers may wait, not a byte of them taken, for a client that does not read them. */
export const WRITE_STALL_MS = 10_000;

/**
 * What a server process sends its parent over IPC once it listens (tests and benchmarks wait for
 * it instead of reading logs).
 */
export interface ListeningSignal {
  event: 'listening';
  port: number;
}

/** Tells the parent process, if it started this one with an IPC channel, that `server` listens. */
export function signalListening(port: number): void {
  const signal: ListeningSignal = { event: 'listening', port };
  process.send?.(signal);
}

export interface ServerLimits {
  /** A whole request (headers and body) must arrive within this (default REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  /** Per-address cap; undefined behind a trusted proxy (every connection then comes from it). */
  maxConnectionsPerAddress?: number;
  /** Connections in all (MAX_CONNECTIONS; tests lower it). */
  maxConnections?: number;
  /** WRITE_STALL_MS (tests lower it). */
  writeStallMs?: number;
}

/**
 * The HTTP server around the app, with the limits Node leaves loose by default: a client that
 * sends its body a byte at a time is cut at `requestTimeoutMs` (answered 408; the routes that
 * read unauthenticated bodies cut it much sooner, see body-intake.ts), slow headers within 10 s,
 * and what a client can make it hold is capped (connection-guard.ts): connections, in all and
 * per client address — at a cap, the connection that has waited longest without sending a
 * request (half-sent headers, an idle keep-alive) is closed to let the new one in, so connections
 * held open by a slow client never lock out one that sends its request at once —, requests
 * pipelined on one connection, and answers left unread.
 */
export function createHttpServer(app: RequestListener, limits: ServerLimits): Server {
  const { requestTimeoutMs = REQUEST_TIMEOUT_MS } = limits;
  const guard = new ConnectionGuard({
    max: limits.maxConnections ?? MAX_CONNECTIONS,
    perAddress: limits.maxConnectionsPerAddress,
    maxPipelined: MAX_PIPELINED_REQUESTS,
    writeStallMs: limits.writeStallMs ?? WRITE_STALL_MS,
  });
  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeoutMs),
      // How often Node looks for requests past those deadlines (its default, 30 s, would let a
      // slow request live almost twice its timeout).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(requestTimeoutMs / 4))),
    },
    guard.wrap(app),
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  guard.attach(server);
  return server;
}

/** The HTTP server around `app`, listening on `port` (0: any free one); a port in use is named with its fix. */
export async function listenHttp(app: RequestListener, port: number, limits: ServerLimits): Promise<Server> {
  const server = createHttpServer(app, limits);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`A porta ${port} já está em uso por outro processo: pare-o, ou defina outra porta em PORT (ex.: PORT=3001).`)
          : err,
      ),
    );
    server.listen(port);
  });
  return server;
}

/** Stops accepting connections; those still open after 5 s are closed. */
export function closeHttpServer(server: Server | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server?.listening) return resolve();
    const force = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, 5_000).unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
