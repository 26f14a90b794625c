import type { Request, RequestHandler, Response } from 'express';
import { clientKey } from './client-address.js';
import { sendError } from './http-errors.js';

/**
 * How unauthenticated bodies (webhook deliveries, Discord interactions) are read: counted by the
 * bytes that actually arrived (a client declaring 1 MB and sending a byte a second holds a byte,
 * not a megabyte), cut when they arrive too slowly, and capped per client address — so slow
 * senders, however many and from wherever, cannot keep a fast body of a few KB out.
 */
export interface BodyLimits {
  /** Largest body (413: before a byte is read when the length is declared, else when it is passed). */
  maxBytes: number;
  /** Bytes of every body being received or handled at once, all addresses together (429 past it). */
  budgetBytes: number;
  /** The same, for one client address. */
  perAddressBytes: number;
  /**
   * Bodies of one client address that may be arriving when a new one comes: past it, that
   * address's oldest, if it has been arriving for `evictAfterMs` or more, is cut (408) to make
   * room. The new one is always read: a fast body of a few KB is never kept out by slow ones from
   * its own address (it is never the oldest for long), and the byte budgets bound the memory.
   */
  perAddressBodies: number;
  evictAfterMs: number;
  /** After this, a body must have arrived at `minBytesPerSecond` or more (counted from then), else it is cut (408). */
  graceMs: number;
  minBytesPerSecond: number;
  /** Longest silence while a body arrives (408). */
  idleMs: number;
  /** Longest a body may take to arrive in all (408). */
  deadlineMs: number;
  /** Said with 429 when the budget is full. */
  busyMessage: string;
  /** `Retry-After` (seconds) with a 429. */
  retryAfterSeconds: number;
}

const TOO_LARGE = 'Corpo da requisição maior que o limite aceito.';
const TOO_SLOW = 'O corpo da requisição chegou devagar demais: conexão encerrada.';
const REPLACED = 'Outra requisição deste endereço chegou enquanto esta demorava: conexão encerrada.';
const ADDRESS_BUSY = 'Muitas requisições sendo enviadas deste endereço ao mesmo tempo. Tente de novo em instantes.';
/** How often bodies still arriving are looked at. */
const CHECK_EVERY_MS = 100;

/** One body being received. */
interface Arrival {
  key: string;
  startedAt: number;
  lastDataAt: number;
  declared: number;
  received: number;
  /** Stops reading it, lets its bytes go and answers `status` (the connection is closed after the answer). */
  cut(status: number, message: string): void;
}

export class BodyIntake {
  /** Bodies still arriving, per address, oldest first (a Set keeps insertion order). */
  private readonly arriving = new Map<string, Set<Arrival>>();
  /** Bytes held (arrived and not yet answered, nor cut), in all and per address. */
  private held = 0;
  private readonly heldBy = new Map<string, number>();
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: BodyLimits,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Bodies arriving and bytes held right now (tests, logs). */
  load(): { arriving: number; heldBytes: number } {
    let arriving = 0;
    for (const set of this.arriving.values()) arriving += set.size;
    return { arriving, heldBytes: this.held };
  }

  /**
   * Middleware that reads the raw body into `req.body` (a Buffer) within the limits; `maxBytesFor`
   * may lower the size limit for a request (an address on a short leash).
   */
  reader(maxBytesFor?: (req: Request, res: Response) => number): RequestHandler {
    return (req, res, next) => {
      const max = maxBytesFor?.(req, res) ?? this.limits.maxBytes;
      const header = req.headers['content-length'];
      const declared = header === undefined ? Number.POSITIVE_INFINITY : Number(header);
      if (declared > max) return refuse(res, 413, TOO_LARGE);
      const key = clientKey(req);
      this.makeRoom(key);
      // Room for what it says it will send (no reservation: only bytes that arrive are counted).
      const needs = Math.min(Number.isFinite(declared) ? declared : max, max);
      if (!this.roomFor(needs)) return refuse(res, 429, this.limits.busyMessage, this.limits.retryAfterSeconds);
      if (!this.roomFor(needs, key)) return refuse(res, 429, ADDRESS_BUSY, this.limits.retryAfterSeconds);
      this.receive(req, res, key, max, Number.isFinite(declared) ? declared : max, next);
    };
  }

  /** Cuts `key`'s oldest bodies while it has its cap of them arriving and the oldest has been for `evictAfterMs`. */
  private makeRoom(key: string): void {
    const mine = this.arriving.get(key);
    const now = this.now();
    while (mine && mine.size >= this.limits.perAddressBodies) {
      const oldest = mine.values().next().value!;
      if (now - oldest.startedAt < this.limits.evictAfterMs) return;
      oldest.cut(408, REPLACED);
    }
  }

