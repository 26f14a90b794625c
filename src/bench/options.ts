import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** The bench's command line, its sizes and the temp folders it makes (all removed at the end). */

const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    rounds: { type: 'string' },
    sales: { type: 'string' },
    'scale-sales': { type: 'string' },
    latency: { type: 'string' },
    concurrency: { type: 'string' },
    history: { type: 'string' },
    claims: { type: 'string' },
    quick: { type: 'boolean' },
  },
});

export const QUICK = Boolean(values.quick);
/** Seconds of each full-speed round (ours, then bare), and of the steady 500 req/s run. */
export const DURATION = Number(values.duration ?? (QUICK ? 1 : 10));
export const ROUNDS = Number(values.rounds ?? 3);
export const WARMUP_S = QUICK ? 0.5 : 2;
export const CONNECTIONS = 32;
export const STEADY_RATE = 500;
/** Sales of the SQLite drain, and of each PostgreSQL scale-out run. */
export const SALES = Number(values.sales ?? (QUICK ? 60 : 1000));
export const SCALE_SALES = Number(values['scale-sales'] ?? (QUICK ? 64 : 2000));
export const SCALE_INSTANCES = [1, 2, 4];
export const LATENCY = Number(values.latency ?? 50);
export const CONCURRENCY = Number(values.concurrency ?? 4);
/** Finished events of the pre-filled table, over HISTORY_BUYERS buyers; then PENDING pending ones. */
export const HISTORY = Number(values.history ?? (QUICK ? 10_000 : 100_000));
export const HISTORY_BUYERS = 1_000;
export const PENDING = 10_000;
export const CLAIMS = Number(values.claims ?? (QUICK ? 100 : 400));
export const CLAIM_WARMUP = 10;
export const COLD_RUNS = QUICK ? 3 : 7;
/** Kills of the takeover runs (PostgreSQL). */
export const TAKEOVER_RUNS = QUICK ? 2 : 5;

export const PG = process.env.TEST_DATABASE_URL;
export const DIST = new URL('../', import.meta.url).pathname; // dist/

export const say = (line = '') => process.stdout.write(`${line}\n`);
export const pad = (v: unknown, n: number) => String(v).padStart(n);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const folders: string[] = [];

/** A new temp folder, removed by removeTempFolders(). */
export function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-bench-'));
  folders.push(dir);
  return dir;
}

export function removeTempFolders(): void {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
}
