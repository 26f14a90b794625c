/**
 * "  Inglês   Fluente " → "ingles fluente": for matching plan names and searching, never for
 * display. Compatibility forms fold too ("360º" and "360°" → "360o"); invisible characters go.
 */
export function normalizeText(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{Diacritic}|\p{Cf}/gu, '')
    .replace(/°/g, 'o')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A value from outside (an upstream's JSON, a query string) as text: strings as they are, numbers
 * and booleans written out, objects as JSON (never "[object Object]"), nothing as "".
 */
export function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? '';
}

/** Cuts `text` to `limit` characters (UTF-16 units), marking the cut; never halves an emoji's surrogate pair. */
export function cut(text: string, limit: number): string {
  if (text.length <= limit) return text;
  if (limit <= 0) return '';
  let end = Math.max(0, limit - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
