import { cut } from '../domain/text.js';
import {
  ComponentType,
  InteractionType,
  MessageFlags,
  TextInputStyle,
  type APIInteractionResponseCallbackData,
  type APIMessageTopLevelComponent,
  type APIModalInteractionResponseCallbackData,
} from 'discord-api-types/v10';
import { z } from 'zod';
import { controlCharactersMessage, isCleanText } from '../domain/clean-text.js';
import { connectionLabel } from '../domain/connections.js';
import { cpfDigits } from '../domain/cpf.js';
import type { CustomerKeys } from '../privacy/customer-keys.js';
import { formatTime } from '../domain/messages.js';
import { scrubText } from '../domain/redaction.js';
import type { Store } from '../store/store.js';
import type { CourseCatalog } from '../plans/course-catalog.js';
import { eventDetail } from '../support/event-detail.js';
import { health, MAX_NOTE, resolveEvent, retryEvent, RESOLVE_MESSAGES, RETRY_MESSAGES } from '../support/support-actions.js';
import { summarize } from '../support/present.js';
import { COMMAND_NAME, SUBCOMMANDS } from './commands.js';
import { eventEmbed } from './event-embed.js';
import { fitMessage } from './discord-limits.js';
import { escapeMarkdown as md } from './discord-markdown.js';
import { customId, eventButtons, MAX_ROWS, panelLink, parseCustomId, retryMayHelp, withoutActions } from './components.js';

/**
 * The support console: what each slash command, button and modal does, as the admin API does it
 * (the same support use cases, rules and pt-BR answers), and who may use it. Answers to commands
 * are ephemeral (only the person who asked sees them: they carry personal data); a button on an
 * alert edits that message to say who did what.
 */

export interface ConsoleDeps {
  store: Store;
  customerKeys: CustomerKeys;
  /** DISCORD_GUILD_ID: the school's server. */
  guildId: string;
  /** DISCORD_SUPPORT_ROLE_ID: who may act. */
  supportRoleId: string;
  /** The server's public address, for "Abrir no painel" (omitted when unknown). */
  panelUrl?: string;
  /** Course names in stories. */
  catalog?: CourseCatalog;
  /** Wakes the worker after an event was put back in the queue. */
  onRetry?: () => void;
  retentionDays?: number;
}

const snowflake = z.string().max(32);
const userSchema = z.object({ id: snowflake, username: z.string().max(100).optional(), global_name: z.string().max(100).nullish() });

/** The fields of an interaction the console reads (Discord sends many more). */
export const interactionSchema = z.object({
  type: z.enum(InteractionType),
  token: z.string().max(1000).optional(),
  guild_id: snowflake.optional(),
  member: z.object({ user: userSchema.optional(), roles: z.array(snowflake).max(1000) }).optional(),
  user: userSchema.optional(),
  data: z.unknown().optional(),
  message: z
    .object({ content: z.string().max(4000).optional(), components: z.unknown().optional(), flags: z.number().optional() })
    .optional(),
});

export type Interaction = z.infer<typeof interactionSchema>;

interface CommandOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  options?: CommandOption[];
}

const optionSchema: z.ZodType<CommandOption> = z.lazy(() =>
  z.object({
    name: z.string().max(100),
    type: z.number().int(),
    value: z.union([z.string().max(4000), z.number(), z.boolean()]).optional(),
    options: z.array(optionSchema).max(25).optional(),
  }),
);
const commandDataSchema = z.object({ name: z.string().max(100), options: z.array(optionSchema).max(25).optional() });
const componentDataSchema = z.object({ custom_id: z.string().max(100) });

/** What the console answers; the route turns it into Discord's response (now, or deferred and edited). */
export type ConsoleAnswer =
  | { kind: 'reply'; data: APIInteractionResponseCallbackData }
  | { kind: 'update'; data: APIInteractionResponseCallbackData }
  | { kind: 'modal'; data: APIModalInteractionResponseCallbackData };

/** Who pressed or typed: a member of the school's server holding the support role. */
export interface Actor {
  id: string;
  name: string;
}

const CONTENT_LIMIT = 2000;
const NOTE_INPUT = 'nota';
/** Longest `busca` searched (the command's max_length). */
const MAX_SEARCH = 200;

export const ANSWERS = {
  noPermission:
    '🚫 Sem permissão: só quem tem o cargo de suporte no servidor da escola pode usar a ponte. Peça o cargo a quem administra o servidor.',
  unknownCommand: 'Comando desconhecido. Use /ponte status, falhas, evento, reprocessar ou resolver.',
  badId: 'Informe o número do evento (ex.: 42), como aparece no alerta ou no painel.',
  noSearch: 'Informe o que buscar: #número do evento, código do pedido, CPF ou e-mail do comprador.',
  notFound: 'Nenhum evento encontrado para essa busca.',
  noNote: 'Informe uma nota dizendo como foi resolvido.',
  unknownButton: 'Este botão não é mais reconhecido. Use /ponte evento para ver o evento.',
  unavailable: 'Não foi possível consultar a ponte agora. Tente de novo em instantes.',
} as const;

