import { systemClock, type Clock } from '../timing/clock.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/** Admin sessions, by the keyed hash of their cookie (the cookie itself is never stored). */
export class SessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Records a new session; expired ones are swept on the way. */
  async create(idHash: string, ttlMs: number): Promise<void> {
    const now = this.clock();
    await this.db.deleteFrom('admin_sessions').where('expires_at', '<', now).execute();
    await this.db
      .insertInto('admin_sessions')
      .values({ id_hash: idHash, created_at: now, expires_at: now + ttlMs })
      .execute();
  }

  async isValid(idHash: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('admin_sessions')
      .select('id_hash')
      .where('id_hash', '=', idHash)
      .where('expires_at', '>', this.clock())
      .executeTakeFirst();
    return row !== undefined;
  }

  async end(idHash: string): Promise<void> {
    await this.db.deleteFrom('admin_sessions').where('id_hash', '=', idHash).execute();
  }

  /** "Sair de todos os dispositivos": every session, everywhere. */
  async endAll(): Promise<number> {
    const result = await this.db.deleteFrom('admin_sessions').executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
