import { describe, expect, it } from 'vitest';
import { TransientError } from '../../src/domain/errors.js';
import { formatDay } from '../../src/domain/messages.js';
import type { Plan } from '../../src/plans/plan-map.js';
import { DAY_MS, TRIAL_GRACE_DAYS } from '../../src/sales/access-end.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { DESIGN, EXCEL, harnessPerTest } from '../helpers/flow-tests.js';
import { fixture } from '../helpers/kiwify.js';
import { waitFor } from '../helpers/runtime.js';

/**
 * What schools sell on Kiwify besides one approval and its refund — free trials, renewals by
 * `subscription_renewed`, time-limited access, a refund landing while its approval still fails —
 * on the real worker and store (both stores), with the in-memory EAD and ChatPro, and a clock the
 * tests move (no waiting for real time).
 */

const startHarness = harnessPerTest();

/** A free trial's start (or cancel) of the subscription fixture: no order, the trial's bounds. */
function trial(type: 'subscription_trial_started' | 'subscription_trial_canceled', trialEnd: number): Record<string, any> {
  const sale = fixture('order_approved.subscription');
  sale.webhook_event_type = type;
  sale.order_id = null;
  sale.order_ref = null;
  sale.approved_date = null;
  sale.order_status = type === 'subscription_trial_started' ? 'trial' : 'canceled';
  sale.Subscription.status = type === 'subscription_trial_started' ? 'trial' : 'canceled';
  sale.Subscription.trial_start = new Date(trialEnd - 7 * DAY_MS).toISOString();
  sale.Subscription.trial_end = new Date(trialEnd).toISOString();
  return sale;
}

/** A paid charge of the subscription fixture (its first after the trial, or a renewal): its own order. */
function charge(type: 'order_approved' | 'subscription_renewed', orderId: string, accessUntil?: number): Record<string, any> {
  const sale = fixture('order_approved.subscription');
  sale.webhook_event_type = type;
  sale.order_id = orderId;
  sale.order_ref = orderId.slice(0, 7);
  if (accessUntil !== undefined) sale.Subscription.customer_access.access_until = new Date(accessUntil).toISOString();
  return sale;
}

