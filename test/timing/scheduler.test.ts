import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { JobLeaseLost, Scheduler, type Job, type JobLeases } from '../../src/timing/scheduler.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { waitFor } from '../helpers/runtime.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanups.splice(0).reverse()) await close();
});

function scheduler(owner: string, leases?: JobLeases, errors: unknown[] = []): Scheduler {
  const s = new Scheduler({ owner, leases, onError: (_job, err) => errors.push(err) });
  cleanups.push(() => s.stop());
  return s;
}

/** A job whose runs wait until released; counts them. */
function heldJob(name: string, lease: Job['lease'], intervalMs = 3_600_000) {
  const runs: AbortSignal[] = [];
  let release: () => void = () => undefined;
  const job: Job = {
    name,
    intervalMs,
    lease,
    failureMessage: 'falhou',
    run: (signal) =>
      new Promise<void>((resolve, reject) => {
        runs.push(signal);
        release = resolve;
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      }),
  };
  return { job, runs, release: () => release() };
}

describe('scheduler', () => {
  it('runs each job at once, then again its interval after the run ended; a failed run is reported and the job goes on', async () => {
    const errors: unknown[] = [];
    const s = scheduler('a', undefined, errors);
    let runs = 0;
    s.add({
      name: 'falha-e-segue',
      intervalMs: 10,
      lease: 'none',
      failureMessage: 'falhou',
      run: () => ((runs += 1), runs === 1 ? Promise.reject(new Error('primeira')) : Promise.resolve()),
    });
    expect(s.jobs).toEqual(['falha-e-segue']);
    s.start();
    await waitFor(() => runs >= 3, 5_000, 'three runs');
    expect(errors).toEqual([new Error('primeira')]);
    expect(() => s.add(heldJob('tarde', 'none').job)).toThrow(/too late/);
  });

  it('stop aborts the runs under way (their signal) and waits for them', async () => {
    const s = scheduler('a');
    const held = heldJob('longa', 'none');
    s.add(held.job).start();
    await waitFor(() => held.runs.length === 1, 5_000, 'the run');
    await s.stop();
    expect(held.runs[0].aborted).toBe(true);
  });
});

describe.each(STORE_TARGETS)('singleton jobs on $name', (target) => {
  it('two instances: one runs the job, the other skips its round; once it ends the lease is free again', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const storage = await target.fresh();
    const [one, two] = [await openStore(storage), await openStore(storage)];
    cleanups.push(
      () => one.close(),
      () => two.close(),
    );
    const a = heldJob('limpeza', { leaseMs: 60_000 });
    const b = heldJob('limpeza', { leaseMs: 60_000 }, 20);
    scheduler('instancia-a', one.leases).add(a.job).start();
    await waitFor(() => a.runs.length === 1, 5_000, "A's run");
    expect(await one.leases.holder('job:limpeza')).toMatchObject({ owner: 'instancia-a' });
    let refused = 0;
    const counted: JobLeases = {
      acquire: async (...args) => ((await two.leases.acquire(...args)) ? true : ((refused += 1), false)),
      renew: (...args) => two.leases.renew(...args),
      release: (...args) => two.leases.release(...args),
    };
    scheduler('instancia-b', counted).add(b.job).start();
    // B's rounds come and go (every 20 ms) while A holds the lease: none of them runs.
    await waitFor(() => refused >= 3, 5_000, "three of B's rounds refused the lease");
    expect(b.runs).toHaveLength(0);
    a.release();
    await waitFor(() => b.runs.length === 1, 5_000, "B's run once A's ended");
    expect(await two.leases.holder('job:limpeza')).toMatchObject({ owner: 'instancia-b' });
  });

  it('a run whose lease another instance took over is aborted', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    let now = 1_000_000;
    const store = await openStore(await target.fresh(), () => now);
    cleanups.push(() => store.close());
    const held = heldJob('limpeza', { leaseMs: 300 });
    scheduler('instancia-a', store.leases).add(held.job).start();
    await waitFor(() => held.runs.length === 1, 5_000, 'the run');
    now += 1_000; // its lease ran out (a stalled process): another instance takes it
    expect(await store.leases.acquire('job:limpeza', 'instancia-b', 60_000)).toBe(true);
    await waitFor(() => held.runs[0].aborted, 5_000, 'the run aborted at its next renewal');
    expect(held.runs[0].reason).toBeInstanceOf(JobLeaseLost);
  });
});
