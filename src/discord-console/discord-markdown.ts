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

/**
 * An alert's text (written for WhatsApp: `🚨 *Falha:* …`) for a Discord message: the heading the
 * bridge wrote in bold, everything after it — buyer and upstream text among it — escaped.
 */
export function alertTextForDiscord(text: string): string {
  const heading = HEADING.exec(text);
  if (!heading) return escapeMarkdown(text);
  return `${heading[1]} **${heading[2]}**${escapeMarkdown(text.slice(heading[0].length))}`;
}
