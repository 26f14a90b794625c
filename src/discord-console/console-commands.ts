import { connectionLabel } from '../domain/connections.js';
import { controlCharactersMessage, isCleanText, SHOWN_LIMITS, shownText } from '../domain/clean-text.js';
import { formatTime } from '../domain/messages.js';
import { cut } from '../domain/text.js';
import type { APIMessageTopLevelComponent } from 'discord-api-types/v10';
import { MAX_NOTE } from '../domain/support-note.js';
import { RESOLVE_MESSAGES, RETRY_MESSAGES } from '../replay/event-replay.js';
import { RESEND_MESSAGES } from '../support/welcome-resend.js';
import { summarize } from '../support/present.js';
import {
  ANSWERS,
  commandDataSchema,
  reply,
  viaOf,
  type Actor,
  type ConsoleAnswer,
  type ConsoleDeps,
  type Interaction,
} from './console-answers.js';
import { COMMAND_NAME, SUBCOMMANDS } from './commands.js';
import { eventButtons, MAX_ROWS, panelLink, retryMayHelp } from './components.js';
import { escapeMarkdown as md } from './discord-markdown.js';
import { eventEmbed } from './event-embed.js';

/** The slash commands of the support console: `/ponte status`, `falhas`, `evento`, `reprocessar`, `resolver`, `boas-vindas`. */

/** Longest `busca` searched (the command's max_length). */
const MAX_SEARCH = 200;

/** A slash command: `/ponte status|falhas|evento|reprocessar|resolver|boas-vindas`. */
export async function command(deps: ConsoleDeps, interaction: Interaction, actor: Actor): Promise<ConsoleAnswer> {
  const data = commandDataSchema.safeParse(interaction.data);
  if (!data.success || data.data.name !== COMMAND_NAME) return reply(ANSWERS.unknownCommand);
  const sub = data.data.options?.[0];
  if (!sub || sub.type !== 1) return reply(ANSWERS.unknownCommand);
  const option = (name: string) => sub.options?.find((o) => o.name === name)?.value;
  switch (sub.name) {
    case SUBCOMMANDS.status:
      return status(deps);
    case SUBCOMMANDS.failures:
      return failures(deps);
    case SUBCOMMANDS.event:
      return findEvent(deps, option('busca'));
    case SUBCOMMANDS.retry: {
      const id = eventIdOf(option('id'));
      return id === undefined ? reply(ANSWERS.badId) : retry(deps, id, actor);
    }
    case SUBCOMMANDS.resolve: {
      const id = eventIdOf(option('id'));
      if (id === undefined) return reply(ANSWERS.badId);
      const note = option('nota');
      return resolve(deps, id, typeof note === 'string' ? note : '', actor);
    }
    case SUBCOMMANDS.welcome: {
      const id = eventIdOf(option('id'));
      if (id === undefined) return reply(ANSWERS.badId);
      const contact = option('contato');
      return resendWelcome(deps, id, option('canal') === 'email' ? 'email' : 'whatsapp', typeof contact === 'string' ? contact : '', actor);
    }
    default:
      return reply(ANSWERS.unknownCommand);
  }
}

function eventIdOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^#?\d{1,15}$/.test(value.trim()) ? Number(value.trim().replace('#', '')) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function ago(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'menos de 1 min';
  if (minutes < 120) return `${minutes} min`;
  return `${Math.round(minutes / 60)} h`;
}

async function status(deps: ConsoleDeps): Promise<ConsoleAnswer> {
  const h = await deps.desk.health();
  const c = h.counts;
  const lines = [
    '**Situação da ponte Kiwify → EAD**',
    `Na fila: ${c.pending} · Processando: ${c.processing} · Aguardando nova tentativa: ${c.retrying}`,
    `Concluídos: ${c.done} · Resolvidos: ${c.resolved} · Ignorados: ${c.ignored}`,
    c.failed > 0 ? `🚨 Falhas precisando de atenção: **${c.failed}** (veja com /ponte falhas)` : '✅ Nenhuma falha precisando de atenção.',
    h.oldestDueWaitMs > 0
      ? `${h.workerBehind ? '⚠️ ' : ''}Evento mais antigo esperando: há ${ago(h.oldestDueWaitMs)}${h.workerBehind ? ' — o processamento está atrasado.' : '.'}`
      : 'Nenhum evento esperando na fila.',
  ];
  if (h.connections.length > 0) {
    lines.push('**Conexões**');
    for (const check of h.connections) {
      const label = connectionLabel(check.name);
      lines.push(
        check.ok
          ? `✅ ${label}: ok (verificada em ${formatTime(Date.parse(check.checkedAt))})`
          : `🔌 ${label}: falhando desde ${formatTime(Date.parse(check.since))}${check.detail ? ` — ${md(cut(check.detail, 200))}` : ''}`,
      );
    }
  } else {
    lines.push('Conexões: ainda não verificadas.');
  }
  const r = h.reconciliation;
  if (r) {
    lines.push(
      r.error
        ? `⚠️ Conciliação com a Kiwify falhou em ${formatTime(Date.parse(r.lastRunAt))}: ${md(cut(r.error, 200))}`
        : `Conciliação com a Kiwify: ${formatTime(Date.parse(r.lastRunAt))} · ${r.found ?? 0} venda(s) conferida(s), ${r.recovered ?? 0} recuperada(s).`,
    );
  }
  for (const channel of h.failingChannels) {
    lines.push(`⚠️ Alertas não entregues em ${channel.channel} desde ${formatTime(Date.parse(channel.since))}.`);
  }
  return reply(lines.join('\n'));
}

