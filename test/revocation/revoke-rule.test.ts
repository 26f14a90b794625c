import { afterEach, describe, expect, it } from 'vitest';
import { decideRevocation } from '../../src/revocation/revocation-rule.js';
import { fixture } from '../helpers/kiwify.js';
import { waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';
import type { Tuning } from '../../src/app/tuning.js';

let server: SandboxedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ONE_OFF_CPF = '11144477735'; // order_refunded / one-off fixtures: "Design Gráfico" (254, 751, 169)
const SUB_CPF = '52998224725'; // subscription / chargeback fixtures: "Excel PRO" (161, 197, 201)

async function start(env: Record<string, string> = {}, tuning: Partial<Tuning> = {}) {
  server = await startSandboxedServer({ ALERT_ON_SUCCESS: 'false', ...env }, undefined, { tuning });
  return server;
}

describe('the refund rule (pure)', () => {
  const none = new Set<number>();
  it.each([
    ["everything they have is this sale's → delete", [1, 2], ['1', '2'], none, 'delete', 'delete', [1, 2], []],
    ['everything theirs, courses mode → remove, keep the account', [1, 2], ['1', '2'], none, 'courses', 'remove_courses', [1, 2], []],
    ["other courses too → remove only this sale's", [1, 2], ['1', '2', '9'], none, 'delete', 'remove_courses', [1, 2], ['9']],
    ['a course another sale needs stays', [1, 2], ['1', '2'], new Set([2]), 'delete', 'remove_courses', [1], ['2']],
    ['granted nothing → nothing, never delete', [], ['9'], none, 'delete', 'nothing', [], ['9']],
    ['granted nothing and they have nothing → nothing', [], [], none, 'delete', 'nothing', [], []],
    ["they no longer have the sale's courses → nothing", [1, 2], ['9'], none, 'delete', 'nothing', [], ['9']],
  ] as const)('%s', (_name, granted, has, needed, mode, action, remove, keep) => {
    const d = decideRevocation({ granted: [...granted], has: [...has], neededByOtherSales: needed, mode });
    expect(d.action).toBe(action);
    expect(d.remove).toEqual(remove);
    expect(d.keep).toEqual(keep);
  });

  it("says why, in support's words", () => {
    expect(decideRevocation({ granted: [1], has: ['1', '7', '8'], neededByOtherSales: new Set(), mode: 'delete' }).reason).toBe(
      'aluno mantido: tem outros cursos (ids 7, 8)',
    );
  });
});

describe('refunds revoke only what the sale granted', () => {
  it('an unmapped product, no approval received, a student with courses from elsewhere: nothing touched, support told', async () => {
    const { sandbox, deliver, settled } = await start();
    const student = sandbox.ead.addStudent({ cpf: ONE_OFF_CPF, courses: [161, 197] });
    const refund = fixture('order_refunded');
    refund.Product.product_name = 'E-book de Receitas';
    const event = await settled((await deliver(refund)).body.eventId);
    expect(event.status).toBe('done');
    expect(event.outcome).toMatch(/^Produto sem mapa \("E-book de Receitas"\): nada revogado\./);
    expect(sandbox.ead.students.get(student.id)).toBe(student);
    expect([...student.courses.keys()]).toEqual(['161', '197']);
    expect(sandbox.ead.calls).toHaveLength(0);
    const alert = await waitFor(() => sandbox.callmebot.calls.find((c) => c.text.includes('sem mapa')), 5_000, 'alert');
    expect(alert.text).toContain('E-book de Receitas');
    expect(alert.text).toContain('pedido GhI2jKl');
    expect(alert.text).toContain('CPF *********35');
    expect(alert.text).not.toContain(ONE_OFF_CPF);
  });

  it("a mapped plan's refund with no approval removes only that plan's courses from a student who has others", async () => {
    const { sandbox, deliver, settled } = await start();
    const student = sandbox.ead.addStudent({ cpf: ONE_OFF_CPF, courses: [254, 751, 169, 35] });
    const event = await settled((await deliver(fixture('order_refunded'))).body.eventId);
    expect(sandbox.ead.callsTo('DELETE', '/alunos/')).toHaveLength(0);
    expect([...student.courses.keys()]).toEqual(['35']);
    expect(event.outcome).toBe(
      `Aluno ${student.id}: cursos removidos 254, 751, 169; aluno mantido: tem outros cursos (ids 35). Sem aprovação registrada desta venda: considerados os cursos do plano "Design Gráfico".`,
    );
  });

  it.each([
    ['delete', 'deletes the student'],
    ['courses', 'removes the courses and keeps the account'],
  ] as const)("the same refund for a student with exactly the plan's courses, REVOKE_MODE=%s, %s", async (mode, _what) => {
    const { sandbox, deliver, settled } = await start({ REVOKE_MODE: mode });
    const student = sandbox.ead.addStudent({ cpf: ONE_OFF_CPF, courses: [254, 751, 169] });
    await settled((await deliver(fixture('order_refunded'))).body.eventId);
    if (mode === 'delete') {
      expect(sandbox.ead.students.has(student.id)).toBe(false);
    } else {
      expect(sandbox.ead.students.has(student.id)).toBe(true);
      expect(student.courses.size).toBe(0);
    }
  });

  it('an approval that enrolled only what the student lacked: the refund takes back only that', async () => {
    const { sandbox, deliver, settled } = await start();
    const student = sandbox.ead.addStudent({ cpf: SUB_CPF, courses: [161] }); // had 161 before buying Excel PRO
    await settled((await deliver(fixture('order_approved.subscription'))).body.eventId);
    expect([...student.courses.keys()].sort()).toEqual(['161', '197', '201']);
    const refund = { ...fixture('order_approved.subscription'), webhook_event_type: 'order_refunded', order_status: 'refunded' };
    const event = await settled((await deliver(refund)).body.eventId);
    expect(sandbox.ead.students.has(student.id)).toBe(true);
    expect([...student.courses.keys()]).toEqual(['161']);
    expect(event.outcome).toContain('aluno mantido: tem outros cursos (ids 161)');
  });

  it('a course list that cannot be read: retried later, nothing deleted before it is read', async () => {
    const { sandbox, deliver, settled } = await start();
    const student = sandbox.ead.addStudent({ cpf: ONE_OFF_CPF, courses: [254, 751, 169] });
    sandbox.ead.faults.failNext('html_502', 2, (req) => req.path.startsWith('/alunos/cursos/'));
    const event = await settled((await deliver(fixture('order_refunded'))).body.eventId);
    expect(event.attempts).toBe(3);
    const order = sandbox.ead.calls.map((c) => `${c.method} ${c.path.split('/').slice(0, 3).join('/')}`);
    expect(order.indexOf('DELETE /alunos/294141')).toBeGreaterThan(order.lastIndexOf('GET /alunos/cursos'));
    expect(sandbox.ead.students.has(student.id)).toBe(false);
  });

  it('a course list that never loads: the refund fails for a person, nothing deleted', async () => {
    const { sandbox, deliver, settled } = await start({}, { maxAttempts: 2 });
    const student = sandbox.ead.addStudent({ cpf: ONE_OFF_CPF, courses: [254, 751, 169] });
    sandbox.ead.faults.failNext('http_500', 10, (req) => req.path.startsWith('/alunos/cursos/'));
    await settled((await deliver(fixture('order_refunded'))).body.eventId, 'failed');
    expect(sandbox.ead.students.get(student.id)).toBe(student);
    expect(student.courses.size).toBe(3);
  });

  it('a chargeback follows the rule: the course from elsewhere stays, and so does the student', async () => {
    const { sandbox, deliver, settled } = await start();
    await settled((await deliver(fixture('order_approved.subscription'))).body.eventId);
    const student = sandbox.ead.studentByCpf(SUB_CPF)!;
    student.courses.set('35', [1]); // enrolled by hand, outside the bridge
    await settled((await deliver(fixture('chargeback'))).body.eventId);
    expect(sandbox.ead.students.has(student.id)).toBe(true);
    expect([...student.courses.keys()]).toEqual(['35']);
  });

  it('a scheduled end of access follows the rule too', async () => {
    const { sandbox, deliver, settled, idle } = await start({ CANCEL_POLICY: 'immediate' });
    await settled((await deliver(fixture('order_approved.subscription'))).body.eventId);
    const student = sandbox.ead.studentByCpf(SUB_CPF)!;
    student.courses.set('35', [1]);
    await settled((await deliver(fixture('subscription_canceled'))).body.eventId);
    await idle();
    expect(sandbox.ead.students.has(student.id)).toBe(true);
    expect([...student.courses.keys()]).toEqual(['35']);
    const revoked = (await server!.runtime.store.events.list()).find((e) => e.eventType === 'revoke_access')!;
    expect(revoked.outcome).toContain('aluno mantido: tem outros cursos (ids 35)');
    const decision = (await server!.runtime.store.journal.loadSteps(revoked.id)).get('decision');
    expect(decision).toMatchObject({
      granted: [161, 197, 201],
      grantedFrom: 'journal',
      had: ['161', '197', '201', '35'],
      action: 'remove_courses',
      remove: [161, 197, 201],
      keep: ['35'],
    });
  });

  it('a deletion decided in an earlier attempt looks again first: a course gained meanwhile keeps the account', async () => {
    const { sandbox, deliver, settled } = await start();
    await settled((await deliver(fixture('order_approved.one_off'))).body.eventId);
    const student = sandbox.ead.studentByCpf(ONE_OFF_CPF)!;
    // The decision (delete) is journaled, then the deletion fails; meanwhile a course is added by hand.
    sandbox.ead.faults.failNext('http_500', 1, (req) => {
      if (req.method !== 'DELETE') return false;
      student.courses.set('35', [1]);
      return true;
    });
    const event = await settled((await deliver(fixture('order_refunded'))).body.eventId);
    expect(sandbox.ead.students.has(student.id)).toBe(true);
    expect([...student.courses.keys()]).toEqual(['35']);
    expect(event.outcome).toContain('ganhou outros cursos depois da decisão');
  });
});
