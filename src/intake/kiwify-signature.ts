import { createHmac, timingSafeEqual } from 'node:crypto';

/** Kiwify signs `hex(HMAC-SHA1(token, body bytes))` and appends it as `?signature=`. */
export function signKiwify(body: Buffer | string, token: string): string {
  return createHmac('sha1', token).update(body).digest('hex');
}

const SHA1_HEX = /^[0-9a-f]{40}$/i;

/** Only 40 hex digits can be a Kiwify signature (checked before any work on the body). */
export function looksLikeSignature(signature: unknown): signature is string {
  return typeof signature === 'string' && SHA1_HEX.test(signature);
}

/**
 * True when `signature` is the HMAC of `body` under any of `tokens`.
 * Hex case is not significant (it is the same MAC); anything that is not exactly 40 hex digits
 * is refused before comparing. Every token is tried, so timing does not reveal which one matched.
 */
export function verifyKiwifySignature(body: Buffer, signature: unknown, tokens: readonly string[]): boolean {
  if (!looksLikeSignature(signature)) return false;
  const given = Buffer.from(signature, 'hex');
  let ok = false;
  for (const token of tokens) {
    const expected = createHmac('sha1', token).update(body).digest();
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}
