import { startSandbox } from '../sandbox/sandbox.js';
import { queueSales } from './fixtures.js';
import { CONCURRENCY, LATENCY, sleep } from './options.js';
import { benchChild, inboxCounts, serverEnv, startChild, type Child } from './processes.js';
import { freshStorage, storageEnv, type StoreKind } from './storage.js';

/**
 * Approved sales queued for 1, 2, 4… compiled servers (what npm start runs: node dist/server.mjs, with its flags)
 * sharing one database, timed until all are done; the fake EAD and ChatPro answer after LATENCY ms.
 */

export interface DrainRow {
  store: StoreKind;
  instances: number;
  sales: number;
  /** From spawning the instances this run adds until all of them are listening (workers started). */
  startSeconds: number;
  /** From then (the sales are queued) until every sale is done. */
  seconds: number;
  /** sales × 4 calls × latency ÷ (WORKER_CONCURRENCY × instances). */
  bound: number;
  callsPerSale: number;
  /** Most EAD calls the fake had in flight at once. */
  eadInFlight: number;
  failed: number;
  /** Peak RSS of the largest instance. */
  rssMb: number;
}

/** Most intervals [at, doneAt] open at once (an answer that leaves in the same ms as a call arrives does not overlap it). */
export function maxInFlight(calls: Array<{ at: number; doneAt?: number }>): number {
  const edges = calls.flatMap((c) => [
    [c.at, 1],
    [c.doneAt ?? Number.POSITIVE_INFINITY, -1],
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, delta] of edges) {
    open += delta;
    most = Math.max(most, open);
  }
  return most;
}

/**
 * One database, one sandbox; for each count in `steps` (ascending), instances are added up to it,
 * then `sales` new sales are queued and timed until all are done.
 */
export async function drain(kind: StoreKind, steps: number[], sales: number): Promise<DrainRow[]> {
  const sandbox = await startSandbox();
  sandbox.ead.faults.latencyMs = LATENCY;
  sandbox.chatpro.faults.latencyMs = LATENCY;
  const storage = await freshStorage(kind);
  const env = serverEnv('bench-token', {
    ...sandbox.env,
    ...storageEnv(storage),
    WORKER_CONCURRENCY: String(CONCURRENCY),
    PORT: '0',
  });
  const servers: Child[] = [];
  const rows: DrainRow[] = [];
  try {
    for (const instances of steps) {
      // The sales are queued once every instance listens (its worker started): start-up (several
      // processes on few cores) neither counts nor hands the first instance a head start.
      const spawned = Date.now();
      // child.js drain: sales queued by another process wake no worker, so they are found on the next poll (100 ms).
      const added = await Promise.all(Array.from({ length: instances - servers.length }, () => startChild(benchChild(), ['drain'], env)));
      servers.push(...added);
      const started = Date.now();
      await queueSales(storage, sales, 1 + rows.length * sales);
      let failed: number;
      for (;;) {
        const health = await inboxCounts(servers[0].url);
        failed = health?.failed ?? 0;
        if (health && health.pending + health.retrying + health.processing === 0) break;
        await sleep(100);
      }
      const seconds = (Date.now() - started) / 1000;
      // This run's calls only (each instance also checks its connections as it starts).
      const ead = sandbox.ead.calls.filter((c) => c.at >= started);
      const calls = ead.length + sandbox.chatpro.calls.filter((c) => c.at >= started).length;
      rows.push({
        store: kind,
        instances,
        sales,
        startSeconds: (started - spawned) / 1000,
        seconds,
        bound: (sales * 4 * LATENCY) / (CONCURRENCY * instances) / 1000,
        callsPerSale: calls / sales,
        eadInFlight: maxInFlight(ead),
        failed: failed - rows.reduce((acc, r) => acc + r.failed, 0),
        rssMb: Math.max(...servers.map((s) => s.peakRssMb())),
      });
    }
    return rows;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await sandbox.close();
  }
}