async function failures(deps: ConsoleDeps): Promise<ConsoleAnswer> {
  const { events: rows, total } = await deps.desk.failures(10);
  if (rows.length === 0) return reply('✅ Nenhuma falha precisando de atenção.');
  const lines = [`**Falhas precisando de atenção: ${total}**${total > rows.length ? ` (as ${rows.length} mais recentes)` : ''}`];
  for (const e of rows.map(summarize)) {
    const ref = e.orderRef ?? e.orderId;
    lines.push(
      `**#${e.id}** ${e.label}${ref ? ` · pedido ${md(shownText(ref, SHOWN_LIMITS.ref))}` : ''}${e.plan ? ` · ${md(shownText(e.plan, SHOWN_LIMITS.plan))}` : ''}${e.customerName ? ` · ${md(shownText(e.customerName, SHOWN_LIMITS.name))}` : ''} — ${e.reason ?? 'falhou'}`,
    );
  }
  const components: APIMessageTopLevelComponent[] = [];
  for (const e of rows.slice(0, MAX_ROWS)) {
    const row = eventButtons({
      eventId: e.id,
      retry: e.personalDataRemovedAt === null && retryMayHelp(e.lastErrorCode),
      resolve: true,
      link: panelLink(deps.panelUrl, e.id),
      numbered: true,
    });
    if (row) components.push(row);
  }
  if (rows.length > MAX_ROWS) lines.push(`Botões só para as ${MAX_ROWS} primeiras; para as outras use /ponte evento.`);
  return reply(lines.join('\n'), { components });
}

async function findEvent(deps: ConsoleDeps, value: unknown): Promise<ConsoleAnswer> {
  if (typeof value === 'string' && !isCleanText(value)) return reply(controlCharactersMessage('A busca'));
  // The command takes 200 characters at most (GUILD_COMMANDS): nothing longer is searched.
  const search = (typeof value === 'string' ? value.slice(0, MAX_SEARCH).trim() : typeof value === 'number' ? String(value) : '').slice(
    0,
    MAX_SEARCH,
  );
  if (!search) return reply(ANSWERS.noSearch);
  const ids = await deps.desk.search(search);
  if (ids.length === 0) return reply(ANSWERS.notFound);
  const d = await deps.desk.detail(ids[0]);
  if (!d) return reply(ANSWERS.notFound);
  const others = ids.slice(1, 11);
  const row = eventButtons({
    eventId: d.id,
    retry: d.actions.retry,
    resolve: d.actions.resolve,
    access: d.actions.changeAccess,
    link: panelLink(deps.panelUrl, d.id),
  });
  return reply(others.length > 0 ? `Outros eventos encontrados: ${others.map((id) => `#${id}`).join(', ')}` : '', {
    embeds: [eventEmbed(d)],
    components: row ? [row] : [],
  });
}

async function retry(deps: ConsoleDeps, eventId: number, actor: Actor): Promise<ConsoleAnswer> {
  const result = await deps.desk.retry(eventId, viaOf(actor));
  if (result !== 'queued') return reply(RETRY_MESSAGES[result].message);
  deps.onRetry?.();
  return reply(`🔁 Evento #${eventId} de volta na fila: será processado agora, continuando de onde parou.`);
}

async function resolve(deps: ConsoleDeps, eventId: number, note: string, actor: Actor): Promise<ConsoleAnswer> {
  const result = await deps.desk.resolve(eventId, note, viaOf(actor));
  if (result === 'no_note') return reply(ANSWERS.noNote);
  if (result !== 'resolved') return reply(RESOLVE_MESSAGES[result].message);
  return reply(`✅ Evento #${eventId} marcado como resolvido: ${md(cut(note.replace(/\s+/g, ' ').trim(), MAX_NOTE))}`);
}

/** Longest contact looked at (the command's max_length). */
const MAX_CONTACT = 320;

async function resendWelcome(
  deps: ConsoleDeps,
  eventId: number,
  channel: 'whatsapp' | 'email',
  contact: string,
  actor: Actor,
): Promise<ConsoleAnswer> {
  const result = await deps.desk.resendWelcome(eventId, { channel, contact: contact.slice(0, MAX_CONTACT) }, viaOf(actor));
  if (result !== 'queued') return reply(RESEND_MESSAGES[result].message);
  deps.onRetry?.();
  return reply(
    `📨 Evento #${eventId}: as boas-vindas serão reenviadas por ${channel === 'email' ? 'e-mail' : 'WhatsApp'} (a correção fica na história do evento).`,
  );
}
