import { createHash } from 'node:crypto';
import { Router } from 'express';
import {
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  type APIInteractionResponse,
  type RESTPatchAPIInteractionOriginalResponseJSONBody,
  type RESTPostAPIInteractionFollowupJSONBody,
} from 'discord-api-types/v10';
import { actorOf, answer, ANSWERS, interactionSchema, reply, type ConsoleAnswer, type ConsoleDeps } from './console.js';
import { interactionKey, MAX_AGE_SECONDS, MAX_SKEW_SECONDS, verifyInteraction } from './verify.js';
import { FlowError, isTransient } from '../domain/errors.js';
import type { SeenInteractions } from './seen-interactions.js';
import { systemClock, type Clock } from '../timing/clock.js';
import { retry, type RetryOptions } from '../timing/retry.js';
import { sendError } from '../http/http-errors.js';
import { BodyIntake, type BodyLimits } from '../http/body-intake.js';
import { parseUntrustedJson } from '../domain/untrusted-json.js';

/** Finishes a deferred answer once the work is done (Discord's REST API, injected: routes call no client). */
export interface InteractionEditor {
  /** Replaces the "thinking…" answer (a command) or the message the button is on. */
  editOriginal(token: string, message: RESTPatchAPIInteractionOriginalResponseJSONBody): Promise<void>;
  /** A new message after the answer (ephemeral when its flags say so). */
  followUp(token: string, message: RESTPostAPIInteractionFollowupJSONBody): Promise<void>;
}

export interface DiscordRouteDeps extends ConsoleDeps {
  /** Signed interactions already received (the replay guard, shared by instances). */
  interactions: Pick<SeenInteractions, 'firstTime'>;
  /** DISCORD_PUBLIC_KEY (hex). */
  publicKey: string;
  editor: InteractionEditor;
  clock?: Clock;
  /** Work slower than this is answered "thinking…" and edited when done (Discord waits 3 s at most); 0: always. */
  deferAfterMs?: number;
  /** Told when a deferred edit fails for good, after its retries (logged). */
  onEditError?: (err: unknown) => void;
  /** Waits between tries of a deferred edit (tests shorten it). */
  editRetryBaseMs?: number;
  /** How long a request's body may take to arrive in all (5 s; tests shorten it). */
  readDeadlineMs?: number;
}

/** Interactions are a few KB; a slash command's body is far below this. */
export const INTERACTION_BODY_LIMIT = 64 * 1024;
const DEFER_AFTER_MS = 2_000;
/** How long a body may take to arrive. */
const READ_DEADLINE_MS = 5_000;

/**
 * How interaction bodies are read (see body-intake.ts): Discord sends a few KB at once. Bytes
 * arrived are counted (4 MB in all, 512 KB per address), a body is cut when, after 1 s, it has
 * not kept 16 KB/s, goes silent for 3 s, or takes longer than `readDeadlineMs` (5 s); when one
 * address has 8 arriving, a new one cuts the oldest of them that has been arriving for 100 ms.
 */
export function interactionBodyLimits(readDeadlineMs = READ_DEADLINE_MS): BodyLimits {
  return {
    maxBytes: INTERACTION_BODY_LIMIT,
    budgetBytes: 64 * INTERACTION_BODY_LIMIT,
    perAddressBytes: 8 * INTERACTION_BODY_LIMIT,
    perAddressBodies: 8,
    evictAfterMs: 100,
    graceMs: Math.min(1_000, readDeadlineMs),
    minBytesPerSecond: 16 * 1024,
    idleMs: Math.min(3_000, readDeadlineMs),
    deadlineMs: readDeadlineMs,
    busyMessage: 'Servidor ocupado. Tente de novo em instantes.',
    retryAfterSeconds: 1,
  };
}
/** A late answer is tried this many times when Discord refuses it for a while (429, 5xx, network). */
const EDIT_ATTEMPTS = 3;
/** Longest wait between those tries (a 429's retry_after beyond it: the edit is given up and logged). */
const MAX_EDIT_WAIT_MS = 5_000;
/**
 * How long a signed request is remembered after its timestamp: far beyond the 5 minutes (+1 of
 * skew) a signature is accepted, so instances whose clocks disagree by minutes still share it.
 */
const REMEMBER_SECONDS = 60 * 60;

