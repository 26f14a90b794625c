import { describe, expect, it } from 'vitest';
import { parseKiwifyDate } from '../../src/intake/kiwify-dates.js';
import { accessEndsAt } from '../../src/revocation/cancel-flow.js';
import { orderSchema } from '../../src/intake/kiwify-payload.js';
import { fixture } from '../helpers/kiwify.js';

describe('Kiwify dates', () => {
  it('reads ISO dates with a zone and Brasília local times', () => {
    expect(parseKiwifyDate('2026-07-08T14:53:23.137Z')).toBe(Date.UTC(2026, 6, 8, 14, 53, 23, 137));
    expect(parseKiwifyDate('2026-06-08 11:53')).toBe(Date.UTC(2026, 5, 8, 14, 53));
    expect(parseKiwifyDate('2026-07-08')).toBe(Date.UTC(2026, 6, 9, 3, 0)); // end of that day in Brasília
    expect(parseKiwifyDate('amanhã')).toBeUndefined();
    expect(parseKiwifyDate(undefined)).toBeUndefined();
  });

  it('ends access at access_until, else next_payment, else now', () => {
    const order = orderSchema.parse(fixture('subscription_canceled'));
    expect(accessEndsAt(order, 0)).toBe(Date.parse('2026-07-08T14:53:23.137Z'));
    const noAccess = orderSchema.parse({ ...fixture('subscription_canceled'), Subscription: { next_payment: '2026-08-01T00:00:00.000Z' } });
    expect(accessEndsAt(noAccess, 0)).toBe(Date.parse('2026-08-01T00:00:00.000Z'));
    expect(accessEndsAt(orderSchema.parse({ webhook_event_type: 'subscription_canceled' }), 42)).toBe(42);
  });
});
