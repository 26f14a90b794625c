import {
  InteractionType,
  MessageFlags,
  type APIInteractionResponseCallbackData,
  type APIModalInteractionResponseCallbackData,
} from 'discord-api-types/v10';
import { z } from 'zod';
import type { ConsolePort } from './console-port.js';
import { fitMessage } from './discord-limits.js';

/**
 * What the support console reads of an interaction, what it answers, to whom, and with what:
 * shared by its slash commands (console-commands.ts) and its buttons and modal (console-buttons.ts).
 */

export interface ConsoleDeps {
  /** What the console may do with the bridge (the support use cases). */
  desk: ConsolePort;
  /** DISCORD_GUILD_ID: the school's server. */
  guildId: string;
  /** DISCORD_SUPPORT_ROLE_ID: who may act. */
  supportRoleId: string;
  /** The server's public address, for "Abrir no painel" (omitted when unknown). */
  panelUrl?: string;
  /** Wakes the worker after an event was put back in the queue. */
  onRetry?: () => void;
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
export const commandDataSchema = z.object({ name: z.string().max(100), options: z.array(optionSchema).max(25).optional() });
export const componentDataSchema = z.object({ custom_id: z.string().max(100) });

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

export const ANSWERS = {
  noPermission:
    '🚫 Sem permissão: só quem tem o cargo de suporte no servidor da escola pode usar a ponte. Peça o cargo a quem administra o servidor.',
  unknownCommand: 'Comando desconhecido. Use /ponte status, falhas, evento, reprocessar, resolver ou boas-vindas.',
  badId: 'Informe o número do evento (ex.: 42), como aparece no alerta ou no painel.',
  noSearch: 'Informe o que buscar: #número do evento, código do pedido, CPF ou e-mail do comprador.',
  notFound: 'Nenhum evento encontrado para essa busca.',
  noNote: 'Informe uma nota dizendo como foi resolvido.',
  noAccessNote: 'Informe uma nota dizendo por que (ex.: disputa do chargeback ganha pela escola).',
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

/** How the story names the person: `pelo Discord (@ana, 1234)`. */
export function viaOf(actor: Actor): string {
  return `pelo Discord (@${actor.name}, ${actor.id})`;
}