/** An ephemeral answer: only the person who asked sees it (within Discord's limits, whatever it holds). */
export function reply(content: string, extra: Omit<APIInteractionResponseCallbackData, 'content' | 'flags'> = {}): ConsoleAnswer {
  return {
    kind: 'reply',
    data: fitMessage({ content, flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] }, ...extra }),
  };
}

/** The member acting, or undefined when they may not (another server, a DM, no support role). */
export function actorOf(deps: Pick<ConsoleDeps, 'guildId' | 'supportRoleId'>, interaction: Interaction): Actor | undefined {
  const member = interaction.member;
  if (interaction.guild_id !== deps.guildId || !member?.user || !member.roles.includes(deps.supportRoleId)) return undefined;
  const name = (member.user.username ?? member.user.global_name ?? member.user.id).replace(/[^\p{L}\p{N}._-]/gu, '').slice(0, 40);
  return { id: member.user.id, name: name || member.user.id };
}

/** How the story names the person: `pelo Discord (@ana, 1234)`. */
export function viaOf(actor: Actor): string {
  return `pelo Discord (@${actor.name}, ${actor.id})`;
}

/** Answers an interaction from a support member (PING and permissions are the route's). */
export async function answer(deps: ConsoleDeps, interaction: Interaction, actor: Actor): Promise<ConsoleAnswer> {
  switch (interaction.type) {
    case InteractionType.ApplicationCommand:
      return command(deps, interaction, actor);
    case InteractionType.MessageComponent:
      return button(deps, interaction, actor);
    case InteractionType.ModalSubmit:
      return modal(deps, interaction, actor);
    default:
      return reply(ANSWERS.unknownCommand);
  }
}

// ---------------------------------------------------------------- slash commands

