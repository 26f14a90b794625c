import type { AckRow } from './ack.js';
import type { ClaimRow } from './claim.js';
import type { ColdStart } from './coldstart.js';
import { SCENARIO_LABEL } from './deliveries.js';
import type { DrainRow } from './drain.js';
import { STEADY_RATE, say } from './options.js';
import { STORE_LABEL } from './storage.js';
import { median } from './tables.js';
import type { TakeoverRow } from './takeover.js';

/** The targets, each case marked met / not met. Judgement is printed only: the exit code stays 0. */

export interface Results {
  ack: AckRow[];
  claim: ClaimRow[];
  drain: DrainRow[];
  cold: ColdStart;
  /** Peak RSS of every bridge server process of the run, in MB. */
  rssMb: number[];
  takeover?: TakeoverRow;
}

interface Line {
  target: string;
  value: string;
  met: boolean | undefined;
}

function lines(r: Results): Line[] {
  const out: Line[] = [];
  for (const a of r.ack) {
    out.push({
      target: `ack ≥ 0.5 × bare, last round ≥ 0.9 × first · ${SCENARIO_LABEL[a.scenario]} · ${STORE_LABEL[a.store]}`,
      value: `${a.ratio.toFixed(2)} · ${a.trend.toFixed(2)}`,
      met: a.ratio >= 0.5 && a.trend >= 0.9,
    });
  }
  for (const a of r.ack) {
    out.push({
      target: `p99 ≤ 25 ms at ${STEADY_RATE} req/s · ${SCENARIO_LABEL[a.scenario]} · ${STORE_LABEL[a.store]}`,
      value: `${a.at500.p99} ms${a.at500.errors ? ` (${a.at500.errors} err)` : ''}`,
      met: a.at500.p99 <= 25 && a.at500.errors === 0,
    });
  }
  for (const c of r.claim) {
    const limit = c.store === 'sqlite' ? 2 : 5;
    out.push({
      target: `claimDue p99 ≤ ${limit} ms · ${c.oneBuyer ? 'one buyer' : 'distinct buyers'} · ${STORE_LABEL[c.store]}`,
      value: `${c.p99.toFixed(2)} ms`,
      met: c.p99 <= limit,
    });
  }
  const pg = r.drain.filter((d) => d.store === 'postgres');
  const one = pg.find((d) => d.instances === 1);
  for (const [instances, limit] of [
    [2, 0.6],
    [4, 0.35],
  ] as const) {
    const row = pg.find((d) => d.instances === instances);
    const ratio = row && one ? row.seconds / one.seconds : undefined;
    out.push({
      target: `drain ${instances} instances ≤ ${limit} × one (PostgreSQL)`,
      value: ratio === undefined ? 'skipped (no TEST_DATABASE_URL)' : `${ratio.toFixed(2)} × (${row!.failed + one!.failed} failed)`,
      met: ratio === undefined ? undefined : ratio <= limit && row!.failed + one!.failed === 0,
    });
  }
  const slowest = r.takeover ? Math.max(...r.takeover.runs) : undefined;
  out.push({
    target: 'takeover after kill -9 < 1 s (slowest run, PostgreSQL)',
    value: slowest === undefined ? 'skipped (no TEST_DATABASE_URL)' : `${slowest} ms`,
    met: slowest === undefined ? undefined : slowest < 1000,
  });
  const cold = median(r.cold.runs);
  out.push({ target: 'cold start ≤ 1 s (median)', value: `${(cold / 1000).toFixed(2)} s`, met: cold <= 1000 });
  const rss = Math.max(...r.rssMb);
  out.push({ target: 'peak RSS ≤ 150 MB (every bridge server process)', value: `${rss} MB`, met: rss <= 150 });
  return out;
}

export function printSummary(results: Results): void {
  const all = lines(results);
  const width = Math.max(...all.map((l) => l.target.length));
  say('SUMMARY (targets; the exit code passes no judgement)');
  for (const l of all) {
    const verdict = l.met === undefined ? '—' : l.met ? 'met' : 'NOT MET';
    say(`${l.target.padEnd(width)}  ${l.value.padStart(14)}  ${verdict}`);
  }
  const counted = all.filter((l) => l.met !== undefined);
  say(`${counted.filter((l) => l.met).length} of ${counted.length} met`);
}
