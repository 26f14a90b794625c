import { describe, expect, it } from 'vitest';
import type { SaleEvent } from '../../src/domain/inbox-event.js';
import { normalizeText } from '../../src/domain/text.js';
import { accessPeriod } from '../../src/enrolment/access-period.js';
import { dedupeKeyOf, orderSchema } from '../../src/intake/kiwify-payload.js';
import { decideRevocation } from '../../src/revocation/revocation-rule.js';
import { DAY_MS } from '../../src/sales/access-end.js';
import { activeSales, endedSince, newerPurchase, saleKeyOf } from '../../src/sales/sale-rules.js';
import { saleEvent } from '../helpers/sale-events.js';

/** The rules for trials, renewals and time-limited access, as pure functions: each case a row. */

const hash = () => 'HASH';

describe('dedupe keys: one business event, one key', () => {
  it.each([
    ['an approval: type + order', { webhook_event_type: 'order_approved', order_id: 'o1', subscription_id: 's1' }, 'order_approved:o1'],
    ['a refund: type + order', { webhook_event_type: 'order_refunded', order_id: 'o1' }, 'order_refunded:o1'],
    [
      'subscription_renewed shares the approval key of its charge (both events: one renewal)',
      { webhook_event_type: 'subscription_renewed', order_id: 'o2', subscription_id: 's1' },
      'order_approved:o2',
    ],
    [
      "a trial's start has no order: type + subscription",
      { webhook_event_type: 'subscription_trial_started', subscription_id: 's1' },
      'subscription_trial_started:sub:s1',
    ],
    [
      "a trial's cancel: type + subscription",
      { webhook_event_type: 'subscription_trial_canceled', subscription_id: 's1' },
      'subscription_trial_canceled:sub:s1',
    ],
    [
      'a renewal without its order (undocumented): one per paid period',
      {
        webhook_event_type: 'subscription_renewed',
        subscription_id: 's1',
        Subscription: { customer_access: { access_until: '2026-12-01' } },
      },
      'subscription_renewed:sub:s1:2026-12-01',
    ],
    [
      'subscription_late repeats per failed charge',
      { webhook_event_type: 'subscription_late', order_id: 'o1', updated_at: '2026-11-02 10:00' },
      'subscription_late:o1:2026-11-02 10:00',
    ],
    ['no order and no subscription: the body', { webhook_event_type: 'order_approved' }, 'order_approved:body:HASH'],
  ] as const)('%s', (_name, order, key) => {
    expect(dedupeKeyOf(order as Parameters<typeof dedupeKeyOf>[0], hash)).toBe(key);
  });
});

describe('access periods', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  const plan = { name: 'Excel PRO', courses: [161] };
  const order = (type: string, subscription?: Record<string, unknown>) =>
    orderSchema.parse({ webhook_event_type: type, ...(subscription ? { Subscription: subscription } : {}) });
  const trialEnd = '2026-12-06T12:00:00.000Z';

  it.each([
    ['a plan without accessDays: no end, no dias', 'order_approved', plan, undefined, {}],
    [
      'a trial: its end plus 2 days of grace, no dias',
      'subscription_trial_started',
      { ...plan, accessDays: 365 },
      { trial_end: trialEnd },
      { trialEnd: Date.parse(trialEnd), endsAt: Date.parse(trialEnd) + 2 * DAY_MS, why: 'trial' },
    ],
    [
      'a trial whose end Kiwify did not say: nothing scheduled, support told',
      'subscription_trial_started',
      plan,
      {},
      { trialWithoutEnd: true },
    ],
    [
      'accessDays: dias and the end that many days from now',
      'order_approved',
      { ...plan, accessDays: 365 },
      undefined,
      { days: 365, endsAt: now + 365 * DAY_MS, why: 'access_days' },
    ],
    [
      'a renewal whose paid period ends later: access_until',
      'subscription_renewed',
      { ...plan, accessDays: 30 },
      { customer_access: { access_until: '2027-03-01T00:00:00.000Z' } },
      { days: 30, endsAt: Date.parse('2027-03-01T00:00:00.000Z'), why: 'access_days' },
    ],
    [
      'a renewal whose paid period ends sooner: the plan’s days',
      'subscription_renewed',
      { ...plan, accessDays: 30 },
      { customer_access: { access_until: '2026-12-01T00:00:00.000Z' } },
      { days: 30, endsAt: now + 30 * DAY_MS, why: 'access_days' },
    ],
    ['access support gives back: no new period', 'access_restored_by_support', { ...plan, accessDays: 30 }, undefined, {}],
  ] as const)('%s', (_name, type, thePlan, subscription, expected) => {
    expect(accessPeriod(type, order(type, subscription), thePlan, now)).toEqual(expected);
  });
});

