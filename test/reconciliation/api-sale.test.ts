import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliveryOfSale, webhookBodyOf, webhookDate } from '../../src/reconciliation/api-sale.js';
import { parseDelivery } from '../../src/intake/kiwify-payload.js';
import { fixture } from '../helpers/kiwify.js';

const ONE_OFF = fixture('order_approved.one_off');

describe("Kiwify API sale → the webhook's event", () => {
  it('maps field by field, so the event has the webhook’s dedupe and customer keys', () => {
    const c = ONE_OFF.Customer;
    const sale = {
      id: ONE_OFF.order_id,
      reference: ONE_OFF.order_ref,
      status: 'paid',
      created_at: '2026-06-08T14:53:00.000Z',
      updated_at: '2026-06-08T14:53:40.000Z',
      approved_date: '2026-06-08T14:53:40.000Z',
      product: { id: ONE_OFF.Product.product_id, name: ONE_OFF.Product.product_name },
      customer: { name: c.full_name, email: c.email, cpf: c.CPF, mobile: c.mobile },
    };
    const fromApi = deliveryOfSale(sale);
    const fromWebhook = parseDelivery(Buffer.from(JSON.stringify(ONE_OFF)));
    expect(fromApi?.ok && fromWebhook.ok).toBe(true);
    if (!fromApi?.ok || !fromWebhook.ok) return;
    for (const key of [
      'eventType',
      'dedupeKey',
      'customerKey',
      'orderId',
      'orderRef',
      'planName',
      'customerName',
      'customerEmail',
    ] as const) {
      expect(fromApi.delivery[key], key).toBe(fromWebhook.delivery[key]);
    }
    expect(webhookBodyOf(sale)).toMatchObject({ approved_date: '2026-06-08 11:53', Customer: { first_name: c.first_name, CPF: c.CPF } });
    expect(webhookBodyOf({ ...sale, status: 'refunded' })?.webhook_event_type).toBe('order_refunded');
    expect(webhookBodyOf({ ...sale, status: 'chargedback' })?.webhook_event_type).toBe('chargeback');
    for (const status of ['pending', 'waiting_payment', 'refused', 'refund_requested', 'pending_refund', undefined]) {
      expect(webhookBodyOf({ ...sale, status })).toBeUndefined();
    }
    expect(webhookDate('não é data')).toBeUndefined();
  });

  it('whatever the API returns, the mapping never throws, and what passes is what the webhook parser accepts', () => {
    const value = fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
    const sale = fc.record(
      {
        id: value,
        reference: value,
        status: fc.oneof(fc.constantFrom('paid', 'approved', 'refunded', 'chargedback', 'pending'), value),
        created_at: value,
        approved_date: value,
        product: fc.oneof(fc.record({ id: value, name: value }, { requiredKeys: [] }), value),
        customer: fc.oneof(
          fc.record({ name: value, email: value, cpf: value, mobile: value, address: value }, { requiredKeys: [] }),
          value,
        ),
        subscription: fc.oneof(fc.record({ id: value, plan: fc.oneof(fc.record({ name: value }), value) }, { requiredKeys: [] }), value),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(sale, (s) => {
        const result = deliveryOfSale(s);
        if (result?.ok) expect(result.delivery.dedupeKey.length).toBeLessThan(300);
      }),
      { numRuns: 2000 },
    );
  });
});
