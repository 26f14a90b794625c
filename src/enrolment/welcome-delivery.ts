import { NotOnWhatsAppError } from '../clients/chatpro.js';
import { FlowError, isTransient } from '../domain/errors.js';
import { messages, welcomeSkipReason, type WelcomeText } from '../domain/messages.js';
import { normalizeBrazilianMobile } from '../domain/phone.js';
import { maskEmail } from '../domain/redaction.js';
import type { Plan } from '../plans/plan-map.js';
import type { Buyer } from '../sales/buyer.js';
import type { FlowDeps } from '../sales/flow-deps.js';
import {
  WELCOME_CHANNELS,
  WELCOME_STEP,
  type FlowContext,
  type StudentStep,
  type WelcomeChannel,
  type WelcomeStep,
} from '../sales/steps.js';
import { renderWelcomeEmail, renderWelcomeWhatsapp, type WelcomeTemplates } from './welcome-templates.js';

/**
 * The welcome, by each channel it is due on — one journal step per channel (`welcome_whatsapp`,
 * `welcome_email`), so a retry or a restart sends each one once. Due: the channels of
 * WELCOME_CHANNELS, the one support asked for (a corrected number or address), and e-mail when
 * WhatsApp cannot take it for good (no valid mobile, no WhatsApp on that number, ChatPro not
 * configured or refusing, or still failing after WHATSAPP_FAILURES_BEFORE_EMAIL attempts) and an
 * SMTP server is configured. The password is opened from its seal for each send and wiped once
 * no due channel is left to send and one of them delivered it.
 */

/** What the welcome needs beyond the sale flows' dependencies: its channels and its templates. */
export interface WelcomeDeps {
  /** WELCOME_CHANNELS: the channels every welcome goes by. */
  welcomeChannels: readonly WelcomeChannel[];
  /** The welcome's templates (WELCOME_EMAIL_TEMPLATE, WELCOME_WHATSAPP_TEMPLATE), checked at start-up. */
  welcomeTemplates: WelcomeTemplates;
}

/** The approval's dependencies: the sale flows' and the welcome's. */
export type EnrolmentDeps = FlowDeps & WelcomeDeps;

/**
 * Transient WhatsApp failures of one welcome before it goes by e-mail instead, when e-mail is not
 * one of its channels anyway: with the worker's backoff (30 s, doubling) about a minute and a half
 * — long enough for a blip to pass, short enough for a student who just paid. A constant: no
 * school gains by tuning it. With e-mail among the channels, WhatsApp keeps its retries (the
 * e-mail already carried the login) and is given up only on the event's last attempt.
 */
export const WHATSAPP_FAILURES_BEFORE_EMAIL = 3;

/** What one welcome is about: who gets it, for what, and which password case it tells. */
export interface WelcomeSubject {
  buyer: Buyer;
  plan: Plan;
  student: StudentStep;
  /** Bought together with this plan (an order bump): that plan's welcome told the password. */
  passwordSentWith?: string;
  /** A free trial: the day it ends ("06/12/2026"), told in the welcome. */
  trialUntil?: string;
}

export interface WelcomeReport {
  /** The channels that delivered it (empty: not delivered). */
  delivered: WelcomeChannel[];
  /** Each due channel's result. */
  results: Partial<Record<WelcomeChannel, WelcomeStep>>;
}

