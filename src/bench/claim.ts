import { openStore } from '../store/store.js';
import type { StorageConfig } from '../store/open-database.js';
import { CLAIM_WARMUP, CLAIMS } from './options.js';
import type { StoreKind } from './storage.js';

/**
 * claimDue straight on the store (this process, no HTTP) over a pre-filled table: each claim's
 * events are finished at once, so the next claim sees the next ones.
 */

export interface ClaimRow {
  store: StoreKind;
  oneBuyer: boolean;
  p50: number;
  p99: number;
  max: number;
  claims: number;
  /** Events claimed per claim, on average (≤ 4; 1 when every event has the same buyer). */
  perClaim: number;
  /** Events claimed and finished in all, the warm-up's included. */
  finished: number;
}

const OWNER = 'bench-claim';
const LIMIT = 4;
const LEASE_MS = 15_000;

export interface ClaimTable {
  kind: StoreKind;
  oneBuyer: boolean;
  storage: StorageConfig;
}

export async function claimLatency({ kind, oneBuyer, storage }: ClaimTable): Promise<ClaimRow> {
  const store = await openStore(storage);
  try {
    const times: number[] = [];
    let claimed = 0;
    let finished = 0;
    for (let i = 0; i < CLAIM_WARMUP + CLAIMS; i += 1) {
      const started = performance.now();
      const rows = await store.queue.claimDue(OWNER, LIMIT, LEASE_MS);
      const ms = performance.now() - started;
      for (const row of rows) await store.queue.finish(row, 'done', 'bench');
      finished += rows.length;
      if (i < CLAIM_WARMUP) continue;
      times.push(ms);
      claimed += rows.length;
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(times.length * q))] ?? 0;
    return {
      store: kind,
      oneBuyer,
      p50: at(0.5),
      p99: at(0.99),
      max: times.at(-1) ?? 0,
      claims: times.length,
      perClaim: claimed / times.length,
      finished,
    };
  } finally {
    await store.close();
  }
}
