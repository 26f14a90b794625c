import { normalizeText } from '../domain/text.js';
import { createHash, randomInt } from 'node:crypto';
import { cpfFrom } from '../domain/cpf.js';
import {
  CHARGEBACK,
  eventTypesWhere,
  ORDER_APPROVED,
  ORDER_REFUNDED,
  SUBSCRIPTION_CANCELED,
  SUBSCRIPTION_RENEWED,
  SUBSCRIPTION_TRIAL_CANCELED,
  SUBSCRIPTION_TRIAL_STARTED,
  type EVENT_TYPES,
  type HandledEventType,
} from '../domain/event-types.js';

/**
 * Realistic Kiwify deliveries with fake people, for the simulator and the demo. Same shape and
 * field names as real traffic (see test/fixtures/kiwify); ids derive from CPF and plan, so an
 * approval and a later refund built with the same options refer to the same sale.
 */

/** The types a flow acts on that Kiwify sends (the registry's handled Kiwify types). */
export const SIMULATED_EVENTS = eventTypesWhere((t) => t.handled && t.origin === 'kiwify') as readonly SimulatedEvent[];
export type SimulatedEvent = {
  [T in HandledEventType]: (typeof EVENT_TYPES)[T]['origin'] extends 'kiwify' ? T : never;
}[HandledEventType];

/** A free trial's events carry no order: `order_id`, `order_ref` and `approved_date` are null. */
const TRIAL_EVENTS: readonly string[] = [SUBSCRIPTION_TRIAL_STARTED, SUBSCRIPTION_TRIAL_CANCELED];

export interface SampleOptions {
  plan?: string;
  cpf?: string;
  phone?: string;
  name?: string;
  email?: string;
  /** Order id; default derived from CPF + plan (a renewal needs a new one). */
  orderId?: string;
  /** One-off product instead of a subscription. */
  oneOff?: boolean;
  /** subscription_canceled, subscription_renewed: when paid access ends (ISO). */
  accessUntil?: string;
  /** A free trial's end (ISO); default a week from now. */
  trialEnd?: string;
}

/** The `order_status` each delivery carries (a cancellation is of a paid subscription). */
const STATUS: Record<SimulatedEvent, string> = {
  [ORDER_APPROVED]: 'paid',
  [ORDER_REFUNDED]: 'refunded',
  [CHARGEBACK]: 'chargedback',
  [SUBSCRIPTION_CANCELED]: 'paid',
  [SUBSCRIPTION_RENEWED]: 'paid',
  [SUBSCRIPTION_TRIAL_STARTED]: 'trial',
  [SUBSCRIPTION_TRIAL_CANCELED]: 'canceled',
};

/** A valid random CPF (not all digits equal). */
export function randomCpf(): string {
  let first9: string;
  do first9 = Array.from({ length: 9 }, () => randomInt(10)).join('');
  while (/^(\d)\1{8}$/.test(first9));
  return cpfFrom(first9);
}

function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');
/**
 * Mobiles the fake says have no WhatsApp, whatever `unregistered` holds: DDD + 9 0000-XXXX (and
 * the same without the ninth digit), a range no real test number uses — what
 * `npm run kiwify -- --no-whatsapp` gives a buyer, so a running demo refuses it.
 */
export const NO_WHATSAPP_NUMBER = /^55\d{2}9?0000\d{4}$/;

/** A mobile of that range for a buyer (`+55 11 9 0000-XXXX`). */
export function noWhatsappPhone(suffix: number): string {
  return `+551190000${String(suffix % 10_000).padStart(4, '0')}`;
}

/** "YYYY-MM-DD HH:mm" in Brasília time, as Kiwify writes dates. */
function kiwifyDate(ms: number): string {
  const d = new Date(ms - 3 * 3600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

export function buildDelivery(event: SimulatedEvent, options: SampleOptions = {}, now = Date.now()): Record<string, unknown> {
  const plan = options.plan ?? 'Excel PRO';
  const cpf = (options.cpf ?? randomCpf()).replace(/\D/g, '');
  const name = options.name ?? 'Maria Exemplo Teste';
  const firstName = name.split(/\s+/)[0];
  const trial = TRIAL_EVENTS.includes(event);
  const orderId = trial ? null : (options.orderId ?? uuidFrom(`order:${cpf}:${plan}`));
  const subscriptionId = options.oneOff && !trial ? undefined : uuidFrom(`subscription:${cpf}:${plan}`);
  const ref = orderId && createHash('sha1').update(orderId).digest('base64url').slice(0, 7);
  const inAMonth = new Date(now + 30 * 86_400_000).toISOString();
  const trialEnd = options.trialEnd ?? new Date(now + 7 * 86_400_000).toISOString();
  const approved = trial ? null : kiwifyDate(now - (event === ORDER_APPROVED || event === SUBSCRIPTION_RENEWED ? 0 : 5 * 86_400_000));
  return {
    order_id: orderId,
    order_ref: ref,
    order_status: STATUS[event],
    product_type: 'membership',
    payment_method: 'credit_card',
    store_id: 'XyZ0000000000aB',
    payment_merchant_id: '10000000000000000099',
    installments: 1,
    card_type: 'visa',
    card_last4digits: '4242',
    card_rejection_reason: null,
    boleto_URL: null,
    boleto_barcode: null,
    boleto_expiry_date: null,
    pix_code: null,
    pix_expiration: null,
    sale_type: 'producer',
    created_at: approved ?? kiwifyDate(now),
    updated_at: kiwifyDate(now),
    approved_date: approved,
    refunded_at: event === ORDER_REFUNDED ? kiwifyDate(now) : null,
    webhook_event_type: event,
    Product: { product_id: uuidFrom(`product:${plan}`), product_name: plan },
    Customer: {
      full_name: name,
      first_name: firstName,
      // ASCII, as people type addresses: "José" → "jose.7120@example.com".
      email: options.email ?? `${normalizeText(firstName).replace(/[^a-z0-9]/g, '')}.${cpf.slice(-4)}@example.com`,
      mobile: options.phone ?? `+55119${String(randomInt(10_000_000, 99_999_999))}`,
      CPF: cpf,
      ip: '203.0.113.10',
      country: 'br',
    },
    Commissions: {
      charge_amount: 4990,
      product_base_price: 4990,
      product_base_price_currency: 'BRL',
      currency: 'BRL',
      my_commission: 4442,
    },
    TrackingParameters: { src: null, sck: null, utm_source: null, utm_medium: null, utm_campaign: null, utm_content: null, utm_term: null },
    checkout_link: 'AbCdEfG',
    ...(subscriptionId
      ? {
          subscription_id: subscriptionId,
          Subscription: {
            start_date: new Date(now - (trial ? 0 : 5 * 86_400_000)).toISOString(),
            next_payment: trial ? trialEnd : inAMonth,
            status: event === SUBSCRIPTION_CANCELED || event === SUBSCRIPTION_TRIAL_CANCELED ? 'canceled' : trial ? 'trial' : 'active',
            ...(trial ? { trial_start: new Date(now).toISOString(), trial_end: trialEnd } : {}),
            customer_access: { has_access: true, active_period: true, access_until: options.accessUntil ?? (trial ? trialEnd : inAMonth) },
            plan: { id: uuidFrom(`plan:${plan}`), name: plan, frequency: 'monthly', qty_charges: 0 },
          },
        }
      : {}),
    access_url: null,
  };
}