/**
 * Refuses a signed request seen before: Discord sends each interaction once, so the same
 * timestamp and body again is a copy someone captured and replays within the 5 minutes the
 * signature is accepted. Remembered in the database (store/interactions.ts), shared by every
 * instance and kept across restarts: one insert per signed request.
 */
export class ReplayGuard {
  constructor(private readonly seen: Pick<SeenInteractions, 'firstTime'>) {}

  /** False for a replay; otherwise remembers the request (call only once its signature checked out). */
  async firstTime(timestamp: string, body: Buffer): Promise<boolean> {
    const key = createHash('sha256').update(timestamp).update(body).digest('base64');
    // Valid until its signature is stale (MAX_AGE_SECONDS + MAX_SKEW_SECONDS), and then some.
    const keepSeconds = Math.max(REMEMBER_SECONDS, MAX_AGE_SECONDS + MAX_SKEW_SECONDS);
    return this.seen.firstTime(key, (Number(timestamp) + keepSeconds) * 1000);
  }
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
  if (a.kind === 'update') {
    // Only what the update changes: fields left out keep the message's (an alert's embeds stay).
    const edit: RESTPatchAPIInteractionOriginalResponseJSONBody = { allowed_mentions };
    if (content !== undefined) edit.content = content;
    if (embeds !== undefined) edit.embeds = embeds;
    if (components !== undefined) edit.components = components;
    await editor.editOriginal(token, edit);
    return;
  }
  if (interactionType === InteractionType.ApplicationCommand) {
    await editor.editOriginal(token, { content: content ?? '', embeds: embeds ?? [], components: components ?? [], allowed_mentions });
    return;
  }
  await editor.followUp(token, { content, embeds, components, allowed_mentions, flags });
}

/** A late answer is tried again while Discord refuses it for a while (429 after its retry_after, 5xx, network). */
function editRetries(baseMs: number): RetryOptions {
  return {
    attempts: EDIT_ATTEMPTS,
    baseMs,
    hintMs: (err) => (err instanceof FlowError ? err.retryAfterMs : undefined),
    maxWaitMs: MAX_EDIT_WAIT_MS,
    retryable: isTransient,
  };
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
  const replays = new ReplayGuard(deps.interactions);
  const editRetryBaseMs = deps.editRetryBaseMs ?? 500;
  const bodies = new BodyIntake(interactionBodyLimits(deps.readDeadlineMs));

  router.post(
    '/discord/interactions',
    // Bodies counted by the bytes that arrive, slow ones cut (interactionBodyLimits).
    bodies.reader(),
    async (req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verdict = verifyInteraction(key, req.headers['x-signature-ed25519'], req.headers['x-signature-timestamp'], raw, clock());
      if (verdict !== 'ok') {
        req.log.warn({ bytes: raw.length, verdict }, 'interação do Discord recusada: assinatura inválida');
        return sendError(res, 401, verdict === 'stale' ? 'Assinatura expirada.' : 'Assinatura ausente ou inválida.');
      }
      let firstTime: boolean;
      try {
        firstTime = await replays.firstTime(String(req.headers['x-signature-timestamp']), raw);
      } catch (err) {
        // Not recorded, not acted on: a request that cannot be checked against replays waits for the database.
        req.log.error({ err }, 'interação do Discord: não foi possível registrá-la no banco de dados');
        return sendError(res, 503, 'Não foi possível consultar a ponte agora. Tente de novo em instantes.');
      }
      if (!firstTime) {
        req.log.warn({ bytes: raw.length }, 'interação do Discord recusada: repetição de uma já recebida');
        return sendError(res, 401, 'Interação já recebida: repetições são recusadas.');
      }
      const json = parseUntrustedJson(raw.toString('utf8'), { maxChars: INTERACTION_BODY_LIMIT });
      if (!json.ok) return sendError(res, 400, 'Interação inválida: o corpo não é JSON.');
      const parsed = interactionSchema.safeParse(json.value);
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
        await retry(() => finish(deps.editor, interaction.type, token, done), editRetries(editRetryBaseMs));
      } catch (err) {
        (deps.onEditError ?? ((e: unknown) => req.log.error({ err: e }, 'não foi possível editar a resposta no Discord')))(err);
      }
    },
  );
  return router;
}
