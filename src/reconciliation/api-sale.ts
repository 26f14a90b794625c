import { eventTypeOfApiStatus } from '../domain/event-types.js';
import { parseDelivery, type ParseResult } from '../intake/kiwify-payload.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** An ISO date-time as webhooks write dates: "YYYY-MM-DD HH:mm" in São Paulo. */
export function webhookDate(value: unknown): string | undefined {
  const iso = text(value);
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: 'America/Sao_Paulo',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** The sale's plan object, when the API gives one (not in its documented example: be defensive). */
function apiPlan(sale: Record<string, unknown>): Record<string, unknown> | undefined {
  const subscription = isObject(sale.subscription) ? sale.subscription : undefined;
  return isObject(subscription?.plan) ? subscription.plan : isObject(sale.plan) ? sale.plan : undefined;
}

/** The plan's name, when the API tells it. */
export function apiPlanName(sale: Record<string, unknown>): string | undefined {
  return text(apiPlan(sale)?.name);
}

/** Whether the sale is a subscription's (its plan may be missing from a list answer). */
export function isSubscriptionSale(sale: Record<string, unknown>): boolean {
  return isObject(sale.subscription) || text(sale.subscription_id) !== undefined || sale.type === 'subscription';
}

/**
 * The webhook body Kiwify would have sent for this API sale, or undefined when its status starts
 * or ends nothing. Field by field (docs: `id`↔`order_id`, `reference`↔`order_ref`,
 * `status`↔`order_status`, `product`↔`Product`, `customer`↔`Customer`, ISO dates ↔
 * "YYYY-MM-DD HH:mm"), so the event has the same dedupe key as the webhook (type + order id).
 */
export function webhookBodyOf(sale: Record<string, unknown>): Record<string, unknown> | undefined {
  const status = text(sale.status);
  // What the reconciler makes of each status (the registry's apiStatuses); any other is left alone.
  const eventType = status ? eventTypeOfApiStatus(status) : undefined;
  if (!eventType) return undefined;
  const product = isObject(sale.product) ? sale.product : {};
  const customer = isObject(sale.customer) ? sale.customer : {};
  const subscription = isObject(sale.subscription) ? sale.subscription : undefined;
  const name = text(customer.name);
  const address = isObject(customer.address) ? customer.address : {};
  const plan = apiPlanName(sale);
  const subscriptionId = text(subscription?.id) ?? text(sale.subscription_id);
  const body: Record<string, unknown> = {
    webhook_event_type: eventType,
    order_id: text(sale.id),
    order_ref: text(sale.reference),
    order_status: status,
    payment_method: text(sale.payment_method),
    created_at: webhookDate(sale.created_at),
    updated_at: webhookDate(sale.updated_at),
    approved_date: webhookDate(sale.approved_date),
    refunded_at: webhookDate(sale.refunded_at) ?? null,
    parent_order_id: text(sale.parent_order_id),
    Product: { product_id: text(product.id), product_name: text(product.name) },
    Customer: {
      full_name: name,
      first_name: name?.split(/\s+/)[0],
      email: text(customer.email),
      mobile: text(customer.mobile),
      CPF: text(customer.cpf),
      cnpj: text(customer.cnpj),
      street: text(address.street),
      number: text(address.number),
      complement: text(address.complement),
      neighborhood: text(address.neighborhood),
      city: text(address.city),
      state: text(address.state),
      zipcode: text(address.zipcode),
    },
  };
  if (subscriptionId) body.subscription_id = subscriptionId;
  const planId = text(apiPlan(sale)?.id);
  if (plan || planId) body.Subscription = { plan: { id: planId, name: plan } };
  return JSON.parse(JSON.stringify(body)) as Record<string, unknown>; // drops the undefined fields
}

/** The API sale as a delivery for the inbox, through the webhook's own parser (same checks, same keys). */
export function deliveryOfSale(sale: Record<string, unknown>): ParseResult | undefined {
  const body = webhookBodyOf(sale);
  return body ? parseDelivery(Buffer.from(JSON.stringify(body))) : undefined;
}
