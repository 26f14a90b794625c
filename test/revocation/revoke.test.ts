import { afterEach, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/kiwify.js';
import { waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';
import type { Tuning } from '../../src/app/tuning.js';

let server: SandboxedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(env: Record<string, string | undefined> = {}, tuning: Partial<Tuning> = {}) {
  server = await startSandboxedServer({ ALERT_ON_SUCCESS: 'false', ...env }, undefined, { tuning });
  return server;
}

const ONE_OFF_CPF = '11144477735';
const SUB_CPF = '52998224725';

/** An approved one-off sale of another plan for the same buyer as the subscription fixture. */
function secondPlanSale() {
  const sale = fixture('order_approved.one_off');
  sale.order_id = '0b7c6f1e-3333-4a2b-9c3d-000000000003';
  sale.order_ref = 'Segundo1';
  sale.Customer = fixture('order_approved.subscription').Customer;
  sale.Product.product_name = 'Informática Essencial'; // 130, 599, 161, 160, 162 — shares 161 with Excel PRO
  return sale;
}

describe('order_refunded / chargeback', () => {
  it('a refund deletes the right student and tells support', async () => {
    const { sandbox, deliver, settled } = await start();
    const bystander = sandbox.ead.addStudent({ cpf: SUB_CPF, nome: 'Outra Pessoa' });
    await settled((await deliver(fixture('order_approved.one_off'))).body.eventId);
    const student = sandbox.ead.studentByCpf(ONE_OFF_CPF)!;
    const event = await settled((await deliver(fixture('order_refunded'))).body.eventId);
    expect(sandbox.ead.callsTo('DELETE', '/alunos/').map((c) => c.path)).toEqual([`/alunos/${student.id}`]);
    expect(sandbox.ead.students.has(student.id)).toBe(false);
    expect(sandbox.ead.students.has(bystander.id)).toBe(true);
    expect(event.outcome).toBe(`Aluno ${student.id} excluído do EAD: todos os cursos do aluno (254, 751, 169) eram desta venda.`);
    await waitFor(
      () => sandbox.callmebot.calls.some((c) => c.text.startsWith('↩️ *Reembolso:*') && c.text.includes(`Aluno ${student.id} excluído`)),
      5_000,
      'alert',
    );
  });

  it("a find that returns other people's rows never deletes anyone", async () => {
    const { sandbox, deliver, settled } = await start();
    for (const cpf of ['39053344705', '71428793860', '12345678909']) sandbox.ead.addStudent({ cpf });
    sandbox.ead.findMode = 'ignore_filter'; // the hazard: the API ignores the CPF filter
    const event = await settled((await deliver(fixture('order_refunded'))).body.eventId);
    expect(sandbox.ead.callsTo('DELETE', '/alunos/')).toHaveLength(0);
    expect(sandbox.ead.students.size).toBe(3);
    expect(event.outcome).toMatch(/^Aluno não encontrado no EAD pelo CPF: nada a revogar\. Sem aprovação registrada/);
    await waitFor(() => sandbox.callmebot.calls.some((c) => c.text.includes('nada a revogar')), 5_000, 'support told');
  });

  it.each(['empty', 'status_false', 'http_404'] as const)(
    '"not found" answered as %s → done with a note, nothing deleted',
    async (mode) => {
      const { sandbox, deliver, settled } = await start();
      sandbox.ead.notFoundAs = mode;
      const event = await settled((await deliver(fixture('order_refunded'))).body.eventId);
      expect(event.status).toBe('done');
      expect(sandbox.ead.callsTo('DELETE', '/alunos/')).toHaveLength(0);
    },
  );

  it('two students with the same CPF: failed for a person, nobody deleted', async () => {
    const { sandbox, deliver, settled } = await start();
    sandbox.ead.addStudent({ cpf: ONE_OFF_CPF });
    sandbox.ead.addStudent({ cpf: ONE_OFF_CPF });
    const failed = await settled((await deliver(fixture('order_refunded'))).body.eventId, 'failed');
    expect(failed.lastError).toMatch(/encontrou 2 alunos com este CPF/);
    expect(sandbox.ead.callsTo('DELETE', '/alunos/')).toHaveLength(0);
  });

  it('a refund while another plan is active removes only the courses no other sale needs', async () => {
    const { sandbox, deliver, settled } = await start();
    await settled((await deliver(fixture('order_approved.subscription'))).body.eventId); // Excel PRO 161,197,201
    await settled((await deliver(secondPlanSale())).body.eventId); // Informática Essencial
    const student = sandbox.ead.studentByCpf(SUB_CPF)!;
    const refund = { ...fixture('order_approved.subscription'), webhook_event_type: 'order_refunded', order_status: 'refunded' };
    const event = await settled((await deliver(refund)).body.eventId);
    expect(sandbox.ead.callsTo('DELETE', '/alunos/')).toHaveLength(0);
    expect(
      sandbox.ead
        .callsTo('POST', '/alunos/removercurso/')
        .map((c) => c.path)
        .sort(),
    ).toEqual([`/alunos/removercurso/${student.id}/197`, `/alunos/removercurso/${student.id}/201`].sort());
    expect([...student.courses.keys()].sort()).toEqual(['130', '160', '161', '162', '599']);
    expect(event.outcome).toBe(
      `Aluno ${student.id}: cursos removidos 197, 201; aluno mantido: tem outros cursos (ids 161, 130, 599, 160, 162). Mantidos para outra venda ativa: 161.`,
    );
  });

  it('an approval that enrolled but failed at the welcome still counts as an active sale', async () => {
    const { sandbox, deliver, settled } = await start({}, { maxAttempts: 1 });
    sandbox.chatpro.faults.failNext('http_500', 1);
    const a = await settled((await deliver(fixture('order_approved.subscription'))).body.eventId, 'failed'); // Excel PRO
    expect(a.lastError).toMatch(/ChatPro falhou/);
    await settled((await deliver(secondPlanSale())).body.eventId); // Informática Essencial
    const student = sandbox.ead.studentByCpf(SUB_CPF)!;
    const refund = { ...secondPlanSale(), webhook_event_type: 'order_refunded', order_status: 'refunded' };
    await settled((await deliver(refund)).body.eventId);
    expect(sandbox.ead.students.has(student.id)).toBe(true);
    expect([...student.courses.keys()].sort()).toEqual(['161', '197', '201']);
  });

  it('a renewal paid after a refunded charge enrolls again', async () => {
    const { sandbox, deliver, settled } = await start();
    const first = fixture('order_approved.subscription');
    await settled((await deliver(first)).body.eventId);
    await settled((await deliver({ ...first, webhook_event_type: 'order_refunded', order_status: 'refunded' })).body.eventId);
    expect(sandbox.ead.studentByCpf(SUB_CPF)).toBeUndefined();
    const renewal = await settled((await deliver({ ...first, order_id: 'renewal-2', order_ref: 'Renov03' })).body.eventId);
    expect(renewal.outcome).toMatch(/^Aluno criado/);
    expect([...sandbox.ead.studentByCpf(SUB_CPF)!.courses.keys()].sort()).toEqual(['161', '197', '201']);
  });

  it('a refund with a bad CPF asks support to remove the access by hand', async () => {
    const { deliver, settled } = await start();
    const refund = fixture('order_refunded');
    refund.Customer.CPF = '12345678900';
    const failed = await settled((await deliver(refund)).body.eventId, 'failed');
    expect(failed.lastError).toBe('CPF do comprador ausente ou inválido. Encontre o aluno no EAD e remova o acesso manualmente.');
  });

  it("REVOKE_MODE=courses removes the sale's courses and keeps the account", async () => {
    const { sandbox, deliver, settled } = await start({ REVOKE_MODE: 'courses' });
    await settled((await deliver(fixture('order_approved.one_off'))).body.eventId);
    const student = sandbox.ead.studentByCpf(ONE_OFF_CPF)!;
    await settled((await deliver(fixture('order_refunded'))).body.eventId);
    expect(sandbox.ead.students.has(student.id)).toBe(true);
    expect(student.courses.size).toBe(0);
  });

  it('a deletion or removal whose answer was lost completes on the retry instead of failing', async () => {
    const { sandbox, deliver, settled } = await start();
    await settled((await deliver(fixture('order_approved.one_off'))).body.eventId);
    sandbox.ead.faults.failNext('timeout_after_commit', 1, (r) => r.method === 'DELETE');
    const deleted = await settled((await deliver(fixture('order_refunded'))).body.eventId);
    expect(deleted.attempts).toBe(2);
    expect(sandbox.ead.callsTo('DELETE', '/alunos/')).toHaveLength(2);

    await server!.close();
    const again = await start({ REVOKE_MODE: 'courses' });
    await again.settled((await again.deliver(fixture('order_approved.one_off'))).body.eventId);
    again.sandbox.ead.faults.failNext('timeout_after_commit', 1, (r) => r.path.startsWith('/alunos/removercurso/'));
    const removed = await again.settled((await again.deliver(fixture('order_refunded'))).body.eventId);
    expect(removed.attempts).toBe(2);
    expect(again.sandbox.ead.studentByCpf(ONE_OFF_CPF)!.courses.size).toBe(0);
  });

  it('a chargeback revokes like a refund', async () => {
    const { sandbox, deliver, settled } = await start();
    await settled((await deliver(fixture('order_approved.subscription'))).body.eventId);
    const student = sandbox.ead.studentByCpf(SUB_CPF)!;
    const event = await settled((await deliver(fixture('chargeback'))).body.eventId);
    expect(sandbox.ead.students.has(student.id)).toBe(false);
    await waitFor(() => sandbox.callmebot.calls.some((c) => c.text.startsWith('↩️ *Chargeback:*')), 5_000, 'alert');
    expect(event.outcome).toContain('excluído');
  });

  it('a refund arriving while its approval is still being retried stops it, and nobody is enrolled', async () => {
    const { sandbox, deliver, settled, idle } = await start();
    sandbox.ead.faults.failNext('http_500', 3);
    const approval = await deliver(fixture('order_approved.one_off'));
    const refund = await deliver(fixture('order_refunded'));
    await settled(refund.body.eventId);
    await idle();
    const approved = await server!.runtime.store.events.get(Number(approval.body.eventId));
    const refunded = await server!.runtime.store.events.get(Number(refund.body.eventId));
    expect(approved!.finishedAt!).toBeLessThanOrEqual(refunded!.finishedAt!);
    // Closed when the refund was stored (waiting), or by its own check before the matrícula (running then).
    expect(approved!.outcome).toMatch(
      /^(Não processado: chegou reembolso desta venda \(evento #\d+\) antes da matrícula; nada a matricular\.|Pedido já reembolsado ou estornado: nada a matricular\.)$/,
    );
    expect(sandbox.ead.students.size).toBe(0);
    expect(sandbox.chatpro.delivered).toHaveLength(0);
  });
});

describe('subscription_canceled', () => {
  it('at_period_end: schedules the revocation for access_until, then carries it out', async () => {
    const { sandbox, deliver, settled, runtime } = await start();
    await settled((await deliver(fixture('order_approved.subscription'))).body.eventId);
    const student = sandbox.ead.studentByCpf(SUB_CPF)!;
    const cancel = fixture('subscription_canceled');
    const until = Date.now() + 2_000; // still ahead once the cancellation has settled, on a loaded machine too
    cancel.Subscription.customer_access.access_until = new Date(until).toISOString();
    const cancelled = await settled((await deliver(cancel)).body.eventId);
    const scheduledId = Number(/evento #(\d+)/.exec(cancelled.outcome!)![1]);
    const scheduled = await runtime.store.events.get(scheduledId);
    expect(scheduled).toMatchObject({ eventType: 'revoke_access', status: 'pending', availableAt: until, parentId: cancelled.id });
    expect(sandbox.ead.students.has(student.id)).toBe(true);
    await settled(scheduledId);
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    expect(sandbox.ead.students.has(student.id)).toBe(false);
  });

  it('at_period_end falls back to next_payment, and to now', async () => {
    const { deliver, settled, runtime } = await start();
    const cancel = fixture('subscription_canceled');
    cancel.Subscription.customer_access = null;
    cancel.Subscription.next_payment = '2030-01-01T00:00:00.000Z';
    const cancelled = await settled((await deliver(cancel)).body.eventId);
    const scheduledId = Number(/evento #(\d+)/.exec(cancelled.outcome!)![1]);
    expect((await runtime.store.events.get(scheduledId))!.availableAt).toBe(Date.parse('2030-01-01T00:00:00.000Z'));
  });

  it('the scheduled revocation is skipped when the customer bought the same plan again', async () => {
    const { sandbox, deliver, settled } = await start();
    await settled((await deliver(fixture('order_approved.subscription'))).body.eventId);
    const student = sandbox.ead.studentByCpf(SUB_CPF)!;
    const cancel = fixture('subscription_canceled');
    // Still ahead once the cancellation and the new purchase have settled, on a loaded machine too.
    cancel.Subscription.customer_access.access_until = new Date(Date.now() + 2_500).toISOString();
    const cancelled = await settled((await deliver(cancel)).body.eventId);
    const scheduledId = Number(/evento #(\d+)/.exec(cancelled.outcome!)![1]);
    const again = { ...fixture('order_approved.subscription'), order_id: 'new-order', subscription_id: 'new-subscription' };
    await settled((await deliver(again)).body.eventId);
    const skipped = await settled(scheduledId, 'ignored');
    expect(skipped.outcome).toMatch(/Acesso mantido: nova compra do mesmo plano/);
    expect(sandbox.ead.students.has(student.id)).toBe(true);
  });

  it('immediate revokes now', async () => {
    const { sandbox, deliver, settled, idle } = await start({ CANCEL_POLICY: 'immediate' });
    await settled((await deliver(fixture('order_approved.subscription'))).body.eventId);
    await settled((await deliver(fixture('subscription_canceled'))).body.eventId);
    await idle();
    expect(sandbox.ead.studentByCpf(SUB_CPF)).toBeUndefined();
  });

  it('ignore only records the cancellation', async () => {
    const { sandbox, deliver, settled } = await start({ CANCEL_POLICY: 'ignore' });
    await settled((await deliver(fixture('order_approved.subscription'))).body.eventId);
    const event = await settled((await deliver(fixture('subscription_canceled'))).body.eventId, 'ignored');
    expect(event.outcome).toContain('CANCEL_POLICY=ignore');
    // Nothing was scheduled to take the access away.
    expect((await server!.runtime.store.events.list()).map((e) => e.eventType)).not.toContain('revoke_access');
    expect(sandbox.ead.studentByCpf(SUB_CPF)).toBeDefined();
  });
});

describe('other events', () => {
  it.each(['billet_created', 'pix_created', 'order_rejected', 'subscription_late'])('%s is recorded as ignored', async (type) => {
    const { sandbox, deliver, settled } = await start();
    await settled((await deliver({ ...fixture('order_approved.subscription'), webhook_event_type: type })).body.eventId, 'ignored');
    expect(sandbox.ead.calls).toHaveLength(0);
  });

  it('an abandoned cart is recorded as ignored', async () => {
    const { sandbox, deliver, settled } = await start();
    await settled((await deliver(fixture('abandoned_cart'))).body.eventId, 'ignored');
    expect(sandbox.ead.calls).toHaveLength(0);
    expect(sandbox.chatpro.calls).toHaveLength(0);
  });
});
