/**
 * npm run bench — prints numbers and marks each target met / not met; exits 0 unless it crashes.
 *
 *   ack      signed order_approved deliveries posted for a fixed time at full speed, in rounds that
 *            alternate the bridge and a bare Express 5 route parsing the same body (ours ÷ bare is
 *            the headline, last round ÷ first the trend), then a steady open-loop 500 req/s. Three
 *            scenarios (deliveries.ts): billets, one buyer with a long history, a launch. The bridge
 *            runs as in production: its HTTP server, store and worker, the sale flows against
 *            loopback fakes. BENCH_CPU_PROF=DIR writes each server's CPU profile there.
 *   claim    store.queue.claimDue latency over a pre-filled table (in this process, no HTTP).
 *   drain    queued sales, fake EAD and ChatPro answering after a latency: time until all are done,
 *            SQLite with one server, PostgreSQL with 1, 2 and 4 servers sharing the database.
 *   takeover PostgreSQL: an instance running sales is killed (kill -9); time until a live one holds its events.
 *   cold     spawn to first /secure 200.
 *   memory   peak RSS (VmHWM) of every server process.
 *   Each against SQLite, and PostgreSQL when TEST_DATABASE_URL is set.
 *
 * Options: --duration S (seconds per round and of the 500 req/s run, default 10) --rounds N (3)
 *          --history N (done events of the pre-filled table, default 100000) --claims N (400)
 *          --sales N (SQLite drain, 1000) --scale-sales N (PostgreSQL scale-out, 2000)
 *          --latency MS (50) --concurrency N (4)
 *          --quick (duration 1, history 10000, claims 100, sales 60, scale-sales 64)
 * Servers run compiled (npm run build) in child processes with npm start's Node flags; load,
 * fakes and the claim runs in this one. Temp folders and PostgreSQL schemas are removed at the end.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ackRun, bareReference, type AckRow } from './ack.js';
import { claimLatency, type ClaimRow } from './claim.js';
import { coldStart } from './coldstart.js';
import type { Scenario } from './deliveries.js';
import { drain, type DrainRow } from './drain.js';
import { dropPostgresSchemas } from './fixtures.js';
import { prefilledTable, queuePending } from './history.js';
import {
  COLD_RUNS,
  CONCURRENCY,
  DIST,
  DURATION,
  HISTORY,
  LATENCY,
  PENDING,
  PG,
  QUICK,
  ROUNDS,
  SALES,
  SCALE_INSTANCES,
  SCALE_SALES,
  TAKEOVER_RUNS,
  removeTempFolders,
  say,
} from './options.js';
import { productionNodeFlags, startChild } from './processes.js';
import { STORES } from './storage.js';
import { printAck, printClaim, printCold, printDrain, printTakeover } from './tables.js';
import { takeover } from './takeover.js';
import { printSummary } from './targets.js';

const SCENARIOS: Scenario[] = ['billets', 'oneBuyer', 'launch'];
const started = Date.now();
let lap = started;
/** Seconds since the previous call (each section's own time, printed under its table). */
function took(): string {
  const now = Date.now();
  const s = Math.round((now - lap) / 1000);
  lap = now;
  return `${s} s`;
}
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  say(`kiwify-ead-bridge bench — node ${process.version} ${productionNodeFlags().join(' ')} (as npm start), ${new Date().toISOString()}`);
  say(
    `${QUICK ? '--quick: ' : ''}ack ${ROUNDS} × ${DURATION} s rounds per scenario and store; history ${HISTORY}; drain ${SALES} sales (SQLite), ${SCALE_SALES} (PostgreSQL × ${SCALE_INSTANCES.join('/')}), ${LATENCY} ms upstream latency, WORKER_CONCURRENCY=${CONCURRENCY}`,
  );
  say(`load average at start: ${load()} (other processes on these cores blur every number)`);
  if (!PG) say('(TEST_DATABASE_URL não definido: PostgreSQL fora desta rodada)');
  say();
  const rssMb: number[] = [];

  // The pre-filled tables first, side by side (nothing is measured meanwhile); then the claim runs
  // on them. The one-buyer table, topped up to PENDING pending again, is the pre-filled ack
  // scenario's (claims first, so the ack run's backlog does not weigh on them).
  const tables = await Promise.all(
    STORES.flatMap((kind) => [false, true].map(async (oneBuyer) => ({ kind, oneBuyer, storage: await prefilledTable(kind, oneBuyer) }))),
  );
  say(`(pre-filled tables ready in ${took()})`);
  const claim: ClaimRow[] = [];
  for (const table of tables) {
    const row = await claimLatency(table);
    claim.push(row);
    if (table.oneBuyer) await queuePending(table.storage, row.finished, true, PENDING);
  }
  const claimTime = took();

  const bare = await startChild(join(DIST, 'bench/child.js'), ['bare'], { PORT: '0' });
  const ack: AckRow[] = [];
  let bareRef;
  let bareRss: number;
  try {
    bareRef = await bareReference(bare);
    for (const scenario of SCENARIOS) {
      for (const store of STORES) {
        const table = scenario === 'oneBuyer' ? tables.find((t) => t.oneBuyer && t.kind === store)?.storage : undefined;
        ack.push(await ackRun(scenario, store, bare, table));
      }
    }
    bareRss = bare.peakRssMb();
  } finally {
    await bare.stop();
  }
  rssMb.push(...ack.map((a) => a.rssMb));
  printAck(ack, { at500: bareRef, rssMb: bareRss });
  say(`(section: ${took()})`);
  say();

  printClaim(claim, ack);
  say(`(section: ${claimTime})`);
  say();

  const drains: DrainRow[] = await drain('sqlite', [1], SALES);
  if (PG) drains.push(...(await drain('postgres', SCALE_INSTANCES, SCALE_SALES)));
  rssMb.push(...drains.map((d) => d.rssMb));
  printDrain(drains, PG ? undefined : '(PostgreSQL scale-out skipped: TEST_DATABASE_URL not set)');
  say(`(section: ${took()})`);
  say();

  const taken = PG ? await takeover(TAKEOVER_RUNS) : undefined;
  printTakeover(taken);
  say(`(section: ${took()})`);
  say();

  const cold = await coldStart(COLD_RUNS);
  rssMb.push(cold.rssMb);
  printCold(cold);
  say(`(section: ${took()})`);
  say();

  say(`MEMORY  peak RSS of any bridge server process (ack, drain, cold start): ${Math.max(...rssMb)} MB`);
  say();
  printSummary({ ack, claim, drain: drains, cold, rssMb, takeover: taken });
  say(`(bench took ${Math.round((Date.now() - started) / 1000)} s; load average at the end: ${load()})`);
}

try {
  await main();
} finally {
  await dropPostgresSchemas();
  removeTempFolders();
}
