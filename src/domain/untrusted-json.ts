/**
 * The one parser for JSON from outside: webhook deliveries, every upstream's answer. Its depth
 * and size are checked by a linear scan of the text BEFORE JSON.parse sees it (a 2 MB `[[[[…`
 * of a million levels would otherwise cost JSON.parse the heap), and, for a signed delivery, a
 * key repeated in any object is refused (JSON.parse would silently keep the last one, so two
 * readers of the same bytes could see two different orders).
 */

/** Kiwify's bodies nest four levels (Subscription.customer_access.access_until), upstream answers a few more; 32 is ample. */
export const MAX_DEPTH = 32;
/** Largest text parsed when the caller names no limit (the clients' answer cap). */
export const MAX_JSON_CHARS = 2 * 1024 * 1024;

export type JsonProblem = 'invalid' | 'too_deep' | 'too_large' | 'duplicate_key';
export type UntrustedJson = { ok: true; value: unknown } | { ok: false; problem: JsonProblem };

export interface JsonLimits {
  /** Deepest nesting of objects and arrays (the top level counts as 1). */
  maxDepth?: number;
  /** Longest text (in UTF-16 units) looked at. */
  maxChars?: number;
  /**
   * `refuse`: a key repeated within one object makes the whole text a `duplicate_key` (signed
   * deliveries). `last`: JSON.parse's own rule (an upstream's answer).
   */
  duplicateKeys?: 'refuse' | 'last';
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;

/**
 * One pass over the text: the nesting of `{`/`[` outside strings (stopping at the first level
 * past `maxDepth`) and how many keys it spells out (in valid JSON a colon outside a string
 * follows a key and nothing else). Invalid text may be mis-counted: JSON.parse refuses it next.
 */
function scan(text: string, maxDepth: number): { tooDeep: boolean; keys: number } {
  let depth = 0;
  let keys = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
      if (depth > maxDepth) return { tooDeep: true, keys };
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth -= 1;
    else if (c === COLON) keys += 1;
  }
  return { tooDeep: false, keys };
}

/** Keys of every object in the parsed value (its depth was bounded by the scan). Iterative. */
function keysInValue(root: unknown): number {
  let keys = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    const children = Array.isArray(value) ? (value as unknown[]) : Object.values(value);
    if (!Array.isArray(value)) keys += children.length;
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push(child);
  }
  return keys;
}

/**
 * Parses `text` within `limits`: too long or too deep is refused before any parsing; with
 * `duplicateKeys: 'refuse'`, a key repeated within one object makes the parsed value hold fewer
 * keys than the text spells out, so comparing the two counts finds a duplicate at any depth.
 * Linear in the text, and never throws.
 */
export function parseUntrustedJson(text: string, limits: JsonLimits = {}): UntrustedJson {
  const { maxDepth = MAX_DEPTH, maxChars = MAX_JSON_CHARS, duplicateKeys = 'refuse' } = limits;
  if (text.length > maxChars) return { ok: false, problem: 'too_large' };
  const scanned = scan(text, maxDepth);
  if (scanned.tooDeep) return { ok: false, problem: 'too_deep' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'invalid' };
  }
  if (duplicateKeys === 'refuse' && keysInValue(value) !== scanned.keys) return { ok: false, problem: 'duplicate_key' };
  return { ok: true, value };
}
