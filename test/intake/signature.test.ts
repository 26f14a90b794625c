import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signKiwify, verifyKiwifySignature } from '../../src/intake/kiwify-signature.js';

const body = Buffer.from('{"order_id":"1","webhook_event_type":"order_approved"}', 'utf8');
const token = 'abc123';
const good = createHmac('sha1', token).update(body).digest('hex');

describe('Kiwify signature', () => {
  it('accepts the HMAC-SHA1 of the raw body under the token', () => {
    expect(signKiwify(body, token)).toBe(good);
    expect(verifyKiwifySignature(body, good, [token])).toBe(true);
  });

  it('refuses a body changed by one byte', () => {
    const tampered = Buffer.from(body);
    tampered[5] = tampered[5] ^ 1;
    expect(verifyKiwifySignature(tampered, good, [token])).toBe(false);
  });

  it('refuses a signature made with another token', () => {
    expect(verifyKiwifySignature(body, signKiwify(body, 'other'), [token])).toBe(false);
  });

  it('refuses a missing or non-string signature', () => {
    expect(verifyKiwifySignature(body, undefined, [token])).toBe(false);
    expect(verifyKiwifySignature(body, [good, good], [token])).toBe(false);
    expect(verifyKiwifySignature(body, '', [token])).toBe(false);
  });

  it('treats hex case as insignificant (same MAC)', () => {
    expect(verifyKiwifySignature(body, good.toUpperCase(), [token])).toBe(true);
  });

  it('refuses short, long, odd-length and non-hex signatures without throwing', () => {
    expect(verifyKiwifySignature(body, good.slice(0, 38), [token])).toBe(false);
    expect(verifyKiwifySignature(body, good.slice(0, 39), [token])).toBe(false);
    expect(verifyKiwifySignature(body, `${good}00`, [token])).toBe(false);
    expect(verifyKiwifySignature(body, `${good.slice(0, 39)}g`, [token])).toBe(false);
    // Buffer.from(hex) silently drops a trailing odd digit: the length check must come first.
    expect(verifyKiwifySignature(body, `${good}0`, [token])).toBe(false);
  });

  it('accepts any of several tokens', () => {
    const tokens = ['first', 'second', token];
    expect(verifyKiwifySignature(body, good, tokens)).toBe(true);
    expect(verifyKiwifySignature(body, signKiwify(body, 'second'), tokens)).toBe(true);
    expect(verifyKiwifySignature(body, signKiwify(body, 'third'), tokens)).toBe(false);
  });

  it('verifies accented bodies on their raw UTF-8 bytes', () => {
    const accented = Buffer.from('{"city":"Balneário Camboriú","name":"João"}', 'utf8');
    const sig = createHmac('sha1', token).update(accented).digest('hex');
    expect(verifyKiwifySignature(accented, sig, [token])).toBe(true);
    // The same text re-encoded with \u escapes is different bytes: not the signed body.
    const escaped = Buffer.from(JSON.stringify(JSON.parse(accented.toString())).replace('á', '\\u00e1'), 'utf8');
    expect(verifyKiwifySignature(escaped, sig, [token])).toBe(false);
    // Latin-1 bytes of the same text are not the signed body either.
    expect(verifyKiwifySignature(Buffer.from(accented.toString(), 'latin1'), sig, [token])).toBe(false);
  });
});
