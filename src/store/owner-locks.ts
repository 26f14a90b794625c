import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { backoffMs } from '../timing/backoff.js';
import type { Database } from './schema.js';

/** Namespace of the workers' advisory locks among PostgreSQL's (an arbitrary constant). */
export const OWNER_LOCK_NAMESPACE = 724_051;
const key = (owner: string) => sql`${sql.lit(OWNER_LOCK_NAMESPACE)}, hashtext(${owner})`;

/** First wait before taking the lock again on a new connection, doubling up to RETAKE_MAX_MS. */
const RETAKE_BASE_MS = 200;
const RETAKE_MAX_MS = 10_000;

/** Told when the lock's connection is lost, and when the lock is held again on a new one. */
export interface LockWatcher {
  lost(err: Error): void;
  regained(): void;
  /** A new connection could not take the lock (it is tried again later). */
  retryFailed?(err: unknown): void;
  /** Another instance said work may be waiting (signalWork): a new event, one put back, a lease let go. */
  workSignalled?(): void;
}

/** The channel instances wake each other on (LISTEN/NOTIFY); the payload is the sender's owner name. */
export const WORK_CHANNEL = 'bridge_work';

/** The connection that holds the lock: a client of its own, outside the pool. */
export type LockConnection = Pick<pg.Client, 'connect' | 'query' | 'end' | 'on' | 'removeAllListeners'>;

/** A NOTIFY of WORK_CHANNEL as pg delivers it. */
interface Notification {
  channel: string;
  payload?: string;
}

/**
 * Proof that a worker is alive, on PostgreSQL: each worker holds a session-scoped advisory lock
 * named after its lease owner for as long as it runs, on a connection of its own. PostgreSQL
 * drops the lock the moment that session ends (the process was killed, its host lost), so an
 * owner whose lock can be taken is gone for certain, and its events need not wait out their lease.
 *
 * The same session LISTENs on WORK_CHANNEL: instances wake each other (signalWork) instead of
 * waiting for their next poll, so a delivery one instance stored starts on whichever has a free
 * slot within milliseconds.
 *
 * The connection may be lost while the process lives (the server restarted, the backend was
 * terminated, the network dropped): the loss is an event, never a crash. The watcher is told —
 * from then on other instances may take this worker's events, so it stops claiming and running
 * (worker.ts) — and the lock is taken again on a new connection, with backoff, until it holds.
 */
export class OwnerLocks {
  private client: LockConnection | undefined;
  /** A connection still taking the lock. */
  private taking: LockConnection | undefined;
  private owner: string | undefined;
  private watcher: LockWatcher | undefined;
  private retake: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;
  /** Losses of the lock so far: a run begun before the latest one may have been taken over. */
  private losses = 0;
  /** A NOTIFY under way, and whether another was asked for meanwhile (one follows it). */
  private signalling: Promise<void> | undefined;
  private signalAgain = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly connect: () => LockConnection,
  ) {}

  /** Whether this process holds its lock right now. */
  get holding(): boolean {
    return this.client !== undefined;
  }

  /** How many times the lock was lost (a run remembers it when it starts). */
  get epoch(): number {
    return this.losses;
  }

  /** Takes `owner`'s lock on a connection of its own and keeps it until `releaseAll` (taking it again if the connection is lost). */
  async hold(owner: string, watcher?: LockWatcher): Promise<void> {
    if (this.owner !== undefined) return;
    this.owner = owner;
    this.watcher = watcher;
    await this.take();
  }

  private async take(): Promise<void> {
    const client = this.connect();
    this.taking = client;
    // Until the lock is held, an error fails the attempt (the query rejects); the listener only keeps it from crashing.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(`select pg_advisory_lock(${OWNER_LOCK_NAMESPACE}, hashtext($1))`, [this.owner]);
      client.on('notification', (message: Notification) => {
        if (message.channel === WORK_CHANNEL && message.payload !== this.owner) this.watcher?.workSignalled?.();
      });
      await client.query(`listen ${WORK_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    } finally {
      this.taking = undefined;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    client.removeAllListeners('error');
    client.on('error', (err: Error) => this.onLost(client, err));
    client.on('end', () => this.onLost(client, new Error('conexão da trava encerrada')));
    this.client = client;
    this.failures = 0;
  }

  private onLost(client: LockConnection, err: Error): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.losses += 1;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.watcher?.lost(err);
    this.scheduleRetake();
  }

  private scheduleRetake(): void {
    const wait = backoffMs(this.failures + 1, RETAKE_BASE_MS, Math.random, RETAKE_MAX_MS);
    this.retake = setTimeout(() => {
      this.retake = undefined;
      this.take().then(
        () => {
          if (!this.closed) this.watcher?.regained();
        },
        (err: unknown) => {
          this.failures += 1;
          this.watcher?.retryFailed?.(err);
          if (!this.closed) this.scheduleRetake();
        },
      );
    }, wait);
    this.retake.unref();
  }

  /**
   * Tells the other instances that work may be waiting (they look for it at once). Calls while a
   * NOTIFY is under way fold into one more after it: a burst of deliveries costs two queries, not
   * one per delivery. Never throws (a lost signal only means the others find the work on their poll).
   */
  signalWork(): void {
    if (this.owner === undefined || this.closed) return;
    if (this.signalling) {
      this.signalAgain = true;
      return;
    }
    this.signalling = sql`select pg_notify(${WORK_CHANNEL}, ${this.owner})`
      .execute(this.db)
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.signalling = undefined;
        if (this.signalAgain) {
          this.signalAgain = false;
          this.signalWork();
        }
      });
  }

  /** Whether `owner`'s session is gone (its lock is free): tried and let go at once, on one connection. */
  async isGone(owner: string): Promise<boolean> {
    return this.db.connection().execute(async (conn) => {
      const { rows } = await sql<{ got: boolean }>`select pg_try_advisory_lock(${key(owner)}) as got`.execute(conn);
      if (!rows[0]?.got) return false;
      await sql`select pg_advisory_unlock(${key(owner)})`.execute(conn);
      return true;
    });
  }

  /** Lets go of the held lock and its connection (before the pool closes). */
  async releaseAll(): Promise<void> {
    this.closed = true;
    await this.signalling;
    clearTimeout(this.retake);
    await this.taking?.end().catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.removeAllListeners('end');
    // Ending the session lets go of its locks.
    await client.end().catch(() => undefined);
  }
}

/** A lock connection to the database at `connectionString` (keep-alive on: a dead peer is noticed). */
export function lockConnection(connectionString: string): () => LockConnection {
  return () => new pg.Client({ connectionString, keepAlive: true });
}