/** Sends the welcome by every channel it is due on; throws to retry a channel's transient failure. */
export async function deliverWelcome(ctx: FlowContext, deps: EnrolmentDeps, subject: WelcomeSubject): Promise<WelcomeReport> {
  const text = welcomeText(deps, subject);
  const results: WelcomeReport['results'] = {};
  const emailWanted = deps.welcomeChannels.includes('email') || ctx.journal('email_correction') !== undefined;
  let retryLater: Error | undefined;
  if (deps.welcomeChannels.includes('whatsapp') || ctx.journal('phone_correction') !== undefined) {
    try {
      results.whatsapp = await whatsappWelcome(ctx, deps, subject.buyer, text, emailWanted);
    } catch (err) {
      // Transient, and e-mail is due anyway: the e-mail goes now, WhatsApp on the next attempt.
      if (!emailWanted || !isTransient(err)) throw err;
      retryLater = err instanceof Error ? err : new Error(String(err));
    }
  }
  const fallback = results.whatsapp?.sent === false && !emailWanted && deps.mail !== undefined;
  if (emailWanted || fallback) results.email = await emailWelcome(ctx, deps, subject.buyer, text, fallback);
  if (retryLater) throw retryLater;

  const delivered = WELCOME_CHANNELS.filter((channel) => results[channel]?.sent);
  await afterWelcome(ctx, deps, results, delivered);
  return { delivered, results };
}

function welcomeText(deps: EnrolmentDeps, { buyer, plan, student, passwordSentWith, trialUntil }: WelcomeSubject): WelcomeText {
  const password = student.created && student.sealedPassword ? deps.secrets.open(student.sealedPassword) : undefined;
  return {
    firstName: buyer.firstName,
    planName: plan.name,
    login: buyer.cpf,
    password,
    // A new account whose password we cannot tell: never received, wiped after
    // PASSWORD_RETENTION_DAYS, or sealed under a key that changed since.
    passwordUnknown: student.created && password === undefined,
    passwordSentWith: student.created ? undefined : passwordSentWith,
    whatsappGroup: plan.whatsappGroup,
    trialUntil,
    settings: deps.settings.welcome,
  };
}

/** The upstream's refusal as the journal keeps it: one short line (FlowError already masked personal data). */
const detailOf = (err: unknown) =>
  err instanceof Error
    ? err.message
        .replace(/\s+/g, ' ')
        .slice(0, 200)
        .replace(/[.\s]+$/, '')
    : undefined;

async function whatsappWelcome(
  ctx: FlowContext,
  deps: EnrolmentDeps,
  buyer: Buyer,
  text: WelcomeText,
  emailWanted: boolean,
): Promise<WelcomeStep> {
  const { value } = await ctx.step(WELCOME_STEP.whatsapp, async (): Promise<WelcomeStep> => {
    const legacy = ctx.journal('welcome'); // journaled by a release before e-mail welcomes
    if (legacy) return legacy;
    if (!deps.chatpro) return { sent: false, reason: 'chatpro_not_configured' };
    const phone = normalizeBrazilianMobile(buyer.phone);
    if (!phone.ok) return { sent: false, reason: phone.reason };
    try {
      await deps.chatpro.sendMessage(phone.number, renderWelcomeWhatsapp(deps.welcomeTemplates.whatsapp, text));
      return { sent: true };
    } catch (err) {
      if (err instanceof NotOnWhatsAppError) return { sent: false, reason: 'not_on_whatsapp' };
      return whatsappFailure(ctx, deps, err, emailWanted);
    }
  });
  return value;
}

/**
 * WhatsApp failed: without e-mail configured, as before (a transient failure retries, a permanent
 * one fails the event for support to fix). With it, a permanent failure (a refused token) gives
 * WhatsApp up at once, and a transient one after WHATSAPP_FAILURES_BEFORE_EMAIL attempts, or on
 * the event's last one — then the welcome goes by e-mail.
 */
async function whatsappFailure(ctx: FlowContext, deps: EnrolmentDeps, err: unknown, emailWanted: boolean): Promise<WelcomeStep> {
  const code = err instanceof FlowError ? err.code : 'unexpected';
  if (!deps.mail) throw err;
  if (!isTransient(err)) return { sent: false, reason: code, detail: detailOf(err) };
  const failures = (ctx.journal('whatsapp_failures')?.count ?? 0) + 1;
  const giveUp = ctx.lastAttempt || (!emailWanted && failures >= WHATSAPP_FAILURES_BEFORE_EMAIL);
  if (giveUp) return { sent: false, reason: 'whatsapp_failing', detail: detailOf(err) };
  if (failures === 1) await ctx.step('whatsapp_failures', () => Promise.resolve({ count: failures }));
  else await ctx.rewriteStep('whatsapp_failures', { count: failures });
  throw err;
}

