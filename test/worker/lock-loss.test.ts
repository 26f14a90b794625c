import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { OWNER_LOCK_NAMESPACE } from '../../src/store/owner-locks.js';
import { openStore } from '../../src/store/store.js';
import { testEnv } from '../helpers/config.js';
import { freshPostgresUrl, PG_URL } from '../helpers/databases.js';
import { approvedSale, deliver } from '../helpers/kiwify.js';
import { startServerProcess, type ServerProcess } from '../helpers/process.js';
import { waitFor } from '../helpers/runtime.js';
import { startRecorder } from '../helpers/step-recorder.js';

/**
 * The worker's proof of life on PostgreSQL is an advisory lock held on a connection of its own
 * (finding 2): terminating that connection's backend (a failover, an operator, a dropped network)
 * killed the process with an unhandled 'error' event. Now the process lives on: it stops
 * claiming, its running event stops before its next step, the lock is taken again on a new
 * connection, and the work goes on — no step run twice.
 */

const processes: ServerProcess[] = [];
afterEach(() => {
  for (const p of processes.splice(0)) p.child.kill('SIGKILL');
});

/** The backend holding `owner`'s lock, if any. */
async function lockHolder(admin: pg.Client, owner: string): Promise<number | undefined> {
  const { rows } = await admin.query<{ pid: number }>(
    `select pid from pg_locks where locktype = 'advisory' and granted and classid = $1::oid
       and objid = (hashtext($2)::bigint & 4294967295)::oid and objsubid = 2`,
    [OWNER_LOCK_NAMESPACE, owner],
  );
  return rows[0]?.pid;
}

describe('a server process whose lock connection is lost (PostgreSQL)', () => {
  it('stays up, takes the lock again on a new connection, and finishes its event without running a step twice', async ({ skip }) => {
    if (!PG_URL) skip('TEST_DATABASE_URL não definido');
    const recorder = await startRecorder();
    const DATABASE_URL = await freshPostgresUrl();
    const env = testEnv({ STEP_RECORDER_URL: recorder.url, PORT: '0', DATABASE_URL, LOG_LEVEL: 'info' });
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const server = await startServerProcess('test/helpers/step-server.ts', env);
      processes.push(server);
      const owner = await waitFor(() => /"worker":"(worker-[\w-]+)"/.exec(server.output())?.[1], 10_000, 'the worker named');
      const first = await waitFor(() => lockHolder(admin, owner), 5_000, 'the lock held');

      recorder.hold.set('first', 1_500); // the step under way when the lock goes
      const { body } = await deliver(server.url, approvedSale(1));
      await waitFor(() => recorder.calls.some((c) => c.step === 'first'), 10_000, 'the first step started');
      await admin.query('select pg_terminate_backend($1)', [first]);

      const again = await waitFor(
        async () => {
          const pid = await lockHolder(admin, owner);
          return pid !== undefined && pid !== first ? pid : undefined;
        },
        10_000,
        'the lock taken again on a new connection',
      );
      expect(again).not.toBe(first);
      const store = await openStore({ SQLITE_PATH: '', DATABASE_URL });
      try {
        const id = Number(body.eventId);
        await waitFor(async () => (await store.events.get(id))?.status === 'done', 20_000, 'the event done');
        // It keeps working: a new sale runs through.
        const next = await deliver(server.url, approvedSale(2));
        await waitFor(async () => (await store.events.get(Number(next.body.eventId)))?.status === 'done', 10_000, 'the next sale done');
      } finally {
        await store.close();
      }
      expect(server.child.exitCode).toBeNull();
      expect(recorder.calls.map((c) => `${c.event}:${c.step}`)).toEqual([
        `${body.eventId}:first`,
        `${body.eventId}:second`,
        expect.stringMatching(/:first$/),
        expect.stringMatching(/:second$/),
      ]);
      // The run stopped before its second step and went back to the queue (its first step journaled).
      expect(server.output()).toContain('prova de vida retomada');
      expect(server.output()).toContain('esta execução parou antes da próxima etapa');
      expect(server.output()).toContain('evento interrompido devolvido à fila');
    } finally {
      await admin.end();
      await recorder.close();
    }
  });
});
