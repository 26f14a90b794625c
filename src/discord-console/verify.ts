import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** DER header of an Ed25519 SubjectPublicKeyInfo: followed by the raw 32-byte key. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** How old a signed request may be (Discord answers within seconds). */
export const MAX_AGE_SECONDS = 5 * 60;
/** How far in the future a timestamp may be (clocks drift a little). */
export const MAX_SKEW_SECONDS = 60;

/** The application's public key (hex, "Public Key" in Discord's Developer Portal). */
export function interactionKey(publicKeyHex: string): KeyObject {
  const raw = Buffer.from(publicKeyHex, 'hex');
  if (raw.length !== 32) throw new Error('DISCORD_PUBLIC_KEY deve ter 32 bytes (64 caracteres hexadecimais)');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export type VerifyResult = 'ok' | 'bad_signature' | 'stale';

/**
 * Discord's signature: Ed25519 over `X-Signature-Timestamp` + the raw body, hex in
 * `X-Signature-Ed25519`. A timestamp older than 5 minutes (or over a minute ahead) is refused
 * too, so a captured request cannot be replayed later.
 */
export function verifyInteraction(key: KeyObject, signature: unknown, timestamp: unknown, body: Buffer, nowMs: number): VerifyResult {
  if (typeof signature !== 'string' || !/^[0-9a-fA-F]{128}$/.test(signature)) return 'bad_signature';
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return 'bad_signature';
  const age = nowMs / 1000 - Number(timestamp);
  if (age > MAX_AGE_SECONDS || age < -MAX_SKEW_SECONDS) return 'stale';
  const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), body]);
  try {
    return verify(null, signed, key, Buffer.from(signature, 'hex')) ? 'ok' : 'bad_signature';
  } catch {
    return 'bad_signature';
  }
}
