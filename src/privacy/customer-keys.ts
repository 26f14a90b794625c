import { createHmac, hkdfSync } from 'node:crypto';

/** Prefix of a customer key kept only as a keyed hash (personal data removed). */
const HASHED = 'k:';
/** Customer keys made of personal data (a CPF or CNPJ, an e-mail); order and body keys are not. */
const PERSONAL = /^(cpf|email):/;

/**
 * Customer keys once an event's personal data is gone: `cpf:52998224725` becomes
 * `k:<HMAC-SHA256>` under a key derived from SECRET_KEY (or its fallback), so the customer's old
 * sales still count for the refund rule and per-customer order, while the key reveals nothing
 * to whoever reads the database (a bare hash of a CPF is reversed by trying all of them).
 */
export class CustomerKeys {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'kiwify-ead-bridge', 'customer-keys', 32));
  }

  /** The key as stored once personal data is removed (keys that hold none are kept as they are). */
  hashed(customerKey: string): string {
    if (!PERSONAL.test(customerKey)) return customerKey;
    return HASHED + createHmac('sha256', this.key).update(customerKey).digest('base64url').slice(0, 32);
  }

  /** Every key a customer's events may be filed under: as received, and as kept after removal. */
  lookup(customerKey: string): string[] {
    const hashed = this.hashed(customerKey);
    return hashed === customerKey ? [customerKey] : [customerKey, hashed];
  }
}
