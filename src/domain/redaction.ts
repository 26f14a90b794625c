/**
 * Personal data must never reach logs, stored error texts or alerts in clear.
 * Structured log fields are redacted by pino (see log.ts); these helpers cover free text,
 * such as an upstream error message that quotes the CPF or the phone number it refused.
 */

// Any local part (accents included: "joão@exemplo.com.br"). Parts are bounded (RFC 5321: 64 and
// 63 characters), so a long text without an "@" costs linear time, not quadratic.
const EMAIL = /[^\s@<>"'(),;:]{1,64}@[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63}){1,8}/gu;
// A run of 8+ digits, optionally punctuated like a CPF, CNPJ or phone number:
// "529.982.247-25", "(61) 99999-8888", "+5561999998888", "CPF52998224725". A run glued to a
// hyphen or digit is part of an identifier (uuids: "9c3d-000000000001") and is left alone.
// Bounded (a formatted CNPJ or international phone is under 25 characters), so a long run costs
// linear time; runs longer than that are masked whole by LONG_RUN.
const DIGIT_RUN = /(?<![\d-])\+?\(?\d[\d\s().\-/]{6,40}\d(?![\w-])/g;
const LONG_RUN = /\d{41,}/g;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

export function maskDigits(value: string): string {
  const digits = value.replace(/\D/g, '');
  if (digits.length <= 2) return '**';
  return `${'*'.repeat(digits.length - 2)}${digits.slice(-2)}`;
}

export function maskEmail(value: string): string {
  const at = value.indexOf('@');
  if (at <= 0) return '***';
  return `${value[0]}***${value.slice(at)}`;
}

/** "Beltrana Exemplo da Silva" → "Beltrana E. d. S." (enough for support to recognise). */
export function maskName(value: string): string {
  const [first, ...rest] = value.trim().split(/\s+/);
  return [first, ...rest.map((part) => `${part[0]}.`)].join(' ');
}

export function scrubText(text: string): string {
  return text.replace(EMAIL, maskEmail).replace(DIGIT_RUN, scrubRun).replace(LONG_RUN, maskDigits);
}

function scrubRun(run: string): string {
  // A date stays readable; whatever follows it in the same run is scrubbed on its own.
  const date = ISO_DATE.exec(run);
  if (date) return date[0] + run.slice(date[0].length).replace(DIGIT_RUN, scrubRun);
  const digits = run.replace(/\D/g, '');
  return digits.length >= 8 ? maskDigits(run) : run;
}

/** Keys whose values are secrets, wherever they appear: never logged, never shown to anyone. */
const SECRET_KEYS = new Set([
  'token',
  'apikey',
  'password',
  'senha',
  'signature',
  'authorization',
  'cookie',
  'sealedPassword',
  // smtps://user:password@host: the SMTP password inside.
  'SMTP_URL',
]);

/** Keys whose values are personal data (or may carry it): never logged; shown masked to support. */
const PERSONAL_KEYS = new Set([
  'cpf',
  'CPF',
  'cnpj',
  'doc_cpf',
  'email',
  'mobile',
  'phone',
  'celular',
  'fone',
  'telefone',
  'name',
  'full_name',
  'first_name',
  'nome',
  'number',
  'message',
  'text',
  'customer',
  'customerName',
  'customerEmail',
  'customer_name',
  'customer_email',
  'q',
]);

/** A secret by its key: listed, or any key naming a password or a token ("newPassword", "unitToken"). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key) || /password|senha|token/i.test(key);
}

/** Keys already judged (log keys are the code's own, a few dozen): bounded all the same. */
const judged = new Map<string, boolean>();
const JUDGED_MAX = 1_000;

/** Personal data or a secret: what logs censor (the one list; see also scrubText for free text). */
export function isSensitiveKey(key: string): boolean {
  let sensitive = judged.get(key);
  if (sensitive === undefined) {
    sensitive = PERSONAL_KEYS.has(key) || isSecretKey(key);
    if (judged.size < JUDGED_MAX) judged.set(key, sensitive);
  }
  return sensitive;
}
