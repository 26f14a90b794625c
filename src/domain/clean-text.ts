import { cut } from './text.js';

/**
 * What support types (a search, a plan's name or group link, a note, a corrected phone, a CPF) may
 * not carry, from any console — admin page, API, command line, Discord: control characters and
 * the invisible ones that make text read otherwise than it is stored.
 *
 * - NUL and the other C0 controls, DEL and the C1 controls (U+0080–U+009F): PostgreSQL refuses NUL
 *   in text (a 5xx), and none of them belongs in a name or a note;
 * - the bidirectional formatting characters: embeddings and overrides (U+202A–U+202E), isolates
 *   (U+2066–U+2069) and the direction marks (U+200E, U+200F, U+061C) — a plan name with a
 *   right-to-left override shows one name and is another;
 * - halves of a surrogate pair on their own (not text: encoders replace them silently).
 *
 * A multi-line note may carry tabs and line breaks; everything else is one line (no tab, CR, LF,
 * U+2028, U+2029). Ordinary spaces, accents, emoji (joiners included) pass.
 */
const CONTROLS = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F';
const BIDI = '\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069';
const BREAKS = '\\t\\n\\r\\u2028\\u2029';
const LONE_SURROGATE = '[\\uD800-\\uDFFF]';
const MULTI_LINE = new RegExp(`[${CONTROLS}${BIDI}]|${LONE_SURROGATE}`, 'u');
const ONE_LINE = new RegExp(`[${CONTROLS}${BIDI}${BREAKS}]|${LONE_SURROGATE}`, 'u');

export interface CleanTextOptions {
  /** A note that may span lines: tabs and line breaks pass. */
  multiline?: boolean;
}

/** Whether `value` is free of control and bidirectional formatting characters (see above). */
export function isCleanText(value: string, options: CleanTextOptions = {}): boolean {
  return !(options.multiline ? MULTI_LINE : ONE_LINE).test(value);
}

/** Why such a value is refused, naming the field ("A nota", "O nome do plano"), in support's words. */
export function controlCharactersMessage(field: string): string {
  return `${field} tem caracteres de controle ou invisíveis (como NUL ou marcas que invertem a direção do texto): digite de novo, sem colar de outro lugar.`;
}

/** `isCleanText` as a zod refinement's arguments: `z.string().refine(...cleanText('A busca'))`. */
export function cleanText(field: string, options: CleanTextOptions = {}): [(value: string) => boolean, { error: string }] {
  return [(value) => isCleanText(value, options), { error: controlCharactersMessage(field) }];
}

/**
 * A plan's WhatsApp group link: an invite of WhatsApp itself — `https://chat.whatsapp.com/<code>`,
 * no other scheme, host, port, credentials, query or fragment (the welcome sends it to every
 * student of the plan: it must not lead anywhere else).
 */
export function isWhatsAppGroupLink(value: string): boolean {
  if (!isCleanText(value) || value.length > 200) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    url.protocol === 'https:' &&
    url.hostname === 'chat.whatsapp.com' &&
    url.port === '' &&
    url.username === '' &&
    url.password === '' &&
    url.search === '' &&
    url.hash === '' &&
    /^\/[A-Za-z0-9]{1,64}\/?$/.test(url.pathname) &&
    // What was typed is what the URL is (no backslashes or percent-escapes reinterpreted).
    url.href.replace(/\/$/, '') === value.replace(/\/$/, '').replace(/^https:\/\/chat\.whatsapp\.com/i, 'https://chat.whatsapp.com')
  );
}

export const WHATSAPP_GROUP_PROBLEM = 'o link do grupo de WhatsApp deve ser um convite do WhatsApp: https://chat.whatsapp.com/<código>';

/** Invisible characters that change nothing a reader should see: zero-width spaces and joiners, word joiner, BOM. */
const INVISIBLE = '\\u200B-\\u200D\\u2060\\uFEFF';
const UNSHOWN = new RegExp(`[${CONTROLS}${BIDI}${INVISIBLE}]|${LONE_SURROGATE}`, 'gu');
const RUNS_OF_SPACE = /\s+/gu;

/** How much of each buyer-given text an alert, a Discord message or a list shows (a real one is far shorter). */
export const SHOWN_LIMITS = { name: 80, plan: 120, ref: 64, reason: 400 } as const;

/**
 * Text from a buyer, a plan or an upstream as a person is shown it (alerts, Discord, the admin
 * page): the characters `isCleanText` refuses from support and the invisible ones removed, every
 * run of spaces, tabs and line breaks made one space, trimmed, and cut to `max` characters — so
 * a 4,000-character name, or one with line breaks and right-to-left overrides, can neither push
 * the cause and the link out of an alert nor read otherwise than it is. Linear (character
 * classes, nothing to backtrack).
 */
export function shownText(value: string, max: number): string {
  return cut(value.replace(UNSHOWN, '').replace(RUNS_OF_SPACE, ' ').trim(), max);
}
