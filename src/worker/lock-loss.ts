import type { Logger } from '../log/logger.js';
import type { LockWatcher } from '../store/owner-locks.js';
import type { ClaimedEvent } from '../store/store.js';
import type { WorkerStore } from './types.js';

/**
 * What the worker does when its proof of life (PostgreSQL's advisory lock, owner-locks.ts) is
 * lost and taken again: from the loss on, other instances see it dead and may take its events
 * over, so it claims nothing and renews no lease, and its running events stop before their next
 * step (LockLost); its writes stay fenced by their claims, so a late one is refused, never
 * applied twice. Once the lock holds again, the stopped runs go back to the queue.
 */
export function lockWatcher(log: Logger, running: () => number, regained: () => void): LockWatcher {
  return {
    lost: (err) =>
      log.error(
        { err, running: running() },
        'conexão que prova que este processo está vivo foi perdida: nada novo é assumido, e os eventos em andamento param antes da próxima etapa, até ela voltar',
      ),
    regained: () => {
      log.warn('prova de vida retomada em nova conexão: o processamento continua');
      regained();
    },
    retryFailed: (err) => log.error({ err }, 'não foi possível retomar a prova de vida; nova tentativa em instantes'),
  };
}

/** Runs stopped by a lost lock, waiting to go back to the queue. */
export class InterruptedRuns {
  private readonly claims: ClaimedEvent[] = [];

  constructor(
    private readonly queue: Pick<WorkerStore['queue'], 'release'>,
    private readonly log: Logger,
  ) {}

  /** A run stopped by LockLost: given back now if the lock already holds again, else once it does. */
  async stopped(claim: ClaimedEvent, log: Logger, lockHeld: boolean): Promise<void> {
    log.warn('prova de vida perdida durante o evento: esta execução parou antes da próxima etapa');
    this.claims.push(claim);
    if (lockHeld) await this.giveBack();
  }

  /**
   * Gives each back to the queue, only if its claim still holds (nobody took it over meanwhile):
   * it runs again from its journal, here or elsewhere. One that cannot be given back now waits
   * out its lease (not renewed).
   */
  async giveBack(): Promise<void> {
    for (const claim of this.claims.splice(0)) {
      try {
        if (await this.queue.release(claim)) this.log.info({ eventId: claim.id }, 'evento interrompido devolvido à fila');
      } catch (err) {
        this.log.error({ err, eventId: claim.id }, 'não foi possível devolver à fila o evento interrompido: sua concessão expira sozinha');
      }
    }
  }
}

/**
 * PostgreSQL: events leased to a worker whose process is gone (its advisory lock is free) are
 * taken up at once, not after their lease — a restart does not wait for its own predecessor.
 * Returns how many were freed.
 */
export async function takeUpWorkOfTheDead(store: Pick<WorkerStore, 'queue' | 'ownerLocks'>, self: string, log: Logger): Promise<number> {
  const locks = store.ownerLocks;
  if (!locks) return 0;
  const owners = await store.queue.otherLeaseOwners(self);
  const gone: string[] = [];
  for (const owner of owners) if (await locks.isGone(owner)) gone.push(owner);
  const expired = await store.queue.expireLeases(gone);
  if (expired > 0) log.warn({ expired, owners: gone.length }, 'eventos de um processo que parou retomados sem esperar a concessão');
  return expired;
}
