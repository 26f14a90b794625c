import { SHOWN_LIMITS, shownText } from '../../domain/clean-text.js';

export { SHOWN_LIMITS };

/** A buyer's or a plan's text as a page shows it: one line, no invisible or direction-changing characters, cut (shownText); nothing as ''. */
export function shown(value: string | null | undefined, max: number): string {
  return value ? shownText(value, max) : '';
}
