/**
 * Text from outside (a buyer's name, a plan's name, an e-mail, a note, an upstream's error) as
 * Discord must show it: literally. Discord reads markdown in messages and embeds — a name
 * `[Suporte: clique](https://…)` would be a masked link, `# x` a heading, `<@123>` a mention
 * pill, `@everyone` a highlighted mass mention (never a ping: every message also says
 * `allowed_mentions: { parse: [] }`). A backslash before each character Discord gives a meaning
 * to makes it plain text, shown as typed.
 */

/** Characters Discord's markdown or mentions act on: emphasis, code, spoilers, quotes, headings, lists, links, mentions, emoji. */
const SPECIAL = /[\\*_~`|>#\-[\]()<@:]/g;

/** `text` shown literally by Discord (one linear pass: a character class, nothing to backtrack). */
export function escapeMarkdown(text: string): string {
  return text.replace(SPECIAL, '\\$&');
}

/** An alert's heading as the messages write it: an emoji, then `*Falha:*` (bounded, anchored: linear). */
const HEADING = /^(\S{1,4}) \*([^*\n]{1,120})\*/u;

/** The heading of an alert the bridge wrote ("🚨 *Falha:* …" → 🚨, "Falha:", the rest), if it has one. */
export function alertHeadingParts(text: string): { emoji: string; title: string; rest: string } | undefined {
  const heading = HEADING.exec(text);
  return heading ? { emoji: heading[1], title: heading[2], rest: text.slice(heading[0].length) } : undefined;
}

/**
 * An alert's text (written for WhatsApp: `🚨 *Falha:* …`) for a Discord message: the heading the
 * bridge wrote in bold, everything after it — buyer and upstream text among it — escaped; then
 * the links the bridge wrote to its own panel (`panelUrl`) made links again, in `<…>` (Discord
 * shows them without a preview). A buyer's text that spells the panel's address becomes a link
 * to the panel too, nothing else: only that exact address is restored.
 */
export function alertTextForDiscord(text: string, panelUrl?: string): string {
  const heading = alertHeadingParts(text);
  const escaped = heading ? `${heading.emoji} **${heading.title}**${escapeMarkdown(heading.rest)}` : escapeMarkdown(text);
  return panelUrl ? restorePanelLinks(escaped, panelUrl) : escaped;
}

/** `https\://panel/admin/events/14` (escaped) → `<https://panel/admin/events/14>`; one linear pass. */
function restorePanelLinks(escaped: string, panelUrl: string): string {
  const base = panelUrl.replace(/\/+$/, '');
  const escapedBase = escapeMarkdown(`${base}/admin`);
  const pattern = new RegExp(`${escapeRegExp(escapedBase)}(/events/\\d{1,12})?`, 'g');
  return escaped.replace(pattern, (_all, page: string | undefined) => `<${base}/admin${page ?? ''}>`);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
