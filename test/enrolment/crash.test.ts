import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { openStore } from '../../src/store/store.js';
import { tempDir, testEnv } from '../helpers/config.js';
import { STORE_ENVS } from '../helpers/databases.js';
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

describe.each(STORE_ENVS)('WELCOME_CHANNELS=whatsapp,email and a crash between the two ($name)', ({ env, available }) => {
  it('the process killed while the e-mail is being sent: after the restart the e-mail goes, WhatsApp is not sent again', async ({
    skip,
  }) => {
    if (!available) skip('TEST_DATABASE_URL não definido');
    sandbox = await startSandbox({ mail: true });
    const serverEnv = testEnv({
      ...sandbox.env,
      ...(await env()),
      PORT: '0',
      SQLITE_PATH: join(tempDir(), 'crash.db'),
      WELCOME_CHANNELS: 'whatsapp,email',
      LOG_LEVEL: 'info',
    });
    const first = await startServerProcess('src/server.ts', serverEnv);
    processes.push(first);
    // The start-up connection check logs in once; then the SMTP server stops greeting: the
    // e-mail's connection hangs (within its deadline) — the moment to die.
    await waitFor(() => sandbox!.mail.calls.some((c) => c.stage === 'auth'), 10_000, 'the connection check');
    sandbox.mail.faults.failNext('silent', 1);
    const { body } = await deliver(first.url, fixture('order_approved.one_off'));
    // The e-mail's connection opens only after WhatsApp's step was committed to the journal.
    await waitFor(() => sandbox!.chatpro.delivered.length === 1 && sandbox!.mail.faults.injected === 1, 10_000, 'e-mail in flight');
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServerProcess('src/server.ts', serverEnv);
    processes.push(second);
    await waitFor(() => sandbox!.mail.received.length === 1, 15_000, 'the e-mail after restart');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const password = sandbox.ead.studentByCpf('11144477735')!.senha;
    expect(sandbox.chatpro.delivered).toHaveLength(1);
    expect(sandbox.chatpro.delivered[0].message).toContain(`Senha: ${password}`);
    expect(sandbox.mail.received).toHaveLength(1);
    expect(sandbox.mail.received[0].parsed.text).toContain(`Senha: ${password}`);
    expect(sandbox.ead.callsTo('POST', '/alunos').filter((c) => c.path === '/alunos')).toHaveLength(1);
    const store = await openStore({ SQLITE_PATH: serverEnv.SQLITE_PATH, DATABASE_URL: serverEnv.DATABASE_URL });
    try {
      expect(await store.events.get(Number(body.eventId))).toMatchObject({ status: 'done' });
      const journal = await store.journal.loadSteps(Number(body.eventId));
      expect(journal.get('welcome_whatsapp')).toMatchObject({ sent: true });
      expect(journal.get('welcome_email')).toMatchObject({ sent: true, to: 'b***@example.com' });
      // Sent on both channels it was due on: the password is gone only now.
      expect(journal.get('cadastro')).not.toHaveProperty('sealedPassword');
    } finally {
      await store.close();
    }
  });
});