async function emailWelcome(
  ctx: FlowContext,
  deps: EnrolmentDeps,
  buyer: Buyer,
  text: WelcomeText,
  fallback: boolean,
): Promise<WelcomeStep> {
  const { value } = await ctx.step(WELCOME_STEP.email, async (): Promise<WelcomeStep> => {
    const base = fallback ? { fallback } : {};
    if (!deps.mail) return { ...base, sent: false, reason: 'mail_not_configured' };
    const to = ctx.journal('email_correction')?.email ?? buyer.email;
    if (!to) return { ...base, sent: false, reason: 'no_email' };
    try {
      await deps.mail.send({ to, ...renderWelcomeEmail(deps.welcomeTemplates.email, text) });
      return { ...base, sent: true, to: maskEmail(to) };
    } catch (err) {
      // The address does not exist (550) or is not one: for good, like a number without WhatsApp.
      if (err instanceof FlowError && err.code === 'mail_rejected') {
        return { ...base, sent: false, reason: 'mail_rejected', to: maskEmail(to), detail: detailOf(err) };
      }
      throw err;
    }
  });
  return value;
}

/**
 * Delivered on every channel it was due on (a channel refused for good is settled too): the
 * password has done its job and leaves the database now. Not delivered by any: it stays sealed,
 * for a corrected number or address, until housekeeping wipes it after PASSWORD_RETENTION_DAYS —
 * and support is told.
 */
async function afterWelcome(
  ctx: FlowContext,
  deps: EnrolmentDeps,
  results: WelcomeReport['results'],
  delivered: WelcomeChannel[],
): Promise<void> {
  const cadastro = ctx.journal('cadastro');
  if (delivered.length > 0 && cadastro?.sealedPassword !== undefined)
    await ctx.rewriteStep('cadastro', { ...cadastro, sealedPassword: undefined });
  if (delivered.length === 0) {
    await ctx.alert(messages.welcomeSkipped(ctx.event, whyNotSent(results), deps.settings.panelUrl), 'welcome-skipped');
  } else if (results.email?.reason === 'mail_rejected') {
    await ctx.alert(messages.mailRejected(ctx.event, results.email.detail ?? '', deps.settings.panelUrl), 'mail-rejected');
  }
}

const CHANNEL_NAMES: Record<WelcomeChannel, string> = { whatsapp: 'WhatsApp', email: 'e-mail' };

/** Why no channel delivered it: each channel's reason ("WhatsApp: …; e-mail: …"), or the one. */
export function whyNotSent(results: WelcomeReport['results']): string {
  const tried = WELCOME_CHANNELS.filter((channel) => results[channel]);
  if (tried.length === 1) return welcomeSkipReason(results[tried[0]]!.reason);
  return tried.map((channel) => `${CHANNEL_NAMES[channel]}: ${welcomeSkipReason(results[channel]!.reason)}`).join('; ');
}

/** How the outcome and support's note say it: "enviadas por e-mail (WhatsApp: …)" (the story adds where to, masked). */
export function welcomeSummary({ delivered, results }: WelcomeReport): string {
  if (delivered.length === 0) return `não enviadas (${whyNotSent(results)})`;
  const by = delivered.map((channel) => `por ${CHANNEL_NAMES[channel]}`);
  const missed = WELCOME_CHANNELS.filter((channel) => results[channel] && !results[channel].sent).map(
    (channel) => `${CHANNEL_NAMES[channel]}: ${welcomeSkipReason(results[channel]!.reason)}`,
  );
  return `enviadas ${by.join(' e ')}${missed.length > 0 ? ` (${missed.join('; ')})` : ''}`;
}
