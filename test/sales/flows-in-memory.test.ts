import { describe, expect, it } from 'vitest';
import { TransientError } from '../../src/domain/errors.js';
import { activeSales, newerPurchase, orderRefunded, saleKeyOf } from '../../src/sales/sale-rules.js';
import { fixture } from '../helpers/kiwify.js';
import { saleEvent } from '../helpers/sale-events.js';
import { DESIGN, EXCEL, harnessPerTest } from '../helpers/flow-tests.js';

const startHarness = harnessPerTest();

describe('the sale flows on the real worker and store, with an in-memory EAD and ChatPro (no runtime, no network)', () => {
  it('an approval registers, enrols and welcomes; the journal makes a retry resume, not repeat', async () => {
    const flows = await startHarness([DESIGN]);
    flows.ead.failures.set('enroll', new TransientError('EAD fora do ar.', 'http_503'));
    const id = await flows.receive(fixture('order_approved.one_off'));

    const first = await flows.settled(id);
    expect(first.status).toBe('retrying');
    expect(first.lastError).toContain('EAD fora do ar.');
    expect(flows.ead.calls).toEqual(['find', 'create', 'enroll']);
    const result = await flows.retry(id);

    // The retry did not look the student up or create them again: the journal had both.
    expect(flows.ead.calls).toEqual(['find', 'create', 'enroll', 'courses', 'enroll']);
    expect(result.status).toBe('done');
    expect(result.outcome).toMatch(/^Aluno criado \(id 1000\) matriculado em 254, 751, 169; boas-vindas enviadas por WhatsApp\.$/);
    expect(flows.chatpro.sent).toHaveLength(1);
    expect(flows.chatpro.sent[0].message).toContain('Senha: Gerada@1');
    expect((await flows.journal(id)).get('cadastro')).not.toHaveProperty('sealedPassword');
  });

  it('a refund takes back what the approval journaled, and nothing the student had before', async () => {
    const flows = await startHarness([EXCEL]);
    const studentId = flows.ead.addStudent('52998224725', [161, 35]);
    const approval = await flows.receive(fixture('order_approved.subscription'));
    expect((await flows.settled(approval)).status).toBe('done');
    expect((await flows.journal(approval)).get('matricula')).toEqual({ enrolled: [197, 201], alreadyHad: [161] });

    const refund = await flows.receive({
      ...fixture('order_approved.subscription'),
      webhook_event_type: 'order_refunded',
      order_status: 'refunded',
    });
    const result = await flows.settled(refund);
    expect([...flows.ead.students.get(studentId)!.courses].sort()).toEqual(['161', '35']);
    expect(result.status).toBe('done');
    expect(result.outcome).toBe(`Aluno ${studentId}: cursos removidos 197, 201; aluno mantido: tem outros cursos (ids 161, 35).`);
    expect(await flows.alerts()).toEqual([expect.stringMatching(/^↩️ \*Reembolso:\*/)]);
  });
});

const none = new Set<number>();

describe('the sale rules (pure)', () => {
  it.each([
    ['a one-off order is its own sale', { subscriptionId: null, orderId: 'o1' }, 'o1'],
    ['a subscription (all its renewals) is one sale', { subscriptionId: 's1', orderId: 'o1' }, 's1'],
    ['no ids: no sale', { subscriptionId: null, orderId: null }, undefined],
  ] as const)('saleKeyOf: %s', (_name, ids, key) => {
    expect(saleKeyOf(ids)).toBe(key);
  });

  it.each([
    ['a done approval is active', [saleEvent(1, 'order_approved')], none, ['o1']],
    ['an approval still in flight is active', [saleEvent(1, 'order_approved', { status: 'retrying' })], none, ['o1']],
    ['a failed approval that never enrolled is not', [saleEvent(1, 'order_approved', { status: 'failed' })], none, []],
    ['a failed approval that got as far as the matrícula is', [saleEvent(1, 'order_approved', { status: 'failed' })], new Set([1]), ['o1']],
    ['a refunded sale is not', [saleEvent(1, 'order_approved'), saleEvent(2, 'order_refunded', { orderId: 'o1' })], none, []],
    [
      'a renewal paid after a refunded charge is active again',
      [
        saleEvent(1, 'order_approved', { subscriptionId: 's' }),
        saleEvent(2, 'order_refunded', { subscriptionId: 's' }),
        saleEvent(3, 'order_approved', { subscriptionId: 's' }),
      ],
      none,
      ['s'],
    ],
    [
      'an executed end of access ends it',
      [saleEvent(1, 'order_approved', { subscriptionId: 's' }), saleEvent(2, 'revoke_access', { subscriptionId: 's' })],
      none,
      [],
    ],
    [
      'a scheduled end of access not yet run does not',
      [saleEvent(1, 'order_approved', { subscriptionId: 's' }), saleEvent(2, 'revoke_access', { subscriptionId: 's', status: 'pending' })],
      none,
      ['s'],
    ],
  ] as const)('activeSales: %s', (_name, events, enrolled, keys) => {
    expect(activeSales([...events], enrolled, undefined).map((s) => s.key)).toEqual(keys);
  });

  it('activeSales leaves out the sale being revoked', () => {
    expect(activeSales([saleEvent(1, 'order_approved'), saleEvent(2, 'order_approved')], none, 'o1').map((s) => s.key)).toEqual(['o2']);
  });

  it.each([
    ['its own refund', [saleEvent(2, 'order_refunded', { orderId: 'o1' })], 'o1', true],
    ['its own chargeback', [saleEvent(2, 'chargeback', { orderId: 'o1' })], 'o1', true],
    ["another order's refund", [saleEvent(2, 'order_refunded', { orderId: 'o9' })], 'o1', false],
    ['no order id', [saleEvent(2, 'order_refunded', { orderId: null })], null, false],
  ] as const)('orderRefunded: %s', (_name, events, orderId, refunded) => {
    expect(orderRefunded([...events], orderId)).toBe(refunded);
  });

  it.each([
    ['the same plan bought after the cancellation keeps access', [saleEvent(5, 'order_approved')], 3, { planName: 'excel pro' }, 5],
    ['bought before it does not', [saleEvent(2, 'order_approved')], 3, { planName: 'excel pro' }, undefined],
    ['another plan does not', [saleEvent(5, 'order_approved', { planName: 'Inglês' })], 3, { planName: 'excel pro' }, undefined],
    [
      'a failed purchase that never enrolled does not',
      [saleEvent(5, 'order_approved', { status: 'failed' })],
      3,
      { planName: 'excel pro' },
      undefined,
    ],
    [
      'the same Kiwify plan renamed in between keeps access (same plan id)',
      [saleEvent(5, 'order_approved', { planName: 'Excel PRO Turma 2027', planId: 'p1' })],
      3,
      { planName: 'Excel PRO', planId: 'p1' },
      5,
    ],
    [
      'another Kiwify plan of the same name does not (plan ids differ)',
      [saleEvent(5, 'order_approved', { planId: 'p2' })],
      3,
      { planName: 'Excel PRO', planId: 'p1' },
      undefined,
    ],
  ] as const)('newerPurchase: %s', (_name, events, after, plan, found) => {
    expect(newerPurchase([...events], none, after, plan)?.id).toBe(found);
  });
});