  /**
   * Whether `bytes` more fit the budget (of `key`, or of all): if not, the bodies that have sent
   * nothing for longest (however short that was) are cut, one after another, until they fit. A
   * body sent at once is never idle, so it is never the one cut; one held back to fill the memory is.
   */
  private roomFor(bytes: number, key?: string, except?: Arrival): boolean {
    const budget = key === undefined ? this.limits.budgetBytes : this.limits.perAddressBytes;
    const used = () => (key === undefined ? this.held : (this.heldBy.get(key) ?? 0));
    while (used() + bytes > budget) {
      const stalled = this.longestStalled(key, except);
      if (!stalled) return false;
      stalled.cut(408, TOO_SLOW);
    }
    return true;
  }

  private longestStalled(key: string | undefined, except: Arrival | undefined): Arrival | undefined {
    let found: Arrival | undefined;
    let since = this.now();
    const sets = key === undefined ? [...this.arriving.values()] : [this.arriving.get(key) ?? new Set<Arrival>()];
    for (const set of sets) {
      for (const a of set) {
        if (a === except || a.received === 0 || a.lastDataAt > since) continue;
        found = a;
        since = a.lastDataAt;
      }
    }
    return found;
  }

  private receive(req: Request, res: Response, key: string, max: number, declared: number, next: (err?: unknown) => void): void {
    const chunks: Buffer[] = [];
    let held = 0;
    let ended = false;
    const started = this.now();
    const release = () => {
      this.hold(key, -held);
      held = 0;
      chunks.length = 0;
    };
    const stop = () => {
      if (ended) return;
      ended = true;
      req.off('data', onData);
      req.off('end', onEnd);
      this.arriving.get(key)?.delete(arrival);
      if (this.arriving.get(key)?.size === 0) this.arriving.delete(key);
    };
    const arrival: Arrival = {
      key,
      startedAt: started,
      lastDataAt: started,
      declared,
      received: 0,
      cut: (status, message) => {
        stop();
        release();
        refuse(res, status, message, status === 429 ? this.limits.retryAfterSeconds : undefined);
      },
    };
    const onData = (chunk: Buffer) => {
      arrival.received += chunk.length;
      arrival.lastDataAt = this.now();
      held += chunk.length;
      this.hold(key, chunk.length);
      if (arrival.received > max) return arrival.cut(413, TOO_LARGE);
      if (!this.roomFor(0, undefined, arrival)) return arrival.cut(429, this.limits.busyMessage);
      if (!this.roomFor(0, key, arrival)) return arrival.cut(429, ADDRESS_BUSY);
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      req.body = Buffer.concat(chunks, arrival.received);
      next();
    };
    // What arrived is held until the answer is sent (the body is checked and stored meanwhile).
    res.once('close', () => {
      stop();
      release();
    });
    req.on('data', onData);
    req.on('end', onEnd);
    let mine = this.arriving.get(key);
    if (!mine) this.arriving.set(key, (mine = new Set()));
    mine.add(arrival);
    this.watch();
  }

  private hold(key: string, bytes: number): void {
    if (bytes === 0) return;
    this.held += bytes;
    const left = (this.heldBy.get(key) ?? 0) + bytes;
    if (left > 0) this.heldBy.set(key, left);
    else this.heldBy.delete(key);
  }

  /** Looks at the bodies still arriving every CHECK_EVERY_MS while there are any. */
  private watch(): void {
    this.watchdog ??= setInterval(() => {
      if (this.arriving.size === 0) {
        clearInterval(this.watchdog);
        this.watchdog = undefined;
        return;
      }
      const now = this.now();
      for (const mine of [...this.arriving.values()]) for (const arrival of [...mine]) this.judge(arrival, now);
    }, CHECK_EVERY_MS).unref();
  }

  /** Cuts a body past its deadline, silent too long, or behind the minimum rate. */
  private judge(a: Arrival, now: number): void {
    const { deadlineMs, idleMs, graceMs, minBytesPerSecond } = this.limits;
    const elapsed = now - a.startedAt;
    const behind = elapsed > graceMs && a.received < Math.min(a.declared, (minBytesPerSecond * (elapsed - graceMs)) / 1000);
    if (elapsed > deadlineMs || now - a.lastDataAt > idleMs || behind) a.cut(408, TOO_SLOW);
  }
}

/** Answers `status` and closes the connection: the rest of the body is never read. */
function refuse(res: Response, status: number, message: string, retryAfterSeconds?: number): void {
  if (res.headersSent) {
    res.socket?.destroy();
    return;
  }
  res.setHeader('connection', 'close');
  if (retryAfterSeconds !== undefined) res.setHeader('retry-after', String(retryAfterSeconds));
  sendError(res, status, message);
  const socket = res.socket;
  // A client that does not read the answer either is not waited for.
  if (socket) setTimeout(() => socket.destroy(), 1_000).unref();
}
