import { afterEach, describe, expect, it } from 'vitest';
import { testEnv } from '../helpers/config.js';
import { freshPostgresUrl, PG_URL } from '../helpers/databases.js';
import { approvedSale, deliver } from '../helpers/kiwify.js';
import { startServerProcess, type ServerProcess } from '../helpers/process.js';
import { waitFor } from '../helpers/runtime.js';
import { startRecorder } from '../helpers/step-recorder.js';

/**
 * Issue 24: instances on one PostgreSQL database wake each other. Both run here with a poll of ten
 * minutes and a lease of a minute, so neither the poll nor a lease running out can explain work
 * starting within seconds: only a NOTIFY (a new event) or the dead instance's free advisory lock.
 */

const processes: ServerProcess[] = [];
afterEach(() => {
  for (const p of processes.splice(0)) p.child.kill('SIGKILL');
});

const TEN_MINUTES = String(10 * 60_000);

async function twoInstances(recorderUrl: string) {
  const env = testEnv({
    STEP_RECORDER_URL: recorderUrl,
    PORT: '0',
    SQLITE_PATH: '',
    DATABASE_URL: await freshPostgresUrl(),
    STEP_POLL_MS: TEN_MINUTES,
    WORKER_CONCURRENCY: '1',
  });
  const started = await Promise.all([
    startServerProcess('test/helpers/step-server.ts', env),
    startServerProcess('test/helpers/step-server.ts', env),
  ]);
  processes.push(...started);
  return started;
}

describe('instances on one PostgreSQL database', () => {
  it('a delivery stored by a busy instance starts on the other one, told by NOTIFY (not its 10-minute poll)', async ({ skip }) => {
    if (!PG_URL) skip('TEST_DATABASE_URL não definido');
    const recorder = await startRecorder();
    try {
      const [a] = await twoInstances(recorder.url);
      recorder.hold.set('first', 'forever'); // before the delivery: holds whichever instance takes it, however soon
      const first = await deliver(a.url, approvedSale(1));
      await waitFor(() => recorder.calls.some((c) => c.event === first.body.eventId), 10_000, 'the first sale started');

      const second = await deliver(a.url, approvedSale(2));
      await waitFor(() => recorder.calls.some((c) => c.event === second.body.eventId), 10_000, 'the second sale started');
      const pids = new Set(recorder.calls.map((c) => c.pid));
      expect(pids.size).toBe(2); // one slot each: the two sales ran on two instances
    } finally {
      await recorder.close();
    }
  });

  it("a killed instance's event is taken up by the live one through its free advisory lock (not the 60 s lease)", async ({ skip }) => {
    if (!PG_URL) skip('TEST_DATABASE_URL não definido');
    const recorder = await startRecorder();
    try {
      const [a, b] = await twoInstances(recorder.url);
      recorder.hold.set('first', 'forever'); // before the delivery: held however soon it starts
      const sale = await deliver(a.url, approvedSale(1));
      const id = sale.body.eventId as string;
      const started = await waitFor(() => recorder.calls.find((c) => c.event === id), 10_000, 'the sale started');
      const [holder, survivor] = String(a.child.pid) === started.pid ? [a, b] : [b, a];
      holder.child.kill('SIGKILL');
      recorder.hold.delete('first');
      await holder.exited;

      await waitFor(
        () => recorder.calls.some((c) => c.event === id && c.step === 'second' && c.pid === String(survivor.child.pid)),
        10_000,
        'the survivor ran the sale',
      );
      expect(recorder.calls.filter((c) => c.event === id).map((c) => `${c.step}:${c.pid === started.pid ? 'dead' : 'survivor'}`)).toEqual([
        'first:dead',
        'first:survivor',
        'second:survivor',
      ]);
    } finally {
      await recorder.close();
    }
  });
});
