const BRASILIA_OFFSET = '-03:00';

/**
 * Kiwify dates: ISO with a zone ("2026-07-08T14:53:23.137Z") in subscription fields, or
 * "YYYY-MM-DD HH:mm" in Brasília time with no offset elsewhere. A bare date means the whole day,
 * in Brasília: it ends when that day is over.
 */
export function parseKiwifyDate(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const day = /^(\d{4}-\d{2}-\d{2})$/.exec(value.trim());
  if (day) return Date.parse(`${day[1]}T00:00:00${BRASILIA_OFFSET}`) + 86_400_000;
  const local = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})?$/.exec(value.trim());
  const ms = local ? Date.parse(`${local[1]}T${local[2]}${local[3] ?? ':00'}${BRASILIA_OFFSET}`) : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
