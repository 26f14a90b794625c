import { isCleanText } from './clean-text.js';

/** Longest note support may write: a resolution's, an access change's. */
export const MAX_NOTE = 500;

/**
 * A note support wrote, as it is kept: on one line, at most MAX_NOTE characters. Refused with
 * control characters (`bad_note`), missing when nothing but spaces (`no_note`).
 */
export function supportNote(note: string): { text: string } | { problem: 'bad_note' | 'no_note' } {
  if (!isCleanText(note, { multiline: true })) return { problem: 'bad_note' };
  const text = note.replace(/\s+/g, ' ').trim().slice(0, MAX_NOTE);
  return text ? { text } : { problem: 'no_note' };
}
