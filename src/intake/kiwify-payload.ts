import { createHash } from 'node:crypto';
import { z } from 'zod';
import { cpfDigits } from '../domain/cpf.js';
import { ABANDONED_CART, ORDER_APPROVED, SUBSCRIPTION_LATE, SUBSCRIPTION_RENEWED } from '../domain/event-types.js';
import type { NewEvent } from '../domain/inbox-event.js';
import type { PlanKeys } from '../domain/plan-keys.js';
import { cut } from '../domain/text.js';
import { parseUntrustedJson, type JsonProblem } from '../domain/untrusted-json.js';

/**
 * The shape of a Kiwify delivery, as far as this server relies on it.
 * Tolerant: unknown fields pass through, nulls and absent fields are fine, a number where a
 * string was expected is turned into a string, and a field of a wrong type is dropped rather
 * than refusing the sale (processing then fails with a clear reason instead).
 * Strict only about what receiving needs: an event type.
 */

/**
 * A string field: numbers become strings, blanks and anything else (null, objects) become absent.
 * NUL characters go (PostgreSQL text cannot hold them: the insert would fail on every retry).
 */
const text = z
  .unknown()
  .transform((v): string | undefined => {
    if (typeof v === 'string') return v.replaceAll('\u0000', '').trim() || undefined;
    if (typeof v === 'number' || typeof v === 'bigint') return String(v);
    return undefined;
  })
  .optional();

/** Longest identifier accepted (order ids are uuids): keys built from it must fit an index. */
export const MAX_ID_LENGTH = 200;
/** An identifier field: like `text`, refused (400) when longer than MAX_ID_LENGTH. */
const id = (field: string) =>
  text.refine((v) => v === undefined || v.length <= MAX_ID_LENGTH, `campo ${field} longo demais (máx. ${MAX_ID_LENGTH} caracteres)`);

/** Longest product name kept in its own column (a name is matched against the map's, of at most 200). */
const MAX_PRODUCT_NAME = 300;

/** A nested object that may be absent, null or of the wrong type (then it is absent). */
const optional = <S extends z.ZodType>(schema: S) =>
  schema
    .nullish()
    .catch(undefined)
    .transform((v) => v ?? undefined);
const loose = <T extends z.ZodRawShape>(shape: T) => optional(z.looseObject(shape));
/** For intake: only the listed keys are read (nothing else is copied). */
const optionalObject = <T extends z.ZodRawShape>(shape: T) => optional(z.object(shape));

const customerSchema = loose({
  full_name: text,
  first_name: text,
  email: text,
  mobile: text,
  CPF: text,
  cnpj: text,
  street: text,
  number: text,
  complement: text,
  neighborhood: text,
  city: text,
  state: text,
  zipcode: text,
});

export const orderSchema = z.looseObject({
  webhook_event_type: z.string({ error: 'campo webhook_event_type ausente' }).trim().min(1, 'campo webhook_event_type vazio'),
  order_id: text,
  order_ref: text,
  order_status: text,
  subscription_id: text,
  created_at: text,
  updated_at: text,
  approved_date: text,
  refunded_at: text,
  /** An order bump's main order (the API says it; webhooks do not). */
  parent_order_id: text,
  Product: loose({ product_id: text, product_name: text }),
  Customer: customerSchema,
  Subscription: loose({
    status: text,
    next_payment: text,
    trial_start: text,
    trial_end: text,
    customer_access: loose({ access_until: text }),
    plan: loose({ id: text, name: text }),
  }),
});

export const abandonedCartSchema = z.looseObject({
  status: z.literal('abandoned'),
  id: id('id'),
  cpf: text,
  email: text,
  name: text,
  phone: text,
  product_id: text,
  product_name: text,
});

/**
 * What receiving needs of an order (keys, the columns the admin searches, the plan map's keys): a subset of
 * orderSchema, so the hot path validates less. Processing parses the full orderSchema.
 */
