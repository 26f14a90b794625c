import { cut } from '../domain/text.js';
import type { APIEmbed, APIMessageTopLevelComponent, RESTPostAPIChannelMessageJSONBody } from 'discord-api-types/v10';
import { causeOf } from '../domain/causes.js';
import { eventLabel } from '../domain/event-types.js';
import { isFailing, isResolvable, type InboxEvent } from '../domain/inbox-event.js';
import { messages } from '../domain/messages.js';
import { STATUS_LABELS } from '../support/present.js';
import { scrubText } from '../domain/redaction.js';
import { eventButtons, MAX_ROWS, panelLink, retryMayHelp } from './components.js';
import { DISCORD_LIMITS, embedSize, fitEmbed, fitMessage } from './discord-limits.js';
import { alertHeadingParts, escapeMarkdown } from './discord-markdown.js';
import { SHOWN_LIMITS, shownText } from '../domain/clean-text.js';

/**
 * An alert as the bot posts it in the alert channel: an embed per alert, with buttons for the
 * events that need a person. The channel is not private, so nothing in it names the buyer beyond
 * the first name: the embed is built from the event's facts (order, plan, status, the cause's
 * fixed words), never from the alert's text, which carries the full name and upstream errors.
 * What the buyer typed (name, plan, order reference) is escaped (shown literally, never as
 * markdown or a mention) and cut; a message holds as many alerts as fit Discord's limits, and the
 * rest go in the next message.
 */

/** What an alert's embed shows of its event (read from the inbox when the alert goes out). */
export type AlertEventFacts = Pick<
  InboxEvent,
  'id' | 'eventType' | 'orderRef' | 'orderId' | 'planName' | 'customerName' | 'status' | 'lastErrorCode'
>;

export interface AlertItem {
  text: string;
  eventId: number | null;
  /** The event, when it still exists. */
  event?: AlertEventFacts;
}

const DESCRIPTION_LIMIT = 4000;
const TITLE_LIMIT = 250;
/** A buyer-given value as a channel message shows it: cleaned and cut (shownText), then escaped. */
const shown = (value: string, max: number) => escapeMarkdown(shownText(value, max));

const STATUS_WORDS: Readonly<Record<string, string>> = STATUS_LABELS;

const COLORS: Record<string, number> = { failed: 0xd83c3e, retrying: 0xf0b232, done: 0x23a55a, resolved: 0x23a55a };
const NEUTRAL = 0x5865f2;

/** The buyer's first name only: the one personal datum a channel message may carry. */
export function firstName(name: string | null | undefined): string | undefined {
  const first = name && shownText(name, SHOWN_LIMITS.name).split(' ')[0];
  return first ? first : undefined;
}

/** "🚨 *Falha:* #42 venda aprovada · …" → "🚨 Falha"; a line without a heading, scrubbed. */
export function alertHeading(text: string): string {
  const parts = alertHeadingParts(text);
  const line = text.split('\n', 1)[0] ?? '';
  // The heading the bridge wrote is its own words; a line without one may be anyone's.
  const heading = parts ? `${parts.emoji} ${parts.title.replace(/:$/, '')}` : escapeMarkdown(scrubText(cut(line, TITLE_LIMIT)));
  return cut(heading.replace(/\s+/g, ' ').trim() || '🔔 Alerta', TITLE_LIMIT);
}

/** "#42 venda aprovada · pedido AbC1dEf · Excel PRO · Maria" (first name only). */
export function eventFactsLine(e: AlertEventFacts): string {
  const parts = [`#${e.id} ${eventLabel(e.eventType)}`];
  const ref = e.orderRef ?? e.orderId;
  if (ref) parts.push(`pedido ${shown(ref, SHOWN_LIMITS.ref)}`);
  if (e.planName) parts.push(shown(e.planName, SHOWN_LIMITS.plan));
  const first = firstName(e.customerName);
  if (first) parts.push(escapeMarkdown(first));
  return parts.join(' · ');
}

