import { readFileSync } from 'node:fs';
import { cpfFrom } from '../../src/domain/cpf.js';
import { postSignedDelivery } from '../../src/sandbox/kiwify-deliver.js';
import { signKiwify } from '../../src/intake/kiwify-signature.js';
import { TOKEN } from './config.js';

export type Fixture =
  | 'abandoned_cart'
  | 'chargeback'
  | 'order_approved.one_off'
  | 'order_approved.subscription'
  | 'order_approved.wrapped'
  | 'order_refunded'
  | 'subscription_canceled';

/** A sample delivery (fake people), as a fresh object each time. */
export function fixture(name: Fixture): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`../fixtures/kiwify/${name}.json`, import.meta.url), 'utf8'));
}

/** Compact JSON with UTF-8 unescaped, as Kiwify sends it. */
export function bodyOf(payload: unknown): Buffer {
  return Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8');
}

export function signedPath(body: Buffer, token = TOKEN): string {
  return `/webhook?signature=${signKiwify(body, token)}`;
}

/** Posts a signed delivery to a running server; returns status and JSON body. */
export async function deliver(baseUrl: string, payload: unknown, token = TOKEN) {
  const res = await postSignedDelivery(`${baseUrl}/webhook`, bodyOf(payload), token);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** An approved sale for a distinct buyer (valid CPF), based on the one-off fixture. */
export function approvedSale(n: number, overrides: Record<string, any> = {}): Record<string, any> {
  const sale = fixture('order_approved.one_off');
  sale.order_id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  sale.order_ref = `REF${n}`;
  sale.Customer.CPF = cpfFor(n);
  sale.Customer.email = `comprador${n}@example.com`;
  sale.Customer.mobile = `+55119${String(10_000_000 + n).slice(-8)}`;
  sale.Customer.full_name = `Comprador ${n} Teste`;
  sale.Customer.first_name = `Comprador${n}`;
  return { ...sale, ...overrides };
}

/** A valid CPF derived from `n`. */
export const cpfFor = (n: number) => cpfFrom(String(100_000_000 + (n % 800_000_000)));
