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