const intakeSchema = z.object({
  webhook_event_type: orderSchema.shape.webhook_event_type.pipe(z.string().max(MAX_ID_LENGTH, 'campo webhook_event_type longo demais')),
  order_id: id('order_id'),
  order_ref: id('order_ref'),
  updated_at: id('updated_at'),
  subscription_id: id('subscription_id'),
  Product: optionalObject({ product_id: text, product_name: text }),
  Customer: optionalObject({ full_name: text, first_name: text, email: text, CPF: text, cnpj: text }),
  Subscription: optionalObject({
    plan: optionalObject({ id: text, name: text }),
    customer_access: optionalObject({ access_until: id('access_until') }),
  }),
});

export type KiwifyOrder = z.infer<typeof orderSchema>;
export type AbandonedCart = z.infer<typeof abandonedCartSchema>;

/** A delivery ready for the inbox (a NewEvent), or why it was refused. */
export type ParseResult = { ok: true; delivery: NewEvent } | { ok: false; message: string };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Kiwify's documented body is the order itself; some integrations wrap it in `{ order }`. */
export function unwrapOrder(body: Record<string, unknown>): unknown {
  return body.order ?? body;
}

export const onlyDigits = (value: string | undefined) => (value ?? '').replace(/\D/g, '');

export function customerKeyOf(parts: { cpf?: string; email?: string; orderId?: string }, rawHash: () => string) {
  const cpf = cpfDigits(parts.cpf);
  if (cpf.length >= 11 && cpf.length <= 14) return `cpf:${cpf}`; // a CPF, or a CNPJ
  if (parts.email && parts.email.length <= 254) return `email:${parts.email.toLowerCase()}`;
  if (parts.orderId) return `order:${parts.orderId}`;
  return `body:${rawHash()}`;
}

function formatIssues(error: z.ZodError): string {
  return error.issues.map((issue) => issue.message).join('; ');
}

const JSON_PROBLEMS: Record<JsonProblem, string> = {
  invalid: 'O corpo não é um JSON válido.',
  too_large: 'O corpo é grande demais para ser uma entrega da Kiwify.',
  too_deep: 'O corpo tem níveis de aninhamento demais para ser uma entrega da Kiwify.',
  duplicate_key: 'O corpo repete um campo (chave JSON duplicada): entrega recusada.',
};

/**
 * Turns the bytes a valid signature covers into a delivery ready for the inbox — from those
 * bytes and nothing else. Bodies with no order id dedupe on the hash of the same bytes.
 */
export function parseDelivery(signed: Buffer): ParseResult {
  const rawText = signed.toString('utf8');
  const strict = parseUntrustedJson(rawText);
  if (!strict.ok) return { ok: false, message: JSON_PROBLEMS[strict.problem] };
  const json = strict.value;
  if (!isPlainObject(json)) return { ok: false, message: 'O corpo deve ser um objeto JSON.' };
  const inner = unwrapOrder(json);
  if (!isPlainObject(inner)) return { ok: false, message: 'O campo "order" deve ser um objeto JSON.' };
  let hash: string | undefined;
  const rawHash = () => (hash ??= createHash('sha256').update(signed).digest('hex'));

  if (inner.webhook_event_type === undefined && inner.status === 'abandoned') {
    const parsedCart = abandonedCartSchema.safeParse(inner);
    if (!parsedCart.success) return { ok: false, message: `Carrinho não reconhecido: ${formatIssues(parsedCart.error)}.` };
    const cart = parsedCart.data;
    return {
      ok: true,
      delivery: {
        eventType: ABANDONED_CART,
        dedupeKey: `${ABANDONED_CART}:${cart.id ?? rawHash()}`,
        customerKey: customerKeyOf({ cpf: cart.cpf, email: cart.email }, rawHash),
        planName: cart.product_name,
        ...planColumnsOf({ Product: { product_id: cart.product_id, product_name: cart.product_name } }),
        customerName: cart.name,
        customerEmail: cart.email,
        body: inner,
        bodyText: inner === json ? rawText : undefined,
      },
    };
  }

  const parsed = intakeSchema.safeParse(inner);
  if (!parsed.success) {
    return { ok: false, message: `Evento não reconhecido: ${formatIssues(parsed.error)}.` };
  }
  const order = parsed.data;
  const eventType = order.webhook_event_type;
  const customer = order.Customer;
  return {
    ok: true,
    delivery: {
      eventType,
      dedupeKey: dedupeKeyOf(order, rawHash),
      customerKey: customerKeyOf({ cpf: customer?.CPF ?? customer?.cnpj, email: customer?.email, orderId: order.order_id }, rawHash),
      orderId: order.order_id,
      orderRef: order.order_ref,
      subscriptionId: order.subscription_id,
      planName: planNameOf(order),
      ...planColumnsOf(order),
      customerName: customer?.full_name ?? customer?.first_name,
      customerEmail: customer?.email,
      body: inner,
      bodyText: inner === json ? rawText : undefined,
    },
  };
}

