import { afterEach, describe, expect, it } from 'vitest';
import { seededShuffle } from '../../src/bench/fixtures.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import type { EadCall } from '../../src/sandbox/fake-ead.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testEnv } from '../helpers/config.js';
import { freshPostgresUrl, PG_URL } from '../helpers/databases.js';
import { approvedSale, deliver } from '../helpers/kiwify.js';
import { startServerProcess, type ServerProcess } from '../helpers/process.js';
import { waitFor } from '../helpers/runtime.js';

/**
 * Several instances on one PostgreSQL inbox: real server processes (src/server.ts), the fake
 * upstreams in this process.
 */

let sandbox: Sandbox | undefined;
let store: Store | undefined;
const processes: ServerProcess[] = [];

afterEach(async () => {
  for (const p of processes.splice(0)) p.child.kill('SIGKILL');
  await store?.close();
  await sandbox?.close();
  store = undefined;
  sandbox = undefined;
});

async function instances(count: number, env: Record<string, string>) {
  const started = await Promise.all(Array.from({ length: count }, async () => startServerProcess('src/server.ts', { ...env, PORT: '0' })));
  processes.push(...started);
  return started;
}

const ownerOf = (p: ServerProcess) => /"worker":"([^"]+)"/.exec(p.output())![1];

/** The CPF a call concerns (students are created with their CPF as login). */
function cpfOf(call: EadCall, cpfByStudent: Map<string, string>): string | undefined {
  if (call.query.cpf) return call.query.cpf;
  if (call.form.doc_cpf) return call.form.doc_cpf;
  const id = /^\/alunos\/(?:matricula|cursos|removercurso)?\/?(\d+)/.exec(call.path)?.[1];
  return id ? cpfByStudent.get(id) : undefined;
}

