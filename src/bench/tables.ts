import type { AckRow } from './ack.js';
import type { ClaimRow } from './claim.js';
import type { ColdStart } from './coldstart.js';
import { SCENARIO_LABEL } from './deliveries.js';
import type { DrainRow } from './drain.js';
import {
  CLAIMS,
  CONCURRENCY,
  CONNECTIONS,
  DURATION,
  HISTORY,
  HISTORY_BUYERS,
  LATENCY,
  PENDING,
  ROUNDS,
  STEADY_RATE,
  pad,
  say,
} from './options.js';
import type { SteadyResult } from './steady.js';
import type { TakeoverRow } from './takeover.js';
import { STORE_LABEL } from './storage.js';

/** One compact table per section. */

const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? 0;

export function printAck(rows: AckRow[], bare: { at500: SteadyResult; rssMb: number }): void {
  say(
    `ACK (POST /webhook → 200): ${ROUNDS} rounds × ${DURATION} s at full speed (${CONNECTIONS} connections), ours then bare Express 5 in each round; then ${STEADY_RATE} req/s open loop for ${DURATION} s`,
  );
  const roundsHead = 'req/s ours/bare per round'.padEnd(ROUNDS * 11);
  say(`scenario       store       ${roundsHead} ratio  last÷1st  err │ ${STEADY_RATE}/s  p50   p99   max  err │ worker done  peak RSS`);
  for (const r of rows) {
    const rounds = r.rounds.map((x) => `${x.ours.rps}/${x.bare.rps}`.padEnd(11)).join('');
    const errors = r.rounds.reduce((acc, x) => acc + x.ours.errors, 0);
    say(
      `${SCENARIO_LABEL[r.scenario].padEnd(14)} ${STORE_LABEL[r.store].padEnd(11)} ${rounds} ${pad(r.ratio.toFixed(2), 5)} ${pad(r.trend.toFixed(2), 9)} ${pad(errors, 4)} │ ${pad(r.at500.rps, 6)} ${pad(r.at500.p50, 4)} ${pad(r.at500.p99, 5)} ${pad(r.at500.max, 5)} ${pad(r.at500.errors, 4)} │ ${pad(r.workerDone, 11)} ${pad(r.rssMb, 6)} MB`,
    );
  }
  const b = bare.at500;
  say(
    `${'bare Express 5'.padEnd(26)} ${''.padEnd(ROUNDS * 11)} ${''.padEnd(20)} │ ${pad(b.rps, 6)} ${pad(b.p50, 4)} ${pad(b.p99, 5)} ${pad(b.max, 5)} ${pad(b.errors, 4)} │ ${pad('—', 11)} ${pad(bare.rssMb, 6)} MB`,
  );
  say(
    `(ms; ratio = Σ ours ÷ Σ bare req/s; the bridge is frozen (SIGSTOP) while bare runs. billets: billet_created of unique buyers (stored as ignored: intake alone); one buyer: approved sales of the buyer who has ${PENDING} pending on the claim runs' table (${HISTORY} done over ${HISTORY_BUYERS} buyers, topped up); launch: approved sales of unique buyers, fresh table. The worker runs against loopback fakes; worker done = sales it finished during the run)`,
  );
}

export function printClaim(rows: ClaimRow[], ack: AckRow[]): void {
  say(
    `CLAIM LATENCY: store.queue.claimDue(owner, 4, 15000) in-process, each claimed event finished at once; ${HISTORY} done events over ${HISTORY_BUYERS} buyers + ${PENDING} pending; ${CLAIMS} claims after 10 warm-up, before the ack runs`,
  );
  say('store       pending of       p50 ms  p99 ms  max ms  events/claim │ ack ratio · last÷1st');
  for (const r of rows) {
    const scenario = r.oneBuyer ? 'oneBuyer' : 'launch';
    const a = ack.find((x) => x.store === r.store && x.scenario === scenario);
    const ackText = a ? `${a.ratio.toFixed(2)} · ${a.trend.toFixed(2)} (${SCENARIO_LABEL[scenario]})` : '—';
    say(
      `${STORE_LABEL[r.store].padEnd(11)} ${(r.oneBuyer ? 'one buyer' : 'distinct buyers').padEnd(15)} ${pad(ms(r.p50), 7)} ${pad(ms(r.p99), 7)} ${pad(ms(r.max), 7)} ${pad(r.perClaim.toFixed(2), 13)} │ ${ackText}`,
    );
  }
}

export function printDrain(rows: DrainRow[], skipped?: string): void {
  say(`DRAIN (queued sales → all done; fake EAD and ChatPro answer after ${LATENCY} ms; WORKER_CONCURRENCY=${CONCURRENCY} per instance)`);
  say('store       inst  sales  start s  drain s  bound (s)  ÷bound  ÷1 inst  EAD in flight  calls/sale  failed  peak RSS');
  for (const r of rows) {
    const one = rows.find((x) => x.store === r.store && x.instances === 1);
    const vsOne = r.instances === 1 || !one ? '—' : (r.seconds / one.seconds).toFixed(2);
    say(
      `${STORE_LABEL[r.store].padEnd(11)} ${pad(r.instances, 4)} ${pad(r.sales, 6)} ${pad(r.startSeconds.toFixed(1), 8)} ${pad(r.seconds.toFixed(1), 8)} ${pad(r.bound.toFixed(1), 10)} ${pad((r.seconds / r.bound).toFixed(2), 7)} ${pad(vsOne, 8)} ${pad(r.eadInFlight, 14)} ${pad(r.callsPerSale.toFixed(2), 11)} ${pad(r.failed, 7)} ${pad(r.rssMb, 6)} MB`,
    );
  }
  if (skipped) say(skipped);
  say(
    `(one database per store, instances added run after run; start = spawning the added ones → all listening; drain = new sales queued then (child.js drain: a poll every 100 ms) → all done, the ratios on it; bound = sales × 4 calls × ${LATENCY} ms ÷ (${CONCURRENCY} × instances); EAD in flight = most calls the fake EAD held at once; calls/sale counts EAD + ChatPro calls)`,
  );
}

export function printCold(cold: ColdStart): void {
  say('COLD START (spawn what npm start runs (node <flags> dist/server.mjs) → first GET /secure 200; SQLite; run 1 creates the database)');
  say(
    `runs (ms): ${cold.runs.map((t) => Math.round(t)).join(' ')}   min ${Math.round(Math.min(...cold.runs))}   median ${Math.round(median(cold.runs))}   peak RSS ${cold.rssMb} MB`,
  );
}

export function printTakeover(row: TakeoverRow | undefined): void {
  if (!row) {
    say('TAKEOVER: skipped (PostgreSQL only; TEST_DATABASE_URL not set)');
    return;
  }
  say(
    `TAKEOVER (PostgreSQL): an instance running ${row.events} sales killed with kill -9; ms until a live instance (every slot free) held all of them`,
  );
  say(`runs: ${row.runs.join(', ')} ms · median ${median(row.runs)} ms · max ${Math.max(...row.runs)} ms`);
}