/** The revoke_access event an outcome names ("… evento #12 …"). */
const scheduledIn = (outcome: string | null) => Number(/evento #(\d+)\)/.exec(outcome ?? '')?.[1]);

describe.each(STORE_TARGETS)('free trials: $name', (target) => {
  const start = async (plans: Plan[] = [EXCEL], plansInMemory = false) => {
    return startHarness(plans, {}, { storage: await target.fresh(), plansInMemory });
  };

  it("a trial's start enrols and welcomes, telling until when the trial runs; its end is scheduled with the grace period", async ({
    skip,
  }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const flows = await start();
    const trialEnd = flows.now + 7 * DAY_MS;
    const id = await flows.receive(trial('subscription_trial_started', trialEnd));
    const event = await flows.settled(id);
    expect(event).toMatchObject({ status: 'done', orderId: null, orderRef: null, accessUntil: trialEnd + TRIAL_GRACE_DAYS * DAY_MS });
    expect(event.outcome).toMatch(
      new RegExp(`^Aluno criado \\(id 1000\\) matriculado em 161, 197, 201; teste grátis até ${formatDay(trialEnd)}`),
    );
    expect([...flows.ead.students.get('1000')!.courses]).toEqual(['161', '197', '201']);
    expect(flows.chatpro.sent).toHaveLength(1);
    expect(flows.chatpro.sent[0].message).toContain(`Seu teste grátis vai até ${formatDay(trialEnd)}.`);
    const end = await flows.store.events.get(scheduledIn(event.outcome));
    expect(end).toMatchObject({ eventType: 'revoke_access', status: 'pending', availableAt: trialEnd + 2 * DAY_MS, parentId: id });
  });

  it('a cancelled trial takes back what the trial gave (the account it created included)', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const flows = await start();
    const trialEnd = flows.now + 7 * DAY_MS;
    await flows.settled(await flows.receive(trial('subscription_trial_started', trialEnd)));
    const cancel = await flows.settled(await flows.receive(trial('subscription_trial_canceled', trialEnd)));
    expect(cancel.status).toBe('done');
    expect(cancel.outcome).toBe('Aluno 1000 excluído do EAD: todos os cursos do aluno (161, 197, 201) eram desta venda.');
    expect(flows.ead.students.size).toBe(0);
    // The end scheduled at the trial's start finds the sale already ended.
    flows.moveTo(trialEnd + 2 * DAY_MS);
    const lapse = (await flows.store.events.list()).find((e) => e.eventType === 'revoke_access')!;
    expect((await flows.reached(lapse.id, 'ignored')).outcome).toMatch(/já foi retirado pelo evento #/);
  });

  it('the first charge after a trial continues it: one cadastro, one matrícula, one welcome; the lapse is skipped', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const flows = await start();
    const trialEnd = flows.now + 7 * DAY_MS;
    const started = await flows.settled(await flows.receive(trial('subscription_trial_started', trialEnd)));
    flows.moveTo(trialEnd);
    const paid = await flows.settled(await flows.receive(charge('order_approved', 'first-charge')));
    expect(paid.status).toBe('done');
    expect(paid.outcome).toMatch(/já tinha todos os cursos do plano: nada novo/);
    expect(flows.ead.calls.filter((c) => c === 'create')).toHaveLength(1);
    expect(flows.ead.calls.filter((c) => c === 'enroll')).toHaveLength(1);
    expect(flows.chatpro.sent).toHaveLength(1);
    flows.moveTo(trialEnd + 3 * DAY_MS);
    const lapse = await flows.reached(scheduledIn(started.outcome), 'ignored');
    expect(lapse.outcome).toMatch(/^Acesso mantido: esta venda foi paga ou renovada depois do agendamento/);
    expect(flows.ead.students.get('1000')!.courses.size).toBe(3);
  });

  it('a trial that lapses with no charge and no cancel is revoked after its end plus the grace period, not before', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const flows = await start();
    const trialEnd = flows.now + 7 * DAY_MS;
    const started = await flows.settled(await flows.receive(trial('subscription_trial_started', trialEnd)));
    const lapseId = scheduledIn(started.outcome);
    flows.moveTo(trialEnd + TRIAL_GRACE_DAYS * DAY_MS - 60_000);
    await flows.settled(started.id);
    expect((await flows.store.events.get(lapseId))!.status).toBe('pending');
    expect(flows.ead.students.size).toBe(1);
    flows.moveTo(trialEnd + TRIAL_GRACE_DAYS * DAY_MS);
    const lapse = await flows.reached(lapseId, 'done');
    expect(lapse.outcome).toBe('Aluno 1000 excluído do EAD: todos os cursos do aluno (161, 197, 201) eram desta venda.');
    expect(flows.ead.students.size).toBe(0);
  });

  it('a refund that lands while its approval keeps failing stops it: the account the sale created is deleted, no matrícula later', async ({
    skip,
  }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const flows = await start([DESIGN]);
    flows.ead.failures.set('enroll', new TransientError('EAD fora do ar (503).', 'http_503'));
    const approval = await flows.receive(fixture('order_approved.one_off'));
    expect((await flows.settled(approval)).status).toBe('retrying');
    expect(flows.ead.calls).toEqual(['find', 'create', 'enroll']);

    const refund = await flows.settled(await flows.receive(fixture('order_refunded')));
    expect(refund.status).toBe('done');
    expect(refund.outcome).toBe('Aluno 1000 excluído do EAD: a conta foi criada por esta venda e o aluno não tem nenhum curso.');
    const stopped = (await flows.store.events.get(approval))!;
    expect(stopped.status).toBe('ignored');
    expect(stopped.outcome).toBe(
      `Não processado: chegou reembolso desta venda (evento #${refund.id}) antes da matrícula; nada a matricular.`,
    );
    // Time passes beyond the approval's next attempt: nothing runs it again.
    flows.moveTo(flows.now + DAY_MS);
    await flows.settled(refund.id);
    expect(flows.ead.calls).toEqual(['find', 'create', 'enroll', 'find', 'courses', 'delete']);
    expect(flows.ead.students.size).toBe(0);
    expect((await flows.journal(refund.id)).get('decision')).toMatchObject({ action: 'delete', accountCreatedBySale: true, granted: [] });
  });

  it('a refund that lands while its approval runs is seen before the matrícula: nobody is enrolled', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const flows = await start([DESIGN]);
    const release = flows.ead.hold('create');
    const approval = await flows.receive(fixture('order_approved.one_off'));
    await waitFor(() => flows.ead.calls.includes('create'), 10_000, 'the cadastro to be under way');
    const refund = await flows.receive(fixture('order_refunded'));
    expect((await flows.store.events.get(approval))!.status).toBe('processing');
    release();
    const stopped = await flows.settled(approval);
    expect(stopped).toMatchObject({ status: 'ignored', outcome: 'Pedido já reembolsado ou estornado: nada a matricular.' });
    expect((await flows.settled(refund)).outcome).toBe(
      'Aluno 1000 excluído do EAD: a conta foi criada por esta venda e o aluno não tem nenhum curso.',
    );
    expect(flows.ead.calls).not.toContain('enroll');
    expect(flows.ead.students.size).toBe(0);
  });
});