async function command(deps: ConsoleDeps, interaction: Interaction, actor: Actor): Promise<ConsoleAnswer> {
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
  const h = await health(deps.store, deps.retentionDays);
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
  const rows = await deps.store.events.list({ status: 'failed', limit: 10 });
  if (rows.length === 0) return reply('✅ Nenhuma falha precisando de atenção.');
  const total = (await deps.store.events.countByStatus()).failed;
  const lines = [`**Falhas precisando de atenção: ${total}**${total > rows.length ? ` (as ${rows.length} mais recentes)` : ''}`];
  for (const e of rows.map(summarize)) {
    const ref = e.orderRef ?? e.orderId;
    lines.push(
      `**#${e.id}** ${e.label}${ref ? ` · pedido ${md(ref)}` : ''}${e.plan ? ` · ${md(e.plan)}` : ''}${e.customerName ? ` · ${md(cut(e.customerName, 80))}` : ''} — ${e.reason ?? 'falhou'}`,
    );
  }
  const components: APIMessageTopLevelComponent[] = [];
  for (const e of rows.slice(0, MAX_ROWS)) {
    const row = eventButtons({
      eventId: e.id,
      retry: e.personal_data_removed_at === null && retryMayHelp(e.last_error_code),
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
  const ids = await searchEvents(deps, search);
  if (ids.length === 0) return reply(ANSWERS.notFound);
  const d = await eventDetail(deps.store, deps.catalog, ids[0]);
  if (!d) return reply(ANSWERS.notFound);
  const others = ids.slice(1, 11);
  const row = eventButtons({ eventId: d.id, retry: d.actions.retry, resolve: d.actions.resolve, link: panelLink(deps.panelUrl, d.id) });
  return reply(others.length > 0 ? `Outros eventos encontrados: ${others.map((id) => `#${id}`).join(', ')}` : '', {
    embeds: [eventEmbed(d)],
    components: row ? [row] : [],
  });
}

/** Event ids matching a search, newest first: `#42`, a CPF (the events filed under it), an e-mail, an order. */
async function searchEvents(deps: ConsoleDeps, search: string): Promise<number[]> {
  const { store } = deps;
  const hash = /^#\s*(\d{1,15})$/.exec(search);
  if (hash) return (await store.events.get(Number(hash[1]))) ? [Number(hash[1])] : [];
  const digits = cpfDigits(search);
  if (/^[\d.\-\s/]+$/.test(search) && (digits.length === 11 || digits.length === 14)) {
    const events = await store.privacy.eventsOf(deps.customerKeys.lookup(`cpf:${digits}`));
    if (events.length > 0) return events.map((e) => e.id).reverse();
  }
  if (/^\d{1,12}$/.test(search) && (await store.events.get(Number(search)))) return [Number(search)];
  return (await store.events.list({ q: search, limit: 11 })).map((e) => e.id);
}

async function retry(deps: ConsoleDeps, eventId: number, actor: Actor): Promise<ConsoleAnswer> {
  const result = await retryEvent(deps.store, eventId, viaOf(actor));
  if (result !== 'queued') return reply(RETRY_MESSAGES[result].message);
  deps.onRetry?.();
  return reply(`🔁 Evento #${eventId} de volta na fila: será processado agora, continuando de onde parou.`);
}

async function resolve(deps: ConsoleDeps, eventId: number, note: string, actor: Actor): Promise<ConsoleAnswer> {
  const result = await resolveEvent(deps.store, eventId, note, viaOf(actor));
  if (result === 'no_note') return reply(ANSWERS.noNote);
  if (result !== 'resolved') return reply(RESOLVE_MESSAGES[result].message);
  return reply(`✅ Evento #${eventId} marcado como resolvido: ${md(cut(note.replace(/\s+/g, ' ').trim(), MAX_NOTE))}`);
}

// ---------------------------------------------------------------- buttons and the note modal

/** The message a button belongs to, with a line saying who did what and the event's buttons gone. */
function updated(interaction: Interaction, eventId: number, line: string): ConsoleAnswer {
  const previous = interaction.message?.content ?? '';
  let content = previous ? `${previous}\n${line}` : line;
  if (content.length > CONTENT_LIMIT) content = `…${content.slice(content.length - CONTENT_LIMIT + 1)}`;
  return {
    kind: 'update',
    data: fitMessage({ content, components: withoutActions(interaction.message?.components, eventId), allowed_mentions: { parse: [] } }),
  };
}

async function button(deps: ConsoleDeps, interaction: Interaction, actor: Actor): Promise<ConsoleAnswer> {
  const data = componentDataSchema.safeParse(interaction.data);
  const target = data.success ? parseCustomId(data.data.custom_id) : undefined;
  if (!target) return reply(ANSWERS.unknownButton);
  const { eventId } = target;
  if (target.action === 'retry') {
    const result = await retryEvent(deps.store, eventId, viaOf(actor));
    if (result !== 'queued') return reply(RETRY_MESSAGES[result].message);
    deps.onRetry?.();
    return interaction.message
      ? updated(interaction, eventId, `✅ #${eventId} reprocessado por @${md(actor.name)}`)
      : reply(`🔁 Evento #${eventId} de volta na fila.`);
  }
  if (target.action === 'resolve') {
    // Said now rather than after the note is typed: the event may have changed meanwhile.
    const event = await deps.store.events.get(eventId);
    if (!event) return reply(RESOLVE_MESSAGES.not_found.message);
    if (event.status === 'processing') return reply(RESOLVE_MESSAGES.running.message);
    if (event.status !== 'failed' && event.status !== 'retrying') return reply(RESOLVE_MESSAGES.not_resolvable.message);
    return {
      kind: 'modal',
      data: {
        custom_id: customId('note', eventId),
        title: `Resolver o evento #${eventId}`,
        components: [
          {
            type: ComponentType.ActionRow,
            components: [
              {
                type: ComponentType.TextInput,
                custom_id: NOTE_INPUT,
                label: 'Como foi resolvido?',
                placeholder: 'ex.: cadastrado à mão no EAD',
                style: TextInputStyle.Paragraph,
                required: true,
                max_length: MAX_NOTE,
              },
            ],
          },
        ],
      },
    };
  }
  return reply(ANSWERS.unknownButton);
}

/** The value of a modal's text input, wherever Discord nests it (action rows, or labels). */
function inputValue(node: unknown, id: string, depth = 0): string | undefined {
  if (depth > 4 || !node || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) {
    for (const item of node.slice(0, 10)) {
      const found = inputValue(item, id, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const record = node as Record<string, unknown>;
  if (record.custom_id === id && typeof record.value === 'string') return record.value;
  return inputValue(record.components, id, depth + 1) ?? inputValue(record.component, id, depth + 1);
}

async function modal(deps: ConsoleDeps, interaction: Interaction, actor: Actor): Promise<ConsoleAnswer> {
  const data = componentDataSchema.safeParse(interaction.data);
  const target = data.success ? parseCustomId(data.data.custom_id) : undefined;
  if (!target || target.action !== 'note') return reply(ANSWERS.unknownButton);
  // Discord's text input takes MAX_NOTE characters; nothing beyond a few times that is even looked at.
  const note = (inputValue((interaction.data as { components?: unknown }).components, NOTE_INPUT) ?? '').slice(0, MAX_NOTE * 4);
  const result = await resolveEvent(deps.store, target.eventId, note, viaOf(actor));
  if (result === 'no_note') return reply(ANSWERS.noNote);
  if (result !== 'resolved') return reply(RESOLVE_MESSAGES[result].message);
  const shown = md(scrubText(cut(note.replace(/\s+/g, ' ').trim(), 300)));
  if (!interaction.message) return reply(`✅ Evento #${target.eventId} marcado como resolvido: ${shown}`);
  // A channel message (an alert) is not private, and a note may name the buyer in full: there
  // the note stays in the event's story and the message says only who resolved it.
  const ephemeral = ((interaction.message.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
  return updated(
    interaction,
    target.eventId,
    ephemeral
      ? `✅ #${target.eventId} resolvido por @${md(actor.name)}: ${shown}`
      : `✅ #${target.eventId} resolvido por @${md(actor.name)} (a nota está na história do evento)`,
  );
}
