import { sql, type Kysely } from 'kysely';
import { retry } from '../timing/retry.js';
import type { Job } from '../timing/scheduler.js';
import type { Dialect } from './migrations.js';
import type { Database } from './schema.js';

/** The busy timeout the SQLite connection runs with (open.ts), restored after a checkpoint. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;
/** How long a checkpoint waits, in all, for readers and writers of other processes to let go of the WAL. */
const MAX_WAIT_MS = 10_000;
const FIRST_WAIT_MS = 50;
const LONGEST_WAIT_MS = 1_000;

/** A try that found the WAL held by another process. */
const WAL_BUSY = new Error('WAL busy');

export interface TruncateOptions {
  /** Bound of the wait for other processes (default 10 s). */
  maxWaitMs?: number;
}

/**
 * Leaves no older copy of rewritten rows in SQLite's write-ahead log: a `TRUNCATE` checkpoint
 * copies every frame into the database file (where `secure_delete` has already zeroed what was
 * deleted) and cuts `-wal` to zero bytes. A passive checkpoint is not enough: it leaves the old
 * frames in the file, to be overwritten only some day. Used after an erasure, after each
 * retention pass and after passwords of an older release are sealed.
 *
 * Another process reading the database (a CLI command, `sqlite3 … .backup`) or writing to it
 * holds the WAL; the checkpoint cannot cut it then. It is tried without SQLite's busy handler
 * (which would freeze the event loop for its whole timeout) and tried again, waiting a little
 * longer each time, for at most `maxWaitMs`. False when the WAL could still not be cut: the
 * frames are copied but stay in `-wal` until the next try succeeds (LogTruncation tries again
 * every 30 s for five minutes; then the hourly housekeeping, or the next erasure). PostgreSQL has no such file the application can cut: true at once
 * (README "Privacidade" says what PostgreSQL keeps and for how long).
 */
export async function truncateWal(db: Kysely<Database>, dialect: Dialect, options: TruncateOptions = {}): Promise<boolean> {
  if (dialect !== 'sqlite') return true;
  try {
    await retry(
      async () => {
        if (!(await checkpointOnce(db))) throw WAL_BUSY;
      },
      {
        baseMs: FIRST_WAIT_MS,
        maxDelayMs: LONGEST_WAIT_MS,
        budgetMs: options.maxWaitMs ?? MAX_WAIT_MS,
        retryable: (err) => err === WAL_BUSY,
      },
    );
    return true;
  } catch (err) {
    if (err === WAL_BUSY) return false;
    throw err;
  }
}

/** One try, on the store's one connection, with the busy handler off for its duration. */
async function checkpointOnce(db: Kysely<Database>): Promise<boolean> {
  return db.connection().execute(async (conn) => {
    await sql`pragma busy_timeout = 0`.execute(conn);
    try {
      const { rows } = await sql<{ busy: number; log: number }>`pragma wal_checkpoint(TRUNCATE)`.execute(conn);
      // busy = 1: a reader or writer kept it from finishing; log = -1: not in WAL mode (nothing to cut).
      return rows[0]?.busy === 0;
    } catch {
      // SQLITE_BUSY raised instead of reported (another connection is checkpointing): try again.
      return false;
    } finally {
      await sql`pragma busy_timeout = ${sql.lit(SQLITE_BUSY_TIMEOUT_MS)}`.execute(conn);
    }
  });
}

/** After a cut that other processes kept from going through, it is tried again this often… */
export const WAL_RETRY_EVERY_MS = 30_000;
/** …this many times (five minutes), each waiting at most WAL_RETRY_WAIT_MS; then the hourly housekeeping. */
const WAL_RETRIES = 10;
const WAL_RETRY_WAIT_MS = 2_000;

/**
 * The database's log cut after personal data goes (truncateWal), and tried again soon when
 * another process held the WAL: every 30 s, ten times, off the request path (a job of the
 * runtime's scheduler: `retryJob`), instead of leaving erased data in `-wal` until the hourly
 * housekeeping.
 */
export class LogTruncation {
  /** Tries left for a cut still owed (0: nothing owed). */
  private owed = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly retryEveryMs = WAL_RETRY_EVERY_MS,
  ) {}

  async truncate(options?: TruncateOptions): Promise<boolean> {
    const cut = await truncateWal(this.db, this.dialect, options);
    this.owed = cut ? 0 : WAL_RETRIES;
    return cut;
  }

  /**
   * One retry of an owed cut, if any: true when it went through now (the runtime logs it),
   * false when it is still owed, undefined when nothing was.
   */
  async retry(): Promise<boolean | undefined> {
    if (this.owed === 0) return undefined;
    this.owed -= 1;
    const cut = await truncateWal(this.db, this.dialect, { maxWaitMs: WAL_RETRY_WAIT_MS });
    if (cut) this.owed = 0;
    return cut;
  }

  /** The scheduler's job of the retries (a no-op while nothing is owed). */
  retryJob(onCut: () => void): Job {
    return {
      name: 'wal-truncate',
      intervalMs: this.retryEveryMs,
      lease: 'none',
      run: async () => {
        if (await this.retry()) onCut();
      },
      failureMessage: 'falha ao esvaziar o arquivo -wal do SQLite',
    };
  }
}