function embedOf(alert: AlertItem): APIEmbed {
  const title = alertHeading(alert.text);
  const e = alert.event;
  if (!e) {
    // No event (a connection check), or one whose row is gone: the rest of the text, scrubbed.
    const rest =
      alert.eventId === null
        ? escapeMarkdown(
            scrubText(
              (alertHeadingParts(alert.text)?.rest ?? alert.text)
                .slice(0, DESCRIPTION_LIMIT)
                .replace(/^[:\s]+/, '')
                .replace(/\*/g, ''),
            ),
          )
        : '';
    const description = [alert.eventId === null ? '' : `#${alert.eventId}`, rest].filter(Boolean).join('\n');
    return { title, description: cut(description || '—', DESCRIPTION_LIMIT), color: NEUTRAL };
  }
  const lines = [eventFactsLine(e)];
  // A person must act (a failure, or a welcome not sent): what happened and what to do.
  if (isResolvable(e)) {
    const cause = causeOf(e.lastErrorCode);
    lines.push(`**Motivo:** ${cause.reason}`, `**O que fazer:** ${cause.todo}`);
  } else {
    lines.push(`**Situação:** ${STATUS_WORDS[e.status] ?? e.status}`);
  }
  return { title, description: cut(lines.join('\n'), DESCRIPTION_LIMIT), color: COLORS[e.status] ?? NEUTRAL };
}

/**
 * One channel message for the first of the alerts due: one embed each, as many as fit Discord's
 * limits (ten embeds, 6,000 characters in all), with buttons for the events that need a person.
 * `count` says how many alerts it carries; the others wait for the next message.
 */
export function alertMessage(alerts: AlertItem[], panelUrl?: string): { message: RESTPostAPIChannelMessageJSONBody; count: number } {
  const embeds: APIEmbed[] = [];
  let total = 0;
  for (const alert of alerts.slice(0, DISCORD_LIMITS.embeds)) {
    const embed = fitEmbed(embedOf(alert));
    if (embeds.length > 0 && total + embedSize(embed) > DISCORD_LIMITS.embedTotal) break;
    embeds.push(embed);
    total += embedSize(embed);
  }
  const shownAlerts = alerts.slice(0, embeds.length);
  const content: string[] = [];
  if (shownAlerts.length > 1) content.push(messages.alertsMerged(shownAlerts.length).replace(/\*/g, '**'));
  if (alerts.length > shownAlerts.length) content.push(messages.alertsFollow(alerts.length - shownAlerts.length));

  const seen = new Set<number>();
  const events = shownAlerts.flatMap((a) => (a.event && !seen.has(a.event.id) && seen.add(a.event.id) ? [a.event] : []));
  const components: APIMessageTopLevelComponent[] = [];
  for (const e of events) {
    if (components.length >= MAX_ROWS) break;
    const retry = isFailing(e) && retryMayHelp(e.lastErrorCode);
    const row = eventButtons({
      eventId: e.id,
      retry,
      resolve: isResolvable(e),
      link: panelLink(panelUrl, e.id),
      numbered: events.length > 1,
    });
    if (row) components.push(row);
  }
  const message = fitMessage({
    ...(content.length > 0 ? { content: content.join('\n') } : {}),
    embeds,
    components,
    allowed_mentions: { parse: [] },
  });
  return { message, count: shownAlerts.length };
}

/**
 * The same alerts as plain lines, for when Discord refused the message with its embeds: each
 * alert's heading and event, escaped, the whole cut to Discord's 2,000 characters.
 */
export function plainAlertMessage(alerts: AlertItem[]): RESTPostAPIChannelMessageJSONBody {
  const lines = alerts.map((a) => {
    const facts = a.event ? eventFactsLine(a.event) : a.eventId === null ? '' : `#${a.eventId}`;
    return [alertHeading(a.text), facts].filter(Boolean).join(' — ');
  });
  return fitMessage({ content: [...lines, 'Detalhes no painel /admin.'].join('\n'), allowed_mentions: { parse: [] } });
}
