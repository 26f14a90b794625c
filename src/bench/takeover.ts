import pg from 'pg';
import { startSandbox } from '../sandbox/sandbox.js';
import { queueSales } from './fixtures.js';
import { CONCURRENCY, sleep } from './options.js';
import { benchChild, serverEnv, startChild, type Child } from './processes.js';
import { freshStorage, storageEnv } from './storage.js';

/**
 * PostgreSQL: an instance runs WORKER_CONCURRENCY sales (the fake EAD answers after 10 s, so they
 * stay running); a fresh instance with every slot free starts, and the first is killed with
 * `kill -9`. The time is from the kill until the fresh one holds every one of the dead one's
 * events; then it is the next run's victim. The survivor learns of the death only from the dead
 * one's advisory lock (the leases last 15 s; its 100 ms poll finds nothing due: the events are held).
 */

export interface TakeoverRow {
  /** Milliseconds from each kill until the survivor held all of the dead instance's events. */
  runs: number[];
  events: number;
}

const SLOW_EAD_MS = 10_000;

/** Polls until `check` gives a value (every 5 ms), or throws after `timeoutMs`. */
async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`takeover: timed out waiting for ${what}`);
    await sleep(5);
  }
}

export async function takeover(runs: number): Promise<TakeoverRow> {
  const sandbox = await startSandbox();
  sandbox.ead.faults.latencyMs = SLOW_EAD_MS;
  const storage = await freshStorage('postgres');
  const env = serverEnv('bench-token', { ...sandbox.env, ...storageEnv(storage), WORKER_CONCURRENCY: String(CONCURRENCY), PORT: '0' });
  const db = new pg.Client({ connectionString: storage.DATABASE_URL });
  await db.connect();
  const owners = async () =>
    (await db.query<{ id: string; lease_owner: string | null }>(`select id, lease_owner from events where status = 'processing'`)).rows;
  const children: Child[] = [];
  const times: number[] = [];
  try {
    let holder = await startChild(benchChild(), ['drain'], env);
    children.push(holder);
    await queueSales(storage, CONCURRENCY);
    let held = await until(
      async () => {
        const rows = await owners();
        return rows.length === CONCURRENCY ? rows : undefined;
      },
      10_000,
      'the first instance running its events',
    );
    for (let run = 0; run < runs; run += 1) {
      // A fresh instance, every slot free; then the one holding the events is killed.
      const survivor = await startChild(benchChild(), ['drain'], env);
      children.push(survivor);
      const dead = held[0].lease_owner;
      const ids = new Set(held.map((r) => r.id));
      const killed = performance.now();
      holder.child.kill('SIGKILL');
      held = await until(
        async () => {
          const taken = (await owners()).filter((r) => ids.has(r.id) && r.lease_owner !== dead);
          return taken.length === ids.size ? taken : undefined;
        },
        20_000,
        "the survivor holding the dead instance's events",
      );
      times.push(Math.round(performance.now() - killed));
      holder = survivor;
    }
    return { runs: times, events: CONCURRENCY };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await db.end();
    await sandbox.close();
  }
}
