/**
 * An upstream's text (an error page, a refusal, an answer support will read) reduced to one short
 * line, in time linear in a capped prefix of it: the text is cut first, then scanned with
 * indexOf from positions that only move forward. No regular expression that can backtrack ever
 * runs over it (an 80 KB unclosed `<script` cost a backtracking one 0.6 s, 400 KB 19 s).
 */

/** Characters of an upstream's text ever looked at: an error line needs the start of a page, not all of it. */
export const MAX_SCANNED = 64 * 1024;

const HTML_MARKERS = ['<!doctype', '<html', '<head', '<body', '<title', '<div', '<p', '<h1'];
/** Elements whose content is code, not text: dropped with their content. */
const RAW_ELEMENTS = ['script', 'style'];

/**
 * ASCII letters lowered, nothing else: the same length as `text`, so an index found in it is an
 * index in `text` (String#toLowerCase may lengthen a string: "İ" becomes two units).
 */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

/** Whether `lower[at]` starts a tag named `name`: `<name` followed by the end of the name. */
function startsTag(lower: string, at: number, name: string): boolean {
  if (!lower.startsWith(name, at)) return false;
  const next = lower.charCodeAt(at + name.length);
  // End of text, whitespace, `>` or `/`: not a longer name (`<pre` is not `<p`).
  return Number.isNaN(next) || next <= 0x20 || next === 0x3e || next === 0x2f;
}

/** Whether the text is an HTML page (a CDN's error, a login page) rather than an API's words. */
function looksLikeHtml(lower: string): boolean {
  for (let at = lower.indexOf('<'); at >= 0; at = lower.indexOf('<', at + 1)) {
    if (HTML_MARKERS.some((marker) => startsTag(lower, at, marker))) return true;
  }
  return false;
}

/** The text of the page's first `<title>…</title>`, when it has one. */
function titleOf(text: string, lower: string): string | undefined {
  for (let at = lower.indexOf('<title'); at >= 0; at = lower.indexOf('<title', at + 1)) {
    if (!startsTag(lower, at, '<title')) continue;
    const open = lower.indexOf('>', at);
    if (open < 0) return undefined;
    const close = lower.indexOf('</title', open);
    return close < 0 ? undefined : text.slice(open + 1, close);
  }
  return undefined;
}

/** The text without markup: tags become spaces; `<script>`/`<style>` go with their content (an unclosed one, to the end). */
function textOfHtml(text: string, lower: string): string {
  const parts: string[] = [];
  let from = 0;
  while (from < text.length) {
    const at = lower.indexOf('<', from);
    if (at < 0) {
      parts.push(text.slice(from));
      break;
    }
    parts.push(text.slice(from, at));
    const raw = RAW_ELEMENTS.find((name) => startsTag(lower, at, `<${name}`));
    const close = raw ? lower.indexOf(`</${raw}`, at) : at;
    const end = close < 0 ? -1 : lower.indexOf('>', close);
    if (end < 0) {
      // A `<` that opens no tag is text ("a < b"); an unclosed script is code to the end.
      if (!raw) parts.push(text.slice(at));
      break;
    }
    parts.push(' ');
    from = end + 1;
  }
  return parts.join('');
}

/** `text` with every run of whitespace made one space, trimmed (a regex without backtracking). */
export function oneSpaced(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * An upstream's text in one short line. An HTML page is told by its title, or its text without
 * markup — never pasted whole into an error or an alert. At most `max` characters (then "…").
 */
export function upstreamLine(text: string, max = 200): string {
  const head = text.length > MAX_SCANNED ? text.slice(0, MAX_SCANNED) : text;
  const lower = asciiLower(head);
  let flat = head;
  if (looksLikeHtml(lower)) {
    const title = titleOf(head, lower)?.trim();
    flat = title ? `página HTML "${title}"` : `página HTML: ${textOfHtml(head, lower)}`;
  }
  return capped(oneSpaced(flat), max);
}

/**
 * Any stored text (an error, an outcome) as support sees it: one line, no markup, at most `max`
 * characters. The clients already shorten upstream pages; whatever still looks like markup is
 * reduced here.
 */
export function plainLine(text: string, max = 300): string {
  const head = text.length > MAX_SCANNED ? text.slice(0, MAX_SCANNED) : text;
  return capped(oneSpaced(textOfHtml(head, asciiLower(head))), max);
}

function capped(flat: string, max: number): string {
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
