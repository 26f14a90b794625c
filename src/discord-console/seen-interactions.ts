import type { Kysely } from 'kysely';
import { systemClock, type Clock } from '../timing/clock.js';
import type { Job } from '../timing/scheduler.js';
import type { Database } from '../store/schema.js';

/** Expired rows are deleted this often (one indexed delete; a row kept longer is refused as stale anyway). */
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * The signed Discord interactions already received (table seen_interactions), shared by every
 * instance and kept across restarts, so a captured request replayed within its signature's
 * window is refused wherever and whenever it lands. One insert per signed interaction; expired
 * rows go by an indexed delete, a job of the runtime's scheduler.
 */
export class SeenInteractions {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Records `key` (a hash of a signed request) until `expiresAt`; false when it was there
   * already: the same request seen before, by this instance or another, before or after a restart.
   */
  async firstTime(key: string, expiresAt: number): Promise<boolean> {
    const inserted = await this.db
      .insertInto('seen_interactions')
      .values({ key, expires_at: expiresAt })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /** Deletes the rows whose time has passed (a signature that old is refused as stale anyway). */
  async prune(): Promise<number> {
    const deleted = await this.db.deleteFrom('seen_interactions').where('expires_at', '<', this.clock()).executeTakeFirst();
    return Number(deleted.numDeletedRows);
  }

  /** Its periodic job: every instance may prune (the same indexed delete; nothing to share). */
  get pruneJob(): Job {
    return {
      name: 'discord-interactions',
      intervalMs: PRUNE_EVERY_MS,
      lease: 'none',
      run: () => this.prune(),
      failureMessage: 'falha ao apagar interações do Discord vencidas',
    };
  }
}
