import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * The kinds of value an environment variable holds, each with the message a person reads when it
 * is wrong (in Portuguese: zod's pt-BR messages are given per parse in config.ts, never set
 * globally, so no other schema in the process is affected).
 */

/** What a check of a group sees: the variables parsed so far, by name. */
export type Payload = z.core.ParsePayload<Record<string, unknown>>;
export type Check = (ctx: Payload) => void;

export const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

export const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

export const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const url = z.url({ protocol: /^https?$/ });
export const optionalUrl = optionalText.pipe(url.optional());

/** A secret or token people choose: long enough not to be guessed. */
export const longSecret = (min: number, message: string) => optionalText.pipe(z.string().min(min, message).optional());

/** A Discord id (snowflake): Discord's "Copiar ID" with the developer mode on. */
export const snowflake = (what: string) =>
  optionalText.pipe(
    z
      .string()
      .regex(/^\d{5,20}$/, `deve ser o id numérico ${what} (no Discord: Configurações > Avançado > Modo desenvolvedor, depois "Copiar ID")`)
      .optional(),
  );

const MIN_WEBHOOK_TOKEN = 8;
/** One token or several, separated by commas (Kiwify webhooks). */
export const tokenList = z
  .string({ error: 'obrigatório (um token ou vários separados por vírgula)' })
  .transform((v) =>
    v
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  )
  .refine((list) => list.length > 0, 'informe ao menos um token')
  .refine(
    (list) => list.every((t) => t.length >= MIN_WEBHOOK_TOKEN),
    `cada token deve ter ao menos ${MIN_WEBHOOK_TOKEN} caracteres (copie o token do webhook na Kiwify)`,
  );

/** An address Express can trust: a name it knows, or an IP with an optional prefix length. */
function isProxyAddress(item: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(item)) return true;
  const [ip, bits, extra] = item.split('/');
  const family = isIP(ip ?? '');
  return family !== 0 && extra === undefined && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)));
}

/** Express `trust proxy`: hops ("1"), true/false, or addresses ("loopback", "10.0.0.0/8"). */
export const trustProxy = z
  .string()
  .trim()
  .refine(
    (v) => /^\d+$/.test(v) || /^(true|false)$/i.test(v) || v.split(',').every((item) => isProxyAddress(item.trim())),
    'use o número de proxies (ex.: 1), true/false, ou endereços (ex.: loopback, 10.0.0.0/8)',
  )
  .transform((v): boolean | number | string => (/^\d+$/.test(v) ? Number(v) : /^true$/i.test(v) ? true : /^false$/i.test(v) ? false : v));

/**
 * A check that `names` are set together or not at all (`alsoRequires`: something else set that
 * needs them all); each missing one is named, with `why` after "defina A, B juntos".
 */
export function allOrNone(
  names: readonly string[],
  why: string,
  alsoRequires: (value: Record<string, unknown>) => boolean = () => false,
): Check {
  return (ctx) => {
    const missing = names.filter((name) => !ctx.value[name]);
    if (missing.length === 0 || (missing.length === names.length && !alsoRequires(ctx.value))) return;
    const list = names.length === 2 ? `${names[0]} e ${names[1]}` : names.join(', ');
    for (const name of missing) ctx.issues.push({ code: 'custom', input: ctx.value, path: [name], message: `defina ${list} ${why}` });
  };
}

/** All of `names` set, as the values parsed say (what allOrNone checked), or undefined. */
export function together<K extends string>(values: Partial<Record<K, string>>, names: readonly K[]): Record<K, string> | undefined {
  return names.every((name) => values[name]) ? (values as Record<K, string>) : undefined;
}

/**
 * One group of the configuration: the variables it reads, the rules between them, and the value
 * the code receives (`ctx` to report what only reading files shows).
 */
export interface Group<S extends z.ZodRawShape, T> {
  shape: S;
  checks?: Check[];
  build(values: z.output<z.ZodObject<S>>, ctx: Payload): T;
}
export const group = <S extends z.ZodRawShape, T>(g: Group<S, T>) => g;
