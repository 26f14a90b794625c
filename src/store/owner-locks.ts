import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Namespace of the workers' advisory locks among PostgreSQL's (an arbitrary constant). */
const NAMESPACE = 724_051;
const key = (owner: string) => sql`${sql.lit(NAMESPACE)}, hashtext(${owner})`;

/**
 * Proof that a worker is alive, on PostgreSQL: each worker holds a session-scoped advisory lock
 * named after its lease owner for as long as it runs, on a connection of its own. PostgreSQL
 * drops the lock the moment that session ends (the process was killed, its host lost), so an
 * owner whose lock can be taken is gone for certain, and its events need not wait out their lease.
 */
export class OwnerLocks {
  private release: (() => void) | undefined;
  private held: Promise<void> | undefined;

  constructor(private readonly db: Kysely<Database>) {}

  /** Takes `owner`'s lock and keeps its connection until `releaseAll`. */
  async hold(owner: string): Promise<void> {
    if (this.held) return;
    let locked!: () => void;
    let failed!: (err: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      locked = resolve;
      failed = reject;
    });
    const released = new Promise<void>((resolve) => (this.release = resolve));
    this.held = this.db
      .connection()
      .execute(async (conn) => {
        await sql`select pg_advisory_lock(${key(owner)})`.execute(conn);
        locked();
        await released;
        await sql`select pg_advisory_unlock(${key(owner)})`.execute(conn);
      })
      .catch(failed);
    await ready;
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
    this.release?.();
    await this.held;
    this.held = undefined;
  }
}