/**
 * One business event, one key: redeliveries of it collapse onto the first row.
 * - `subscription_late` repeats legitimately for the same order (one per failed charge), so its
 *   `updated_at` is part of the key.
 * - `subscription_renewed` is the renewal's charge, like the `order_approved` of its new order
 *   (Kiwify sends both when the webhook has both triggers): it takes that approval's key, so
 *   receiving both is one renewal (the second is a duplicate of the first, whichever came first).
 * - Events without an order (a free trial's start and cancel carry `order_id: null`) are one per
 *   subscription: type + `subscription_id`; with neither, the hash of the body.
 */
type OrderKeys = Pick<KiwifyOrder, 'webhook_event_type' | 'order_id' | 'updated_at' | 'subscription_id'> & {
  Subscription?: { customer_access?: { access_until?: string } };
};

export function dedupeKeyOf(order: OrderKeys, rawHash: () => string): string {
  const type = order.webhook_event_type;
  const sub = order.subscription_id;
  if (!order.order_id) {
    if (!sub) return `${type}:body:${rawHash()}`;
    if (type === SUBSCRIPTION_LATE) return `${type}:sub:${sub}:${order.updated_at ?? ''}`;
    // A renewal without its order (not what Kiwify documents): one per paid period.
    if (type === SUBSCRIPTION_RENEWED)
      return `${type}:sub:${sub}:${order.Subscription?.customer_access?.access_until ?? order.updated_at ?? ''}`;
    return `${type}:sub:${sub}`;
  }
  if (type === SUBSCRIPTION_LATE) return `${type}:${order.order_id}:${order.updated_at ?? ''}`;
  if (type === SUBSCRIPTION_RENEWED) return `${ORDER_APPROVED}:${order.order_id}`;
  return `${type}:${order.order_id}`;
}

/** The plan the buyer chose; one-off products have no plan, so the product name stands in. */
export function planNameOf(order: {
  Subscription?: { plan?: { name?: string } };
  Product?: { product_name?: string };
}): string | undefined {
  return order.Subscription?.plan?.name ?? order.Product?.product_name;
}

/** What a sale says of its plan: the plan map's keys, in the order it is searched (domain/plan-keys.ts). */
export function planKeysOf(order: {
  Subscription?: { plan?: { id?: string; name?: string } };
  Product?: { product_id?: string; product_name?: string };
}): PlanKeys {
  // An id longer than any real one is dropped, never refusing the sale: it is indexed (the sale
  // then matches by name, or fails for support with its cause).
  const ok = (id: string | undefined) => (id !== undefined && id.length <= MAX_ID_LENGTH ? id : undefined);
  return {
    planId: ok(order.Subscription?.plan?.id),
    planName: order.Subscription?.plan?.name,
    productId: ok(order.Product?.product_id),
    productName: order.Product?.product_name,
  };
}

/** The event's plan columns besides its name: Kiwify's ids and the product's name (bounded: indexed). */
function planColumnsOf(order: Parameters<typeof planKeysOf>[0]): Pick<NewEvent, 'planId' | 'productId' | 'productName'> {
  const keys = planKeysOf(order);
  return { planId: keys.planId, productId: keys.productId, productName: keys.productName && cut(keys.productName, MAX_PRODUCT_NAME) };
}