describe.skipIf(!PG_URL)('PostgreSQL: several instances, one inbox', () => {
  it('two instances starting at once on a new database both come up; 250 deliveries (a third duplicates), one instance killed mid-run: every sale enrolled exactly once', async () => {
    sandbox = await startSandbox();
    sandbox.ead.faults.latencyMs = 10;
    const databaseUrl = await freshPostgresUrl();
    const env = testEnv({
      ...sandbox.env,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
      WORKER_CONCURRENCY: '4',
      ALERT_ON_SUCCESS: 'false',
    });
    const [a, b] = await instances(2, env); // at once, on a database with no schema yet
    for (const p of [a, b]) {
      const health = (await fetch(`${p.url}/secure`).then((r) => r.json())) as { store: string; status: string };
      expect(health).toMatchObject({ status: 'ok', store: 'postgres' });
    }
    store = await openStore({ SQLITE_PATH: '', DATABASE_URL: databaseUrl });

    // 142 buyers; 25 of them also buy a second plan (two events of one customer, sent to
    // different instances); 83 of the 167 sales are delivered twice, to both instances.
    const BUYERS = 142;
    const first = Array.from({ length: BUYERS }, (_, i) => approvedSale(1000 + i));
    const second = first.slice(0, 25).map((sale, i) => ({
      ...sale,
      order_id: `second-${i}`,
      order_ref: `SEC${i}`,
      Product: { product_id: 'produto-ingles-fluente', product_name: 'Inglês Fluente' }, // another product: its own id
    }));
    const sales = [...first, ...second];
    const SALES = sales.length;
    // Shuffled (seeded) so duplicates arrive at both instances, early and late, some concurrently.
    const deliveries = seededShuffle(
      [
        ...sales.map((s, i) => ({ sale: s, to: i % 2 ? a : b })),
        ...sales.slice(59, BUYERS).map((s, i) => ({ sale: s, to: i % 2 ? b : a })),
      ],
      42,
    );

    let sent = 0;
    const answers: Array<{ status: number; eventId: string; duplicate: boolean }> = [];
    const send = async () => {
      while (sent < deliveries.length) {
        const d = deliveries[sent++];
        const res = await deliver(d.to.url, d.sale).catch(() => deliver(d.to === a ? b.url : a.url, d.sale));
        answers.push({ status: res.status, eventId: res.body.eventId, duplicate: res.body.duplicate });
      }
    };
    const sending = Promise.all(Array.from({ length: 16 }, send));

    // Kill instance A with SIGKILL while it holds leased events.
    const victim = ownerOf(a);
    const leasedBy = async (owner: string) =>
      (
        await store!.database.db
          .selectFrom('events')
          .select('id')
          .where('status', '=', 'processing')
          .where('lease_owner', '=', owner)
          .execute()
      ).map((r) => r.id);
    // What it holds is read just before the kill: read after it, the survivor may already have taken them over.
    const heldAtKill = await waitFor(
      async () => {
        if ((await store!.events.countByStatus()).done <= 30) return undefined;
        const held = await leasedBy(victim);
        return held.length > 0 ? held : undefined;
      },
      30_000,
      'instance A holding leases mid-run',
    );
    a.child.kill('SIGKILL');
    await a.exited;
    await sending;

    expect(answers).toHaveLength(deliveries.length);
    expect(deliveries).toHaveLength(250);
    expect(answers.every((x) => x.status === 200)).toBe(true);
    expect(new Set(answers.map((x) => x.eventId)).size).toBe(SALES);

    await waitFor(async () => (await store!.events.countByStatus()).done === SALES, 60_000, 'all sales done');
    const counts = await store.events.countByStatus();
    expect(counts).toMatchObject({ done: SALES, failed: 0, pending: 0, processing: 0, retrying: 0 });

    // The killed instance's leased events were finished, those it had not ended by the survivor (a second run).
    expect(ownerOf(b)).not.toBe(victim);
    const held = await Promise.all(heldAtKill.map((id) => store!.events.get(id)));
    expect(held.every((event) => event?.status === 'done')).toBe(true);
    expect(held.filter((event) => event!.attempts >= 2).length).toBeGreaterThan(0);

    // Every sale enrolled exactly once: one student per CPF, one contract per course.
    const ead = sandbox.ead;
    expect(ead.students.size).toBe(first.length);
    for (const [i, sale] of first.entries()) {
      const student = ead.studentByCpf(sale.Customer.CPF)!;
      expect(student, `student ${sale.Customer.CPF}`).toBeDefined();
      const courses = i < second.length ? ['169', '254', '263', '280', '281', '751'] : ['169', '254', '751'];
      expect([...student.courses.keys()].sort()).toEqual(courses);
      expect([...student.courses.values()].every((contracts) => contracts.length === 1)).toBe(true);
    }
    // One welcome per sale; one sent just before the kill may have gone twice.
    const welcomes = new Map<string, number>();
    for (const m of sandbox.chatpro.delivered)
      welcomes.set(m.message.split('\n')[2] + m.number, (welcomes.get(m.message.split('\n')[2] + m.number) ?? 0) + 1);
    expect(welcomes.size).toBe(SALES);
    expect([...welcomes.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(4);

    // No event ran twice at the same time: the calls about one customer never overlap.
    const cpfByStudent = new Map([...ead.students.values()].map((s) => [s.id, s.cpf]));
    const byCpf = new Map<string, EadCall[]>();
    for (const call of ead.calls) {
      const cpf = cpfOf(call, cpfByStudent);
      if (cpf) byCpf.set(cpf, [...(byCpf.get(cpf) ?? []), call]);
    }
    let overlaps = 0;
    for (const calls of byCpf.values()) {
      calls.sort((x, y) => x.at - y.at);
      for (let i = 1; i < calls.length; i += 1) if (calls[i].at < (calls[i - 1].doneAt ?? Infinity)) overlaps += 1;
    }
    expect(overlaps).toBe(0);
  }, 90_000); // real processes, a kill and a lease to wait out: correctness, not speed, is asserted here
});

if (!PG_URL) console.warn('TEST_DATABASE_URL não definido: os testes de várias instâncias em PostgreSQL serão pulados.');
