import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { openStore } from '../../src/store/store.js';
import { tempDir, testEnv } from '../helpers/config.js';
import { deliver, fixture } from '../helpers/kiwify.js';
import { startServerProcess, type ServerProcess } from '../helpers/process.js';
import { waitFor } from '../helpers/runtime.js';

let sandbox: Sandbox | undefined;
const processes: ServerProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) p.child.kill('SIGKILL');
  await sandbox?.close();
});

describe('the real server (src/server.ts) killed mid-sale', () => {
  it('finishes the sale after restart without repeating the cadastro', async () => {
    sandbox = await startSandbox();
    const env = testEnv({
      ...sandbox.env,
      PORT: '0',
      SQLITE_PATH: join(tempDir(), 'crash.db'),
      LOG_LEVEL: 'info',
    });
    sandbox.ead.faults.failNext('timeout', 1, (r) => r.path.startsWith('/alunos/matricula/'));

    const first = await startServerProcess('src/server.ts', env);
    processes.push(first);
    const { body } = await deliver(first.url, fixture('order_approved.one_off'));
    await waitFor(() => sandbox!.ead.callsTo('POST', '/alunos/matricula/').length === 1, 10_000, 'matrícula in flight');
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServerProcess('src/server.ts', env);
    processes.push(second);
    await waitFor(() => sandbox!.chatpro.delivered.length === 1, 10_000, 'welcome after restart');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    expect(sandbox.ead.callsTo('POST', '/alunos').filter((c) => c.path === '/alunos')).toHaveLength(1);
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/')).toHaveLength(2); // the lost one, then the retry
    const student = sandbox.ead.studentByCpf('11144477735')!;
    expect([...student.courses.values()].every((contracts) => contracts.length === 1)).toBe(true);
    expect(sandbox.chatpro.delivered[0].message).toContain(`Senha: ${student.senha}`);
    const store = await openStore({ SQLITE_PATH: env.SQLITE_PATH });
    try {
      expect(await store.events.get(Number(body.eventId))).toMatchObject({ status: 'done', attempts: 2 });
    } finally {
      await store.close();
    }
  });
});
