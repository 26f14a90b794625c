/**
 * JSON as a signed delivery must be: parsed from exactly the bytes the signature covers, with no
 * key repeated in any object (JSON.parse would silently keep the last one, so two readers of the
 * same bytes could see two different orders) and no deeper than a real delivery ever is (deeper
 * values would blow the stack of whatever walks them later).
 */

/** Kiwify's bodies nest four levels (Subscription.customer_access.access_until); 32 is ample. */
export const MAX_DEPTH = 32;

export type StrictJsonProblem = 'invalid' | 'too_deep' | 'duplicate_key';
export type StrictJson = { ok: true; value: unknown } | { ok: false; problem: StrictJsonProblem };

/**
 * Every string literal, in order, and whether a colon follows it (a key). In valid JSON no `"`
 * appears outside a string, so scanning from the start visits exactly the literals. Linear: the
 * two alternatives of the loop never overlap.
 */
const STRING_LITERAL = /"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?/g;

function keysInText(text: string): number {
  let keys = 0;
  STRING_LITERAL.lastIndex = 0;
  for (let m = STRING_LITERAL.exec(text); m !== null; m = STRING_LITERAL.exec(text)) {
    if (m[1] !== undefined) keys += 1;
  }
  return keys;
}

/** Keys of every object in the parsed value, or -1 when it nests deeper than MAX_DEPTH. Iterative. */
function keysInValue(root: unknown): number {
  let keys = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_DEPTH) return -1;
    const children = Array.isArray(value) ? value : Object.values(value);
    if (!Array.isArray(value)) keys += children.length;
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return keys;
}

/**
 * Parses `text` strictly. A key repeated within one object makes the parsed value hold fewer keys
 * than the text spells out, so comparing the two counts finds a duplicate at any depth.
 */
export function parseStrictJson(text: string): StrictJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'invalid' };
  }
  const parsedKeys = keysInValue(value);
  if (parsedKeys < 0) return { ok: false, problem: 'too_deep' };
  if (keysInText(text) !== parsedKeys) return { ok: false, problem: 'duplicate_key' };
  return { ok: true, value };
}
