import { describe, expect, it } from 'vitest';
import { TransientError } from '../../src/domain/errors.js';
import { handlersFor } from '../../src/app/sale-handlers.js';
import { activeSales, newerPurchase, orderRefunded, saleKeyOf } from '../../src/sales/sale-rules.js';
import { normalizeText } from '../../src/domain/text.js';
import type { EventRow } from '../../src/store/store.js';
import { fixture } from '../helpers/kiwify.js';
import { MemoryInbox } from '../helpers/memory-flows.js';

const EXCEL = { name: 'Excel PRO', courses: [161, 197, 201] };
const DESIGN = { name: 'Design Gráfico', courses: [254, 751, 169] };

describe('the sale flows on handlersFor(deps), in memory (no runtime, no network)', () => {
  it('an approval registers, enrols and welcomes; the journal makes a retry resume, not repeat', async () => {
    const inbox = new MemoryInbox();
    const handlers = handlersFor(inbox.deps([DESIGN]));
    const event = inbox.receive(fixture('order_approved.one_off'));
    inbox.ead.failures.set('enroll', new TransientError('EAD fora do ar.', 'http_503'));

    await expect(inbox.run(handlers.order_approved, event)).rejects.toThrow('EAD fora do ar.');
    expect(inbox.ead.calls).toEqual(['find', 'create', 'enroll']);
    const result = await inbox.run(handlers.order_approved, event);

    // The retry did not look the student up or create them again: the journal had both.
    expect(inbox.ead.calls).toEqual(['find', 'create', 'enroll', 'courses', 'enroll']);
    expect(result.outcome).toMatch(/^Aluno criado \(id 1000\) matriculado em 254, 751, 169; boas-vindas enviadas\.$/);
    expect(inbox.chatpro.sent).toHaveLength(1);
    expect(inbox.chatpro.sent[0].message).toContain('Senha: Gerada@1');
    expect(inbox.journals.get(event.id)!.get('cadastro')).not.toHaveProperty('sealedPassword');
  });

  it('a refund takes back what the approval journaled, and nothing the student had before', async () => {
    const inbox = new MemoryInbox();
    const handlers = handlersFor(inbox.deps([EXCEL]));
    const studentId = inbox.ead.addStudent('52998224725', [161, 35]);
    const approval = inbox.receive(fixture('order_approved.subscription'));
    await inbox.run(handlers.order_approved, approval);
    expect(inbox.journals.get(approval.id)!.get('matricula')).toEqual({ enrolled: [197, 201], alreadyHad: [161] });

    const refund = inbox.receive({
      ...fixture('order_approved.subscription'),
      webhook_event_type: 'order_refunded',
      order_status: 'refunded',
    });
    const result = await inbox.run(handlers.order_refunded, refund);
    expect([...inbox.ead.students.get(studentId)!.courses].sort()).toEqual(['161', '35']);
    expect(result.outcome).toBe(`Aluno ${studentId}: cursos removidos 197, 201; aluno mantido: tem outros cursos (ids 161, 35).`);
  });
});

/** A row with just what the sale rules read. */
function row(id: number, type: string, over: Partial<EventRow> = {}): EventRow {
  return {
    id,
    event_type: type,
    status: 'done',
    order_id: `o${id}`,
    subscription_id: null,
    plan_name: 'Excel PRO',
    customer_key: 'cpf:1',
    ...over,
  } as EventRow;
}
const none = new Set<number>();

describe('the sale rules (pure)', () => {
  it.each([
    ['a one-off order is its own sale', { subscription_id: null, order_id: 'o1' }, 'o1'],
    ['a subscription (all its renewals) is one sale', { subscription_id: 's1', order_id: 'o1' }, 's1'],
    ['no ids: no sale', { subscription_id: null, order_id: null }, undefined],
  ] as const)('saleKeyOf: %s', (_name, ids, key) => {
    expect(saleKeyOf(ids)).toBe(key);
  });

  it.each([
    ['a done approval is active', [row(1, 'order_approved')], none, ['o1']],
    ['an approval still in flight is active', [row(1, 'order_approved', { status: 'retrying' })], none, ['o1']],
    ['a failed approval that never enrolled is not', [row(1, 'order_approved', { status: 'failed' })], none, []],
    ['a failed approval that got as far as the matrícula is', [row(1, 'order_approved', { status: 'failed' })], new Set([1]), ['o1']],
    ['a refunded sale is not', [row(1, 'order_approved'), row(2, 'order_refunded', { order_id: 'o1' })], none, []],
    [
      'a renewal paid after a refunded charge is active again',
      [
        row(1, 'order_approved', { subscription_id: 's' }),
        row(2, 'order_refunded', { subscription_id: 's' }),
        row(3, 'order_approved', { subscription_id: 's' }),
      ],
      none,
      ['s'],
    ],
    [
      'an executed end of access ends it',
      [row(1, 'order_approved', { subscription_id: 's' }), row(2, 'revoke_access', { subscription_id: 's' })],
      none,
      [],
    ],
    [
      'a scheduled end of access not yet run does not',
      [row(1, 'order_approved', { subscription_id: 's' }), row(2, 'revoke_access', { subscription_id: 's', status: 'pending' })],
      none,
      ['s'],
    ],
  ] as const)('activeSales: %s', (_name, events, enrolled, keys) => {
    expect(activeSales([...events], enrolled, undefined).map((s) => s.key)).toEqual(keys);
  });

  it('activeSales leaves out the sale being revoked', () => {
    expect(activeSales([row(1, 'order_approved'), row(2, 'order_approved')], none, 'o1').map((s) => s.key)).toEqual(['o2']);
  });

  it.each([
    ['its own refund', [row(2, 'order_refunded', { order_id: 'o1' })], 'o1', true],
    ['its own chargeback', [row(2, 'chargeback', { order_id: 'o1' })], 'o1', true],
    ["another order's refund", [row(2, 'order_refunded', { order_id: 'o9' })], 'o1', false],
    ['no order id', [row(2, 'order_refunded', { order_id: null })], null, false],
  ] as const)('orderRefunded: %s', (_name, events, orderId, refunded) => {
    expect(orderRefunded([...events], orderId)).toBe(refunded);
  });

  it.each([
    ['the same plan bought after the cancellation keeps access', [row(5, 'order_approved')], 3, 'excel pro', 5],
    ['bought before it does not', [row(2, 'order_approved')], 3, 'excel pro', undefined],
    ['another plan does not', [row(5, 'order_approved', { plan_name: 'Inglês' })], 3, 'excel pro', undefined],
    ['a failed purchase that never enrolled does not', [row(5, 'order_approved', { status: 'failed' })], 3, 'excel pro', undefined],
  ] as const)('newerPurchase: %s', (_name, events, after, plan, found) => {
    expect(newerPurchase([...events], none, after, plan, normalizeText)?.id).toBe(found);
  });
});
