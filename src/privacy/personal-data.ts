import { cpfDigits } from '../domain/cpf.js';
import { isSensitiveKey, maskDigits, maskEmail, maskName, scrubText } from '../domain/redaction.js';

/**
 * What stays of a delivery once its personal data is gone (LGPD: kept only while it serves):
 * what the sale rules and an audit still need — the order, its reference, type and status, the
 * product and plan, dates, the subscription's state — and nothing of the buyer.
 */
const KEPT_ORDER_FIELDS = [
  'webhook_event_type',
  'order_id',
  'order_ref',
  'order_status',
  'product_type',
  'payment_method',
  'sale_type',
  'installments',
  'store_id',
  'created_at',
  'updated_at',
  'approved_date',
  'refunded_at',
  'subscription_id',
  // An abandoned cart's own fields.
  'id',
  'status',
  'product_id',
  'product_name',
] as const;

const KEPT_SUBSCRIPTION_FIELDS = ['start_date', 'next_payment', 'status', 'customer_access'] as const;
const KEPT_PLAN_FIELDS = ['id', 'name', 'frequency', 'qty_charges'] as const;
const KEPT_PRODUCT_FIELDS = ['product_id', 'product_name'] as const;

/** Shown where a personal datum was. */
export const ERASED = '[apagado]';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pick(source: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
  if (!isObject(source)) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

/** The order (or cart) without its buyer: only the fields listed above. */
export function strippedBody(body: unknown): Record<string, unknown> {
  const out = pick(body, KEPT_ORDER_FIELDS) ?? {};
  if (!isObject(body)) return out;
  const product = pick(body.Product, KEPT_PRODUCT_FIELDS);
  if (product) out.Product = product;
  if (isObject(body.Subscription)) {
    const subscription = pick(body.Subscription, KEPT_SUBSCRIPTION_FIELDS) ?? {};
    const plan = pick(body.Subscription.plan, KEPT_PLAN_FIELDS);
    if (plan) subscription.plan = plan;
    out.Subscription = subscription;
  }
  return out;
}

/** Longest value matched as a pattern; longer ones (a 200 KB "name") are replaced as plain text. */
const MAX_PATTERN = 200;

/** "Joaõ  da Silva" → "Joao da Silva": how the same name may come back from elsewhere. */
const stripAccents = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .normalize('NFC');
const plain = (text: string) => stripAccents(text).replace(/\s+/g, ' ');

/** The buyer's data as a delivery carries it (an order's `Customer`, or a cart's own fields). */
export function personalValuesOf(body: unknown, extra: Array<string | null | undefined> = []): string[] {
  const values = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value !== 'string') return;
    const text = value.trim();
    // Short values, and short numbers (a house number "100"), would hit ids and prices: the
    // digit-run rule covers long numbers (ZIP codes, phones) wherever they are.
    if (text.length < 3 || (/^\d+$/.test(text) && text.length < 8)) return;
    values.add(text);
  };
  const addCpf = (value: unknown) => {
    if (typeof value !== 'string') return;
    const digits = cpfDigits(value);
    if (digits.length < 8) return;
    add(value);
    add(digits);
    add(maskDigits(digits));
  };
  const addPhone = (value: unknown) => {
    if (typeof value !== 'string') return;
    add(value);
    const digits = value.replace(/\D/g, '');
    if (digits.length >= 8) {
      add(digits);
      add(maskDigits(digits));
    }
  };
  const addEmail = (value: unknown) => {
    if (typeof value !== 'string' || !value.includes('@')) return;
    add(value);
    add(maskEmail(value));
  };
  const addName = (value: unknown) => {
    if (typeof value !== 'string') return;
    const forms = [value, plain(value)];
    for (const form of forms) {
      add(form);
      const words = form.trim().split(/\s+/);
      add(words[0]); // "Olá Beltrana"
      if (words.length > 1) add(maskName(form));
    }
  };
  const person = isObject(body) ? (isObject(body.Customer) ? body.Customer : body.status === 'abandoned' ? body : {}) : {};
  addName(person.full_name);
  addName(person.first_name);
  addName(person.name);
  addEmail(person.email);
  addCpf(person.CPF);
  addCpf(person.cpf);
  addCpf(person.cnpj);
  addPhone(person.mobile);
  addPhone(person.phone);
  for (const key of ['street', 'number', 'complement', 'neighborhood', 'city', 'zipcode', 'instagram', 'ip']) {
    if (typeof person[key] === 'string') {
      add(person[key]);
      add(plain(person[key]));
    }
  }
  for (const value of extra) {
    if (value?.includes('@')) addEmail(value);
    else addName(value);
  }
  return [...values];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A value as a pattern that matches it whole: never inside a longer word or number ("R100X"). */
function wholePattern(value: string): string {
  const edge = (c: string) => (/\d/.test(c) ? '\\d' : /[\p{L}]/u.test(c) ? '\\p{L}\\p{N}' : '');
  const before = edge(value[0]);
  const after = edge(value[value.length - 1]);
  return `${before ? `(?<![${before}])` : ''}${escapeRegExp(value)}${after ? `(?![${after}])` : ''}`;
}

/**
 * Replaces every known personal value (longest first, any case, accents ignored where the value
 * had none… or had them) with "[apagado]", then masks whatever still looks like an e-mail, a CPF
 * or a phone number.
 */
export function scrubberFor(values: string[]): (text: string) => string {
  const sorted = [...new Set(values)].sort((a, b) => b.length - a.length);
  const long = sorted.filter((v) => v.length > MAX_PATTERN);
  const short = sorted.filter((v) => v.length <= MAX_PATTERN);
  const known = short.length > 0 ? new RegExp(short.map(wholePattern).join('|'), 'giu') : undefined;
  return (text) => {
    let out = text;
    for (const value of long) out = out.split(value).join(ERASED);
    if (known) out = out.replace(known, ERASED);
    // The same words without accents ("Joao" for "João") or with other spacing.
    if (known && stripAccents(out) !== out) {
      const flat = stripAccents(out);
      if (flat.replace(known, ERASED) !== flat) out = flat.replace(known, ERASED);
    }
    return scrubText(out);
  };
}

/**
 * Every string inside a JSON value, scrubbed; a value under a personal or secret key (`phone`,
 * `sealedPassword`…) is erased whole. Numbers, booleans and keys stay as they were.
 */
export function scrubJson(value: unknown, scrub: (text: string) => string): unknown {
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) return value.map((item) => scrubJson(item, scrub));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, typeof v === 'string' && isSensitiveKey(k) ? ERASED : scrubJson(v, scrub)]),
    );
  }
  return value;
}