describe.each(STORE_TARGETS)('renewals and time-limited access: $name', (target) => {
  const start = async (plans: Plan[] = [EXCEL], plansInMemory = false) => {
    return startHarness(plans, {}, { storage: await target.fresh(), plansInMemory });
  };

  it('a renewal told only by subscription_renewed is a renewal: nothing created, nothing sent', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const flows = await start();
    await flows.settled(await flows.receive(charge('order_approved', 'first-charge')));
    const renewed = await flows.settled(await flows.receive(charge('subscription_renewed', 'second-charge')));
    expect(renewed).toMatchObject({ status: 'done', eventType: 'subscription_renewed', orderId: 'second-charge' });
    expect(renewed.outcome).toBe('Aluno 1000 já tinha todos os cursos do plano: nada novo (renovação ou repetição).');
    expect(flows.ead.calls.filter((c) => c === 'create' || c === 'enroll')).toEqual(['create', 'enroll']);
    expect(flows.chatpro.sent).toHaveLength(1);
  });

  it('a renewal told by both events is one renewal, whichever comes first', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const flows = await start();
    await flows.settled(await flows.receive(charge('order_approved', 'first-charge')));
    const renewed = await flows.receive(charge('subscription_renewed', 'second-charge'));
    expect(await flows.receive(charge('order_approved', 'second-charge'))).toBe(renewed);
    const approved = await flows.receive(charge('order_approved', 'third-charge'));
    expect(await flows.receive(charge('subscription_renewed', 'third-charge'))).toBe(approved);
    await flows.settled(approved);
    expect((await flows.store.events.list()).map((e) => e.eventType).sort()).toEqual([
      'order_approved',
      'order_approved',
      'subscription_renewed',
    ]);
  });

  it('accessDays: the matrícula sends dias, the end is scheduled and revokes; a renewal moves it', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const flows = await start([{ ...EXCEL, accessDays: 30 }], true);
    const bought = flows.now;
    const first = await flows.settled(await flows.receive(charge('order_approved', 'first-charge')));
    expect(flows.ead.enrolDays).toEqual([30]);
    expect(first.accessUntil).toBe(bought + 30 * DAY_MS);
    expect(first.outcome).toBe(
      `Aluno criado (id 1000) matriculado em 161, 197, 201; acesso até ${formatDay(bought + 30 * DAY_MS)} (evento #${scheduledIn(first.outcome)}); boas-vindas enviadas por WhatsApp.`,
    );
    expect((await flows.journal(first.id)).get('matricula')).toMatchObject({ days: 30, contractEnds: '2027-11-29' });

    flows.moveTo(bought + 29 * DAY_MS);
    const paidUntil = bought + 60 * DAY_MS;
    const renewed = await flows.settled(await flows.receive(charge('subscription_renewed', 'second-charge', paidUntil)));
    expect(renewed.accessUntil).toBe(paidUntil);
    expect(await flows.alerts()).toContainEqual(expect.stringContaining(`o fim do acesso passou para ${formatDay(paidUntil)}`));

    flows.moveTo(bought + 30 * DAY_MS);
    expect((await flows.reached(scheduledIn(first.outcome), 'ignored')).outcome).toMatch(/esta venda foi paga ou renovada/);
    expect(flows.ead.students.get('1000')!.courses.size).toBe(3);
    flows.moveTo(paidUntil);
    await flows.reached(scheduledIn(renewed.outcome), 'done');
    expect(flows.ead.students.size).toBe(0);
    expect(flows.ead.enrolDays).toEqual([30]);
  });
});
