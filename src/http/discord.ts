import express, { Router, type RequestHandler } from 'express';
import {
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  type APIInteractionResponse,
  type RESTPatchAPIInteractionOriginalResponseJSONBody,
  type RESTPostAPIInteractionFollowupJSONBody,
} from 'discord-api-types/v10';
import { actorOf, answer, ANSWERS, interactionSchema, reply, type ConsoleAnswer, type ConsoleDeps } from '../discord/console.js';
import { interactionKey, verifyInteraction } from '../discord/verify.js';
import { systemClock, type Clock } from '../timing/clock.js';
import { sendError } from './errors.js';

/** Finishes a deferred answer once the work is done (Discord's REST API, injected: routes call no client). */
export interface InteractionEditor {
  /** Replaces the "thinking…" answer (a command) or the message the button is on. */
  editOriginal(token: string, message: RESTPatchAPIInteractionOriginalResponseJSONBody): Promise<void>;
  /** A new message after the answer (ephemeral when its flags say so). */
  followUp(token: string, message: RESTPostAPIInteractionFollowupJSONBody): Promise<void>;
}

export interface DiscordRouteDeps extends ConsoleDeps {
  /** DISCORD_PUBLIC_KEY (hex). */
  publicKey: string;
  editor: InteractionEditor;
  clock?: Clock;
  /** Work slower than this is answered "thinking…" and edited when done (Discord waits 3 s at most); 0: always. */
  deferAfterMs?: number;
  /** Told when a deferred edit fails (logged). */
  onEditError?: (err: unknown) => void;
}

/** Interactions are a few KB; a slash command's body is far below this. */
export const INTERACTION_BODY_LIMIT = 64 * 1024;
/** Requests being read and checked at once (each holds at most the limit above). */
const MAX_IN_FLIGHT = 64;
const DEFER_AFTER_MS = 2_000;

/** At most MAX_IN_FLIGHT unauthenticated bodies in memory at once; past it, 429 before a byte is read. */
function inFlightLimit(max: number): RequestHandler {
  let inFlight = 0;
  return (_req, res, next) => {
    if (inFlight >= max) {
      res.setHeader('retry-after', '1');
      return sendError(res, 429, 'Servidor ocupado. Tente de novo em instantes.');
    }
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
    });
    next();
  };
}

function responseOf(a: ConsoleAnswer): APIInteractionResponse {
  if (a.kind === 'modal') return { type: InteractionResponseType.Modal, data: a.data };
  if (a.kind === 'update') return { type: InteractionResponseType.UpdateMessage, data: a.data };
  return { type: InteractionResponseType.ChannelMessageWithSource, data: a.data };
}

/** The "thinking…" answer for work that takes longer than Discord waits. */
function deferredOf(interactionType: InteractionType): APIInteractionResponse {
  return interactionType === InteractionType.ApplicationCommand
    ? { type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: MessageFlags.Ephemeral } }
    : { type: InteractionResponseType.DeferredMessageUpdate };
}

/**
 * Sends a late answer: a command's replaces its "thinking…"; a button's edit replaces the
 * message it is on, while a button's refusal goes as an ephemeral follow-up (never over the alert).
 */
async function finish(editor: InteractionEditor, interactionType: InteractionType, token: string, a: ConsoleAnswer): Promise<void> {
  if (a.kind === 'modal') {
    // A modal cannot follow a deferred answer: ask to press the button again.
    await editor.followUp(token, { content: ANSWERS.unavailable, flags: MessageFlags.Ephemeral });
    return;
  }
  const { content, embeds, components, allowed_mentions, flags } = a.data;
  if (interactionType === InteractionType.ApplicationCommand || a.kind === 'update') {
    await editor.editOriginal(token, { content: content ?? '', embeds: embeds ?? [], components: components ?? [], allowed_mentions });
    return;
  }
  await editor.followUp(token, { content, embeds, components, allowed_mentions, flags });
}

/**
 * POST /discord/interactions: Discord's HTTP interactions (slash commands, buttons, modals).
 * The Ed25519 signature over timestamp + raw body is checked before anything is parsed (401
 * otherwise, as Discord's own checks expect); an unsigned request costs one verification over at
 * most 64 KB. Only members of the school's server holding the support role act.
 */
export function discordRouter(deps: DiscordRouteDeps): Router {
  const router = Router();
  const key = interactionKey(deps.publicKey);
  const clock = deps.clock ?? systemClock;
  const deferAfterMs = deps.deferAfterMs ?? DEFER_AFTER_MS;
  const readBody = express.raw({ type: () => true, limit: INTERACTION_BODY_LIMIT, inflate: false });

  router.post('/discord/interactions', inFlightLimit(MAX_IN_FLIGHT), readBody, async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = verifyInteraction(key, req.headers['x-signature-ed25519'], req.headers['x-signature-timestamp'], raw, clock());
    if (verdict !== 'ok') {
      req.log.warn({ bytes: raw.length, verdict }, 'interação do Discord recusada: assinatura inválida');
      return sendError(res, 401, verdict === 'stale' ? 'Assinatura expirada.' : 'Assinatura ausente ou inválida.');
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendError(res, 400, 'Interação inválida: o corpo não é JSON.');
    }
    const parsed = interactionSchema.safeParse(body);
    if (!parsed.success) return sendError(res, 400, 'Interação inválida.');
    const interaction = parsed.data;
    if (interaction.type === InteractionType.Ping) return res.json({ type: InteractionResponseType.Pong });

    const actor = actorOf(deps, interaction);
    if (!actor) {
      res.locals.log = { interactionType: interaction.type, guild: interaction.guild_id ?? null };
      res.locals.logMessage = 'interação do Discord sem permissão';
      return res.json(responseOf(reply(ANSWERS.noPermission)));
    }
    res.locals.log = { interactionType: interaction.type, discordUser: actor.id };
    res.locals.logMessage = 'interação do Discord';

    const work = answer(deps, interaction, actor).catch((err: unknown) => {
      req.log.error({ err }, 'falha ao atender interação do Discord');
      return reply(ANSWERS.unavailable);
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), deferAfterMs);
    });
    // 0: always deferred (tests, and a host known to be slow).
    const first = deferAfterMs <= 0 ? 'late' : await Promise.race([work, late]);
    clearTimeout(timer);
    if (first !== 'late') return res.json(responseOf(first));

    // Slow work: Discord shows "thinking…" now; the answer replaces it when ready.
    res.json(deferredOf(interaction.type));
    const token = interaction.token;
    const done = await work;
    if (!token) return;
    try {
      await finish(deps.editor, interaction.type, token, done);
    } catch (err) {
      (deps.onEditError ?? ((e: unknown) => req.log.error({ err: e }, 'não foi possível editar a resposta no Discord')))(err);
    }
  });
  return router;
}
