import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { addressKey } from './client-address.js';

export interface ConnectionCaps {
  /** Connections open at once. */
  max: number;
  /** Connections one client address (IPv6: per /56) may hold; undefined: no per-address cap. */
  perAddress?: number;
  /** Requests of one connection handed to the app and not yet answered (pipelined): past it, the connection is cut. */
  maxPipelined: number;
  /** How long answers may sit unsent because the client does not read them: then the connection is cut. */
  writeStallMs: number;
}

/** A connection: its client, its requests under way, and what it owes or is owed. */
interface Tracked {
  address: string;
  /** Since when it has waited for a request's headers (undefined while a request is under way). */
  waitingSince: number | undefined;
  /** Requests handed to the app whose answer has not gone out (a client pipelining sends several at once). */
  outstanding: number;
  /** Requests handed to the app in this turn of the event loop (answered or not). */
  burst: number;
  /** The latest request, and since when it is under way. */
  request?: IncomingMessage;
  requestSince?: number;
  /** Bytes of answers that reached the client (the kernel took them) at the last look. */
  flushed: number;
  /** Since when answers have waited in memory without a byte going out (undefined: none waiting, or moving). */
  stuckSince?: number;
}

/** How often the answers waiting for their clients are looked at. */
const SWEEP_MS = 1_000;

/**
 * Since when the client has owed this connection bytes: headers not sent, or a body not finished
 * (undefined: it owes nothing).
 */
function owingSince(t: Tracked): number | undefined {
  if (t.waitingSince !== undefined) return t.waitingSince;
  return t.request && !t.request.complete ? t.requestSince : undefined;
}

/** Bytes of `socket`'s answers the kernel has taken (written, less what still waits in memory). */
const flushedBytes = (socket: Socket) => (socket.bytesWritten ?? 0) - socket.writableLength;

/**
 * What one client can make the server hold, bounded:
 * - connections, in all and per address: past a cap, the connection whose client has owed it
 *   bytes longest (half-sent headers, a body still dripping in, an idle keep-alive) is closed and
 *   the new one kept; if none owes anything, the new one is closed. A client that sends its
 *   request at once owes nothing for long: slow ones give way to it;
 * - requests pipelined on one connection: Node hands every request of a read to the app at once
 *   and queues their answers until the client reads — a client writing thousands of `GET`s and
 *   never reading filled the heap —, and runs pipelined bodies one after another without letting
 *   other connections in while their (small) answers fit the kernel's buffer — thousands of
 *   unsigned deliveries held a signed one back for seconds. Past `maxPipelined` requests
 *   unanswered, or handed to the app in one turn of the event loop, the connection is cut
 *   (browsers and proxies send a request only once the previous answer arrived: never more than
 *   one per turn);
 * - answers a client does not read: when none of a connection's buffered answer bytes has gone
 *   out for `writeStallMs`, the connection is cut and its buffers freed.
 */
export class ConnectionGuard {
  private readonly open = new Map<Socket, Tracked>();
  private readonly perAddress = new Map<string, number>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly caps: ConnectionCaps,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** `app`, handed only the requests of connections within their pipelining cap. */
  wrap(app: RequestListener): RequestListener {
    return (req, res) => (this.admit(req, res) ? app(req, res) : undefined);
  }

  /** Watches `server`'s connections. */
  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.connected(socket));
    server.once('close', () => this.stopSweeping());
  }

  /** Connections tracked right now (tests). */
  get size(): number {
    return this.open.size;
  }

  private connected(socket: Socket): void {
    const address = addressKey(socket.remoteAddress ?? '');
    const full = this.open.size >= this.caps.max;
    const fullHere = this.caps.perAddress !== undefined && (this.perAddress.get(address) ?? 0) >= this.caps.perAddress;
    if (full || fullHere) {
      const victim = this.slowest(fullHere ? address : undefined);
      if (!victim) {
        socket.destroy();
        return;
      }
      this.forget(victim);
      victim.destroy();
    }
    this.open.set(socket, { address, waitingSince: this.now(), outstanding: 0, burst: 0, flushed: 0 });
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    socket.once('close', () => this.forget(socket));
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  /** Counts a request in; false (and the connection cut) past the pipelining cap. */
  private admit(req: IncomingMessage, res: ServerResponse): boolean {
    const socket = req.socket;
    if (socket.destroyed) return false;
    const t = this.open.get(socket);
    if (!t) return true;
    // A turn of the event loop ends (setImmediate) only once every request of a read was handled.
    if (t.burst === 0) setImmediate(() => (t.burst = 0));
    t.burst += 1;
    if (t.outstanding >= this.caps.maxPipelined || t.burst > this.caps.maxPipelined) {
      this.forget(socket);
      socket.destroy();
      return false;
    }
    t.outstanding += 1;
    t.waitingSince = undefined;
    t.request = req;
    t.requestSince = this.now();
    res.once('close', () => {
      t.outstanding -= 1;
      if (t.request === req) t.request = undefined;
      // Waiting for the next request only once every pipelined one is answered.
      if (t.outstanding === 0) t.waitingSince = this.now();
    });
    return true;
  }

  /** The connection whose client has owed it bytes longest (of `address` only, when given). */
  private slowest(address?: string): Socket | undefined {
    let found: Socket | undefined;
    let since = this.now();
    for (const [socket, t] of this.open) {
      const owing = owingSince(t);
      if (owing === undefined || owing > since || (address !== undefined && t.address !== address)) continue;
      found = socket;
      since = owing;
    }
    return found;
  }

  private forget(socket: Socket): void {
    const t = this.open.get(socket);
    if (!t) return;
    this.open.delete(socket);
    const left = (this.perAddress.get(t.address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(t.address, left);
    else this.perAddress.delete(t.address);
    if (this.open.size === 0) this.stopSweeping();
  }

  /** Cuts the connections whose answers have not moved for `writeStallMs`. */
  private sweep(): void {
    const now = this.now();
    for (const [socket, t] of [...this.open]) {
      const flushed = flushedBytes(socket);
      if (socket.writableLength === 0 || flushed > t.flushed) t.stuckSince = undefined;
      else t.stuckSince ??= now;
      t.flushed = flushed;
      if (t.stuckSince !== undefined && now - t.stuckSince >= this.caps.writeStallMs) {
        this.forget(socket);
        socket.destroy();
      }
    }
  }

  private stopSweeping(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
