import type { CustomerKeys } from './customer-keys.js';
import type { SecretBox } from '../domain/secret-box.js';
import type { StepName } from '../sales/steps.js';
import type { Logger } from '../log/logger.js';
import type { Journal } from '../store/journal.js';
import type { Store } from '../store/store.js';
import { removeExpiredPersonalData, type RetentionStore } from './erasure.js';
import type { Clock } from '../timing/clock.js';
import type { Job } from '../timing/scheduler.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** A pass every hour: what it removes is due by the day, and an old instance still running during a deploy is caught within the hour. */
const INTERVAL_MS = 60 * 60 * 1000;
/** How long a pass holds its lease without a renewal (renewed while it runs). */
const LEASE_MS = 5 * 60 * 1000;
/**
 * Days a sealed password waits for a welcome that keeps failing before it is wiped. Long enough
 * for support to fix a ChatPro or e-mail outage and resend; after it, the student is told to use
 * "Esqueci minha senha" — nothing a school needs to tune.
 */
export const PASSWORD_RETENTION_DAYS = 7;
/** The step whose result holds a new student's sealed password. */
const CADASTRO: StepName = 'cadastro';

/** What the clean-up reads and writes: the journal's passwords, the retention pass, the replay guard, the database's log. */
export interface HousekeepingStore extends RetentionStore {
  journal: Pick<Journal, 'addHistory' | 'sealLegacyPasswords' | 'wipeSealedPasswords'>;
  /** The Discord console's replay guard: its expired entries go. */
  interactions: { prune(): Promise<number> };
  truncateLog: Store['truncateLog'];
}

export interface HousekeepingOptions {
  store: HousekeepingStore;
  log: Logger;
  /** How long a sealed password waits for its welcome before it is wiped (default PASSWORD_RETENTION_DAYS). */
  passwordRetentionDays?: number;
  /** Seals what an older release journaled in clear. */
  secrets: SecretBox;
  /** How long a finished event keeps its buyer's personal data (RETENTION_DAYS). */
  retentionDays: number;
  /** Hashes the customer key of events whose personal data goes. */
  customerKeys: CustomerKeys;
  intervalMs?: number;
  clock: Clock;
}

/**
 * Periodic clean-up of what the server must not keep: passwords an older release journaled in
 * clear (sealed), sealed passwords whose welcome never went out within PASSWORD_RETENTION_DAYS
 * (wiped) and the personal data of events finished more than RETENTION_DAYS ago (removed); then
 * SQLite's WAL is cut, so no older copy of what went stays in `-wal`. A job of the runtime's
 * scheduler: at start and then hourly, on one instance at a time (its lease); idempotent and
 * batched.
 */
export class Housekeeping {
  constructor(private readonly opts: HousekeepingOptions) {}

  /** Its periodic job: one pass at a time across the instances (they share what it removes). */
  get job(): Job {
    return {
      name: 'housekeeping',
      intervalMs: this.opts.intervalMs ?? INTERVAL_MS,
      lease: { leaseMs: LEASE_MS },
      run: () => this.runOnce(),
      failureMessage: 'falha na limpeza periódica de dados',
    };
  }

  /** Seals plaintext passwords of an older release; the runtime awaits it before the worker starts. */
  async sealLegacyPasswords(): Promise<void> {
    const { store, log, secrets } = this.opts;
    const sealed = await store.journal.sealLegacyPasswords(CADASTRO, (plaintext) => secrets.seal(plaintext));
    if (sealed > 0) log.warn({ sealed }, 'senhas gravadas em claro por uma versão anterior foram cifradas');
  }

  /** One pass; `now` lets a test look at a later day. */
  async runOnce(now = this.opts.clock()): Promise<void> {
    const { store } = this.opts;
    const passwordRetentionDays = this.opts.passwordRetentionDays ?? PASSWORD_RETENTION_DAYS;
    await this.sealLegacyPasswords();
    for (;;) {
      const wiped = await store.journal.wipeSealedPasswords(CADASTRO, now - passwordRetentionDays * DAY_MS);
      for (const eventId of wiped) {
        await store.journal.addHistory(
          eventId,
          'privacy',
          `Senha do aluno apagada: as boas-vindas não foram enviadas em ${passwordRetentionDays} dia(s). Se reprocessado, o aluno será orientado a usar "Esqueci minha senha" no portal.`,
        );
      }
      if (wiped.length === 0) break;
    }
    const { removed, failed } = await removeExpiredPersonalData(store, this.opts.customerKeys, this.opts.retentionDays, now);
    if (removed > 0)
      this.opts.log.info({ removed }, `dados pessoais removidos de eventos encerrados há mais de ${this.opts.retentionDays} dia(s)`);
    if (failed.length > 0) {
      this.opts.log.error(
        { eventIds: failed.slice(0, 20) },
        'não foi possível remover os dados pessoais de alguns eventos; a limpeza tenta de novo na próxima hora',
      );
    }
    // What was wiped or stripped above (or by an erasure whose cut was blocked) leaves SQLite's -wal too.
    if (!(await store.truncateLog())) {
      this.opts.log.warn(
        'o arquivo -wal do SQLite não pôde ser esvaziado (outro processo lendo o banco); nova tentativa a cada 30 s por 5 min, depois na próxima limpeza',
      );
    }
  }
}
