import { createServer, type RequestListener, type Server } from 'node:http';

/** Idle keep-alive connections outlive Render's proxy (it closes idle ones first: no 502 race). */
export const KEEP_ALIVE_TIMEOUT_MS = 120_000;
/** Headers must arrive within this (and within the request timeout). */
export const HEADERS_TIMEOUT_MS = 20_000;
/** Connections open at once; beyond it new ones are refused at the socket. */
export const MAX_CONNECTIONS = 512;
/** Connections one client address may hold (exposed directly; behind a proxy all share its address). */
export const MAX_CONNECTIONS_PER_ADDRESS = 64;

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
  /** A whole request (headers and body) must arrive within this (HTTP_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** Per-address cap; undefined behind a trusted proxy (every connection then comes from it). */
  maxConnectionsPerAddress?: number;
}

/**
 * The HTTP server around the app, with the limits Node leaves loose by default: a client that
 * sends its body a byte at a time is cut at `requestTimeoutMs` (answered 408), slow headers
 * sooner, and the number of connections is capped, in all and per client address.
 */
export function createHttpServer(app: RequestListener, { requestTimeoutMs, maxConnectionsPerAddress }: ServerLimits): Server {
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
  server.maxConnections = MAX_CONNECTIONS;
  if (maxConnectionsPerAddress) capPerAddress(server, maxConnectionsPerAddress);
  return server;
}

/** One address holding every connection would lock everyone else out: past `cap`, it is hung up on. */
function capPerAddress(server: Server, cap: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > cap) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