/** A subscription's event (`s1`), no order id, unless `over` says otherwise. */
const ev = (id: number, type: string, over: Partial<SaleEvent> = {}): SaleEvent =>
  saleEvent(id, type, { orderId: null, subscriptionId: 's1', ...over });
const none = new Set<number>();
const plan = normalizeText('Excel PRO');

describe('which event gives a sale its access, and which ends it', () => {
  it.each([
    ["a trial's start makes the subscription active", [ev(1, 'subscription_trial_started')], ['s1']],
    ['a cancelled trial ends it', [ev(1, 'subscription_trial_started'), ev(2, 'subscription_trial_canceled')], []],
    [
      'a renewal by subscription_renewed keeps it active',
      [ev(1, 'order_approved', { orderId: 'o1' }), ev(2, 'subscription_renewed')],
      ['s1'],
    ],
    ["support's removal ends it once it ran", [ev(1, 'order_approved'), ev(2, 'access_removed_by_support')], []],
    [
      "support's removal still waiting does not",
      [ev(1, 'order_approved'), ev(2, 'access_removed_by_support', { status: 'pending' })],
      ['s1'],
    ],
    [
      "support's restoration after a chargeback makes it active again",
      [ev(1, 'order_approved'), ev(2, 'chargeback'), ev(3, 'access_restored_by_support')],
      ['s1'],
    ],
  ] as const)('%s', (_name, events, keys) => {
    expect(activeSales([...events], none, undefined).map((s) => s.key)).toEqual(keys);
  });

  it.each([
    [
      'the first paid charge of the trial (same subscription) skips the lapse',
      [ev(1, 'subscription_trial_started'), ev(2, 'order_approved', { orderId: 'o2' })],
      1,
      2,
    ],
    [
      'a renewal by subscription_renewed skips the old end',
      [ev(1, 'order_approved'), ev(2, 'subscription_renewed', { orderId: 'o2' })],
      1,
      2,
    ],
    [
      'a purchase of the same plan, another subscription, skips it',
      [ev(1, 'order_approved'), ev(2, 'order_approved', { subscriptionId: 's2' })],
      1,
      2,
    ],
    [
      'a renamed plan of the same subscription still skips it (by the sale)',
      [ev(1, 'order_approved'), ev(2, 'subscription_renewed', { planName: 'Excel PRO 2027' })],
      1,
      2,
    ],
    ["support's restoration is no purchase: it does not", [ev(1, 'order_approved'), ev(2, 'access_restored_by_support')], 1, undefined],
    [
      'a charge that failed before any matrícula does not',
      [ev(1, 'subscription_trial_started'), ev(2, 'order_approved', { status: 'failed' })],
      1,
      undefined,
    ],
    ['what came before the scheduling does not', [ev(1, 'order_approved'), ev(2, 'subscription_canceled')], 2, undefined],
  ] as const)('newerPurchase: %s', (_name, events, after, found) => {
    expect(newerPurchase([...events], none, after, { planName: plan }, 's1')?.id).toBe(found);
  });

  it.each([
    ['a trial cancelled after its start: ended', [ev(1, 'subscription_trial_started'), ev(2, 'subscription_trial_canceled')], 1, 2],
    [
      'a refund before the scheduling: not "since"',
      [ev(1, 'order_approved'), ev(2, 'order_refunded'), ev(3, 'subscription_canceled')],
      3,
      undefined,
    ],
    [
      'given back after the refund: not ended',
      [ev(1, 'order_approved'), ev(2, 'order_refunded'), ev(3, 'access_restored_by_support')],
      1,
      undefined,
    ],
    ['another sale’s refund: not this one', [ev(1, 'order_approved'), ev(2, 'order_refunded', { subscriptionId: 's2' })], 1, undefined],
  ] as const)('endedSince: %s', (_name, events, after, found) => {
    expect(endedSince([...events], none, 's1', after, 99)?.id).toBe(found);
  });

  it('a sale is its subscription, also for events without an order', () => {
    expect(saleKeyOf({ subscriptionId: 's1', orderId: null })).toBe('s1');
  });
});

describe('the refund rule and the account a sale created', () => {
  const base = { neededByOtherSales: new Set<number>(), granted: [] as number[] };
  it.each([
    ['created by the sale, no course: deleted (REVOKE_MODE=delete)', { has: [], mode: 'delete', accountCreatedBySale: true }, 'delete'],
    ['created by the sale, no course, REVOKE_MODE=courses: kept', { has: [], mode: 'courses', accountCreatedBySale: true }, 'nothing'],
    ['created by the sale but it has a course now: kept', { has: ['35'], mode: 'delete', accountCreatedBySale: true }, 'nothing'],
    ['not created by the sale: kept', { has: [], mode: 'delete', accountCreatedBySale: false }, 'nothing'],
  ] as const)('%s', (_name, input, action) => {
    expect(decideRevocation({ ...base, ...input, has: [...input.has] }).action).toBe(action);
  });
});
