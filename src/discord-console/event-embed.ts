import type { APIEmbed } from 'discord-api-types/v10';
import { formatDay, formatTime } from '../domain/messages.js';
import { shownText } from '../domain/clean-text.js';
import { cut } from '../domain/text.js';
import { STATUS_LABELS, type EventDetail } from '../support/present.js';
import { DISCORD_LIMITS } from './discord-limits.js';
import { escapeMarkdown as md } from './discord-markdown.js';

/** Room the description keeps for the "… N passo(s) anteriores" line. */
const DESCRIPTION_BUDGET = DISCORD_LIMITS.description - 100;

/**
 * `/ponte evento`'s answer: an event's situation, buyer (CPF masked) and story, newest steps
 * first to be kept. Everything the buyer, support or an upstream wrote is escaped (shown
 * literally: a masked CPF's asterisks are not emphasis, a name is not a link).
 */
export function eventEmbed(d: EventDetail): APIEmbed {
  const value = (text: string | null | undefined, max = 200) => (text ? md(shownText(text, max)) : '—');
  const head = [
    `**Situação:** ${d.statusLabel} (${d.runs} tentativa(s))`,
    `**Pedido:** ${value(d.orderRef ?? d.orderId, 100)} · **Plano:** ${value(d.plan)}${d.accessUntil ? ` · acesso até ${formatDay(Date.parse(d.accessUntil))}` : ''}`,
    `**Cliente:** ${value(d.customer.name)} · ${value(d.customer.email)} · CPF ${value(d.customer.cpf, 20)}`,
  ];
  if (d.reason) head.push(`**Motivo:** ${d.reason}${d.actions.todo ? ` — ${d.actions.todo}` : ''}`);
  if (d.lastError) head.push(`**Último erro:** ${value(d.lastError, 300)}`);
  if (d.outcome) head.push(`**Resultado:** ${value(d.outcome, 300)}`);
  const story = d.story.map((s) => `\`${formatTime(Date.parse(s.at))}\` ${md(cut(s.text, 400))}`);
  // The newest steps matter most: drop the oldest ones that do not fit.
  const body = [...head, '**História:**'];
  let size = body.join('\n').length;
  const kept: string[] = [];
  for (const line of story.reverse()) {
    if (size + line.length + 1 > DESCRIPTION_BUDGET) break;
    kept.unshift(line);
    size += line.length + 1;
  }
  if (kept.length < story.length) body.push(`… ${story.length - kept.length} passo(s) anteriores no painel.`);
  return { title: cut(`#${d.id} ${d.label} — ${STATUS_LABELS[d.status]}`, 250), description: [...body, ...kept].join('\n') };
}
