import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Idle keep-alive connections outlive Render's proxy (it closes idle ones first: no 502 race). */
export const KEEP_ALIVE_TIMEOUT_MS = 120_000;
/** Headers must arrive within this (and within the request timeout): a real client sends them at once. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** A whole request (headers and body) must arrive within this: Kiwify gives up after ~5 s; an admin form is small. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Connections open at once. */
export const MAX_CONNECTIONS = 512;
/** Connections one client address may hold (exposed directly; behind a proxy all share its address). */
export const MAX_CONNECTIONS_PER_ADDRESS = 32;
/**
 * At a cap, the connection whose client has owed it bytes longest gives its place to a new one,
 * however short that was: a client that sends its request at once owes bytes for one round trip,
 * so slow clients (and churning ones) are always the longest owing.
 */
export const EVICT_WAITING_AFTER_MS = 0;

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
  /** How long a connection may wait without a request before it may give its place (tests lower it). */
  evictWaitingAfterMs?: number;
}

/**
 * The HTTP server around the app, with the limits Node leaves loose by default: a client that
 * sends its body a byte at a time is cut at `requestTimeoutMs` (answered 408; the routes that
 * read unauthenticated bodies cut it much sooner, see body-intake.ts), slow headers within 10 s,
 * and the number of connections is capped, in all and per client address — at a cap, the
 * connection that has waited longest without sending a request (half-sent headers, an idle
 * keep-alive) is closed to let the new one in, so connections held open by a slow client never
 * lock out one that sends its request at once.
 */
export function createHttpServer(app: RequestListener, limits: ServerLimits): Server {
  const { requestTimeoutMs = REQUEST_TIMEOUT_MS } = limits;
  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeoutMs),
      // How often Node looks for requests past those deadlines (its default, 30 s, would let a
      // slow request live almost twice its timeout).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(requestTimeoutMs / 4))),
    },
    app,
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  guardConnections(server, {
    max: limits.maxConnections ?? MAX_CONNECTIONS,
    perAddress: limits.maxConnectionsPerAddress,
    evictAfterMs: limits.evictWaitingAfterMs ?? EVICT_WAITING_AFTER_MS,
  });
  return server;
}

/** A connection: its client address, its request under way (if any), and since when the client owes it bytes. */
interface Tracked {
  address: string;
  /** Since when it has waited for a request's headers (undefined while a request is under way). */
  waitingSince: number | undefined;
  request?: IncomingMessage;
  requestSince?: number;
}

/** Since when the client has owed this connection bytes: headers not sent, or a body not finished (undefined: it owes nothing). */
function owingSince(t: Tracked): number | undefined {
  if (t.waitingSince !== undefined) return t.waitingSince;
  return t.request && !t.request.complete ? t.requestSince : undefined;
}

/**
 * Caps connections in all and per address. Past a cap, the connection whose client has owed it
 * bytes longest (half-sent headers, a body still dripping in, an idle keep-alive), if for
 * `evictAfterMs` at least, is closed and the new one kept; otherwise the new one is closed. A
 * client that sends its request at once owes nothing for long: slow ones give way to it.
 */
function guardConnections(server: Server, caps: { max: number; perAddress?: number; evictAfterMs: number }): void {
  const open = new Map<Socket, Tracked>();
  const perAddress = new Map<string, number>();
  const slowest = (address?: string): Socket | undefined => {
    let found: Socket | undefined;
    let since = performance.now() - caps.evictAfterMs;
    for (const [socket, t] of open) {
      const owing = owingSince(t);
      if (owing === undefined || owing > since || (address !== undefined && t.address !== address)) continue;
      found = socket;
      since = owing;
    }
    return found;
  };
  const forget = (socket: Socket) => {
    const t = open.get(socket);
    if (!t) return;
    open.delete(socket);
    const left = (perAddress.get(t.address) ?? 1) - 1;
    if (left > 0) perAddress.set(t.address, left);
    else perAddress.delete(t.address);
  };
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const full = open.size >= caps.max;
    const fullHere = caps.perAddress !== undefined && (perAddress.get(address) ?? 0) >= caps.perAddress;
    if (full || fullHere) {
      const victim = slowest(fullHere ? address : undefined);
      if (!victim) {
        socket.destroy();
        return;
      }
      forget(victim);
      victim.destroy();
    }
    open.set(socket, { address, waitingSince: performance.now() });
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    socket.once('close', () => forget(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const t = open.get(req.socket);
    if (!t) return;
    t.waitingSince = undefined;
    t.request = req;
    t.requestSince = performance.now();
    res.once('close', () => {
      t.request = undefined;
      t.waitingSince = performance.now();
    });
  });
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
