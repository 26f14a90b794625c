import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { tempDir, testEnv } from '../helpers/config.js';
import { approvedSale, deliver } from '../helpers/kiwify.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { startServerProcess, type ServerProcess } from '../helpers/process.js';
import { waitFor } from '../helpers/runtime.js';
import { startRecorder } from '../helpers/step-recorder.js';

const processes: ServerProcess[] = [];
afterEach(() => {
  for (const p of processes.splice(0)) p.child.kill('SIGKILL');
});

async function serverProcess(env: Record<string, string>) {
  const p = await startServerProcess('test/helpers/step-server.ts', env);
  processes.push(p);
  return p;
}

describe.each(STORE_TARGETS)('a real server process on $name', (target) => {
  it('killed with SIGKILL mid-step loses nothing: its restart takes the event up at once (not after the 60 s lease), finished steps do not run again', async ({
    skip,
  }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const recorder = await startRecorder();
    const storage = await target.fresh();
    const env = testEnv({ STEP_RECORDER_URL: recorder.url, PORT: '0', ...storage });
    recorder.hold.set('second', 'forever');

    const first = await serverProcess(env);
    const { body } = await deliver(first.url, approvedSale(1));
    await waitFor(() => recorder.calls.some((c) => c.step === 'second'), 10_000, 'second step started');
    first.child.kill('SIGKILL');
    await first.exited;

    recorder.hold.delete('second');
    const second = await serverProcess(env);
    const inbox = await openStore(storage);
    try {
      // Well within the lease: SQLite knows it is the only process; PostgreSQL sees the dead
      // process's advisory lock gone.
      await waitFor(
        async () => (await inbox.events.countByStatus()).done === 1 && recorder.calls.filter((c) => c.step === 'second').length === 2,
        10_000,
        'event finished after restart',
      );
    } finally {
      await inbox.close();
    }
    second.child.kill('SIGTERM');
    await second.exited;

    expect(recorder.calls.map((c) => c.step)).toEqual(['first', 'second', 'second']);
    const store = await openStore(storage);
    try {
      const event = await store.events.get(Number(body.eventId));
      expect(event).toMatchObject({ status: 'done', attempts: 2, outcome: 'duas etapas concluídas' });
    } finally {
      await store.close();
    }
    await recorder.close();
  });
});

describe('a real server process', () => {
  it('on SIGTERM stops taking deliveries, lets the running step finish, and exits 0; the rest runs after restart', async () => {
    const recorder = await startRecorder();
    const env = testEnv({ STEP_RECORDER_URL: recorder.url, PORT: '0', SQLITE_PATH: join(tempDir(), 'drain.db') });
    recorder.hold.set('first', 800);

    const first = await serverProcess(env);
    const { body } = await deliver(first.url, approvedSale(1));
    await waitFor(() => recorder.calls.length === 1, 10_000, 'first step started');
    const t0 = Date.now();
    first.child.kill('SIGTERM');
    // It stops taking requests at once (the listener closes), while the step runs on. The probe
    // has no effect: a delivery that slipped in before the signal landed would run.
    await waitFor(
      () =>
        fetch(`${first.url}/secure`).then(
          () => false,
          () => true,
        ),
      5_000,
      'listener closed',
    );
    await expect(deliver(first.url, approvedSale(2))).rejects.toThrow();
    expect(await first.exited).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600); // it waited for the step
    expect(recorder.calls.map((c) => c.step)).toEqual(['first']); // and started no new one

    const store = await openStore({ SQLITE_PATH: env.SQLITE_PATH });
    const id = Number(body.eventId);
    expect(await store.events.get(id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect([...(await store.journal.loadSteps(id)).keys()]).toEqual(['first']);
    await store.close();

    const second = await serverProcess(env);
    await waitFor(() => recorder.calls.length === 2, 10_000, 'second step after restart');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(recorder.calls.map((c) => c.step)).toEqual(['first', 'second']);
    await recorder.close();
  });
});
