import { messages } from '../domain/messages.js';
import { cut } from '../domain/text.js';

export { cut };

const SEPARATOR = '\n\n';

/**
 * One message for a channel out of the alerts waiting for it: a single alert as is, several
 * merged into a numbered summary; never longer than the channel's limit (what does not fit is
 * counted, and stays visible on the admin page, linked when `panelUrl` is known).
 */
export function composeAlert(texts: string[], limit: number, panelUrl?: string): string {
  if (texts.length === 1) return cut(texts[0], limit);
  const header = messages.alertsMerged(texts.length);
  let body = header;
  for (let i = 0; i < texts.length; i += 1) {
    const entry = `${SEPARATOR}${i + 1}) ${texts[i]}`;
    const omitted = texts.length - i - 1;
    const footer = omitted > 0 ? `${SEPARATOR}${messages.alertsOmitted(omitted, panelUrl)}` : '';
    if (body.length + entry.length + footer.length <= limit) {
      body += entry;
      continue;
    }
    if (i === 0) {
      // Even one entry does not fit: show the start of it rather than nothing.
      return `${cut(body + entry, limit - footer.length)}${footer}`;
    }
    const tail = `${SEPARATOR}${messages.alertsOmitted(texts.length - i, panelUrl)}`;
    return cut(body + tail, limit);
  }
  return body;
}
