import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type MobileResult = { ok: true; number: string } | { ok: false; reason: 'missing' | 'unparseable' | 'not_brazilian' | 'not_mobile' };

/**
 * A Brazilian mobile as ChatPro wants it: `55` + DDD + 9-digit number, digits only.
 * Accepts what Kiwify and people type: "+5561999998888", "(61) 99999-8888", "61999998888",
 * "5561999998888", and old 8-digit mobiles ("+55 61 9999-8888", which gain the ninth digit).
 * A leading 55 is a country code only when the length says so (55 is also a DDD).
 * Anything else is refused: the welcome is never sent to a guessed number.
 */
export function normalizeBrazilianMobile(raw: string | undefined): MobileResult {
  const input = (raw ?? '').trim();
  const digits = input.replace(/\D/g, '');
  if (!digits) return { ok: false, reason: 'missing' };
  let international: string;
  if (input.startsWith('+')) international = `+${digits}`;
  else if (digits.startsWith('00')) international = `+${digits.slice(2)}`;
  else if (digits.startsWith('55') && (digits.length === 12 || digits.length === 13)) international = `+${digits}`;
  else international = `+55${digits.replace(/^0/, '')}`;

  const parsed = parsePhoneNumberFromString(international);
  if (!parsed) return { ok: false, reason: 'unparseable' };
  if (parsed.countryCallingCode !== '55') return { ok: false, reason: 'not_brazilian' };

  let national = String(parsed.nationalNumber);
  // Old 8-digit mobile (before the ninth digit): DDD + [6-9]XXXXXXX.
  if (national.length === 10 && /^[1-9]{2}[6-9]/.test(national)) national = `${national.slice(0, 2)}9${national.slice(2)}`;
  const candidate = parsePhoneNumberFromString(`+55${national}`);
  if (!candidate?.isValid()) return { ok: false, reason: 'unparseable' };
  const type = candidate.getType();
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return { ok: false, reason: 'not_mobile' };
  return { ok: true, number: `55${candidate.nationalNumber}` };
}

/** The same number with the ninth digit removed or added (some old WhatsApp accounts lack it). */
export function alternateNinthDigit(number: string): string | undefined {
  if (/^55\d{2}9\d{8}$/.test(number)) return `${number.slice(0, 4)}${number.slice(5)}`;
  if (/^55\d{2}[6-9]\d{7}$/.test(number)) return `${number.slice(0, 4)}9${number.slice(4)}`;
  return undefined;
}

/** A normalized Brazilian mobile as people write it: "5561999998888" → "(61) 99999-8888" (else as is). */
export function formatBrazilianMobile(number: string): string {
  const m = /^55(\d{2})(\d{4,5})(\d{4})$/.exec(number);
  return m ? `(${m[1]}) ${m[2]}-${m[3]}` : number;
}
