import { join } from 'node:path';
import autocannon from 'autocannon';
import { startSandbox } from '../sandbox/sandbox.js';
import { openStore } from '../store/store.js';
import type { StorageConfig } from '../store/open-database.js';
import { deliveriesFor, WEBHOOK_TOKEN, type NextDelivery, type Scenario } from './deliveries.js';
import { CONNECTIONS, DIST, DURATION, ROUNDS, STEADY_RATE, WARMUP_S } from './options.js';
import { serverEnv, startChild, type Child } from './processes.js';
import type { SteadyResult } from './steady.js';
import { steadyLoadInThread } from './steady-thread.js';
import { freshStorage, storageEnv, type StoreKind } from './storage.js';

/**
 * Intake: signed deliveries posted for a fixed time at full speed (closed loop), in rounds that
 * alternate the bridge and a bare Express route, then a steady open-loop 500 req/s.
 */

export interface LoadResult {
  rps: number;
  p99: number;
  errors: number;
}

/** Closed-loop load at full speed (each connection sends its next request on the answer). */
export async function load(url: string, next: NextDelivery, opts: { connections: number; duration: number }): Promise<LoadResult> {
  const result = await autocannon({
    url: `${url}/webhook`,
    connections: opts.connections,
    duration: opts.duration,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, ...next() }),
      },
    ],
  });
  return { rps: Math.round(result.requests.average), p99: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx };
}

export interface AckRow {
  scenario: Scenario;
  store: StoreKind;
  rounds: Array<{ ours: LoadResult; bare: LoadResult }>;
  /** Sum of our req/s ÷ sum of bare req/s over the rounds. */
  ratio: number;
  /** Our last round's req/s ÷ our first round's. */
  trend: number;
  at500: SteadyResult;
  /** Events the worker finished during the run (sales processed through the fakes). */
  workerDone: number;
  rssMb: number;
}

/** Warms the bare server up and measures it at the steady rate, for reference. */
export async function bareReference(bare: Child): Promise<SteadyResult> {
  await load(bare.url, deliveriesFor('launch'), { connections: CONNECTIONS / 2, duration: WARMUP_S });
  return steadyLoadInThread(bare.url, { rate: STEADY_RATE, durationS: DURATION, scenario: 'launch' });
}

async function doneCount(storage: StorageConfig): Promise<number> {
  const store = await openStore(storage);
  try {
    return (await store.events.countByStatus()).done;
  } finally {
    await store.close();
  }
}

/**
 * One scenario on one store (`history`: on a table from prefilledTable, pending of one buyer). The bare server runs beside ours; while it is measured ours is frozen
 * (SIGSTOP), so our worker's backlog does not slow the baseline down.
 */
export async function ackRun(scenario: Scenario, store: StoreKind, bare: Child, prefilled?: StorageConfig): Promise<AckRow> {
  const sandbox = await startSandbox();
  const storage = prefilled ?? (await freshStorage(store));
  const doneBefore = prefilled ? await doneCount(storage) : 0;
  const child = await startChild(
    join(DIST, 'bench/child.js'),
    ['ack'],
    serverEnv(WEBHOOK_TOKEN, { ...sandbox.env, ...storageEnv(storage), PORT: '0' }),
  );
  try {
    const next = deliveriesFor(scenario);
    await load(child.url, next, { connections: CONNECTIONS / 2, duration: WARMUP_S });
    const rounds: AckRow['rounds'] = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      const ours = await load(child.url, next, { connections: CONNECTIONS, duration: DURATION });
      child.pause();
      try {
        rounds.push({ ours, bare: await load(bare.url, next, { connections: CONNECTIONS, duration: DURATION }) });
      } finally {
        child.resume();
      }
    }
    const at500 = await steadyLoadInThread(child.url, { rate: STEADY_RATE, durationS: DURATION, scenario });
    const rssMb = child.peakRssMb();
    await child.stop();
    const sum = (pick: (r: AckRow['rounds'][number]) => number) => rounds.reduce((acc, r) => acc + pick(r), 0);
    return {
      scenario,
      store,
      rounds,
      ratio:
        sum((r) => r.ours.rps) /
        Math.max(
          1,
          sum((r) => r.bare.rps),
        ),
      trend: rounds.at(-1)!.ours.rps / Math.max(1, rounds[0].ours.rps),
      at500,
      workerDone: (await doneCount(storage)) - doneBefore,
      rssMb,
    };
  } finally {
    await child.stop();
    await sandbox.close();
  }
}
