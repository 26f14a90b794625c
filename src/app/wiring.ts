import { CallMeBotClient } from '../clients/callmebot.js';
import { ChatProClient } from '../clients/chatpro.js';
import { DiscordClient } from '../clients/discord-webhook.js';
import { DiscordApi } from '../clients/discord-rest.js';
import { discordBotChannel, type DiscordBotChannelOptions } from '../discord-console/bot-channel.js';
import { alertTextForDiscord } from '../discord-console/discord-markdown.js';
import type { DiscordConsoleSettings } from './create-app.js';
import { EadClient } from '../clients/ead.js';
import { UPSTREAM_TIMEOUT_MS, type UpstreamObserver } from '../clients/upstream-http.js';
import { KiwifyApiClient } from '../clients/kiwify-api.js';
import { MailClient } from '../clients/mail-client.js';
import type { AlertChannel } from '../alerts/channels.js';
import type { AlertOutbox } from '../alerts/outbox.js';
import type { Config } from '../config/config.js';
import type { CustomerKeys } from '../privacy/customer-keys.js';
import type { SecretBox } from '../domain/secret-box.js';
import type { EnrolmentDeps } from '../enrolment/welcome-delivery.js';
import { handlersFor } from './sale-handlers.js';
import { salesLedger, type LedgerReads } from './sales-ledger.js';
import type { ConnectionCheck } from '../health/connection-checks.js';
import type { Logger } from '../log/logger.js';
import type { PlanStore } from '../plans/plan-store.js';
import type { Clock } from '../timing/clock.js';
import type { HandlerRegistry } from '../worker/types.js';

/**
 * What the configuration turns into: the clients of the external systems, the alert channels,
 * the flows' dependencies, the connection checks. The one place (with runtime.ts) that reads
 * Config for the server's parts, so every layer below only sees what it needs.
 */

/** The clients of the external systems the flows use (one of each per process). */
export interface FlowClients {
  ead: EadClient;
  /** Absent when ChatPro is not configured. */
  chatpro?: ChatProClient;
  /** Absent when no SMTP server is configured (SMTP_URL or SMTP_HOST, with MAIL_FROM). */
  mail?: MailClient;
}

/** `observer` is told of every call the clients make (the metrics); `timeoutMs`: every call's deadline. */
export function clientsFromConfig(
  config: Pick<Config, 'ead' | 'chatpro' | 'mail'>,
  observer?: UpstreamObserver,
  timeoutMs = UPSTREAM_TIMEOUT_MS,
): FlowClients {
  const { ead, chatpro } = config;
  return {
    ead: new EadClient({ ...ead, timeoutMs, observer }),
    chatpro: chatpro.instance
      ? new ChatProClient({ baseUrl: chatpro.baseUrl, instanceId: chatpro.instance.id, token: chatpro.instance.token, timeoutMs, observer })
      : undefined,
    mail: mailClientFromConfig(config.mail, observer, timeoutMs),
  };
}

/** The SMTP client, when a server and a sender are configured (the configuration checks they come together). */
export function mailClientFromConfig(
  mail: Config['mail'],
  observer?: UpstreamObserver,
  timeoutMs = UPSTREAM_TIMEOUT_MS,
): MailClient | undefined {
  if (!mail.smtp || !mail.from) return undefined;
  return new MailClient({ smtp: mail.smtp, from: mail.from, replyTo: mail.replyTo, timeoutMs, observer });
}

export interface HandlerServices {
  /** What the flows read of the store: the plan map and the sales ledger. */
  store: LedgerReads & { plans: PlanStore };
  alerts: AlertOutbox;
  log: Logger;
  clients: FlowClients;
  /** Seals a new student's password in the journal. */
  secrets: SecretBox;
  /** A customer's keys as received and as kept once personal data is removed. */
  customerKeys: CustomerKeys;
  clock: Clock;
}

/** What the flows need, from the configuration, the clients and the store (the plan map is the store's). */
export function flowDepsFromConfig(config: Config, { store, clients, secrets, customerKeys, clock }: HandlerServices): EnrolmentDeps {
  return {
    ead: clients.ead,
    chatpro: clients.chatpro,
    mail: clients.mail,
    welcomeChannels: config.welcome.channels,
    welcomeTemplates: config.welcome.templates,
    plans: store.plans,
    ...salesLedger(store, customerKeys),
    clock,
    secrets,
    settings: {
      defaultPassword: config.sales.defaultPassword,
      alertOnSuccess: config.alerts.onSuccess,
      revokeMode: config.sales.revokeMode,
      cancelPolicy: config.sales.cancelPolicy,
      panelUrl: panelUrlOf(config),
      // Answers to the e-mail go to MAIL_REPLY_TO: the welcome names it as support's address.
      welcome: { ...config.welcome.school, supportEmail: config.mail.replyTo },
    },
  };
}

export function buildHandlers(config: Config, services: HandlerServices): HandlerRegistry {
  return handlersFor(flowDepsFromConfig(config, services));
}

/** `store`: the Discord bot's alerts read their events (without it, Discord gets the webhook's text). */
export function alertChannelsFromConfig(
  config: Config,
  observer?: UpstreamObserver,
  store?: DiscordBotChannelOptions['store'],
  timeoutMs = UPSTREAM_TIMEOUT_MS,
): AlertChannel[] {
  const callMeBot = new CallMeBotClient({ ...config.alerts.callmebot, timeoutMs, observer });
  const channels: AlertChannel[] = [
    // Community practice keeps CallMeBot messages under ~1,200 characters.
    { name: 'callmebot', limit: 1200, send: (text) => callMeBot.sendWhatsApp(text) },
  ];
  const bot = discordApiFromConfig(config.discord, observer, timeoutMs);
  const { alertChannelId } = config.discord;
  if (bot && store && alertChannelId) {
    channels.push(discordBotChannel({ api: bot, channelId: alertChannelId, store, panelUrl: panelUrlOf(config) }));
  } else if (config.alerts.discordWebhookUrl) {
    const discord = new DiscordClient(config.alerts.discordWebhookUrl, timeoutMs, observer);
    // Buyer and upstream text shown literally (no masked links, headings or mentions from a name);
    // the links to the panel stay links.
    const panelUrl = panelUrlOf(config);
    channels.push({
      name: 'discord',
      limit: 2000,
      send: (text) => discord.send(text),
      format: (text) => alertTextForDiscord(text, panelUrl),
    });
  }
  return channels;
}

/** Discord's REST API as the bot, when the Discord console is configured (DISCORD_*). */
export function discordApiFromConfig(discord: Config['discord'], observer?: UpstreamObserver, timeoutMs = UPSTREAM_TIMEOUT_MS) {
  if (!discord.console) return undefined;
  const { applicationId, botToken } = discord.console;
  return new DiscordApi({ baseUrl: discord.apiUrl, applicationId, botToken, timeoutMs, observer });
}

/** The admin page's public address, for "Abrir no painel" links: only when the page is on and the address known. */
export function panelUrlOf(config: Pick<Config, 'admin' | 'server'>): string | undefined {
  return config.admin.token ? config.server.publicUrl : undefined;
}

/** POST /discord/interactions, when all five DISCORD_* console variables are set. */
export function discordConsoleFromConfig(
  config: Config,
  observer?: UpstreamObserver,
  timeoutMs = UPSTREAM_TIMEOUT_MS,
): DiscordConsoleSettings | undefined {
  const api = discordApiFromConfig(config.discord, observer, timeoutMs);
  if (!api || !config.discord.console) return undefined;
  const { publicKey, guildId, supportRoleId } = config.discord.console;
  return { publicKey, guildId, supportRoleId, panelUrl: panelUrlOf(config), editor: api };
}

/**
 * Kiwify's public API client for the reconciliation, when its three credentials are set
 * (KIWIFY_CLIENT_ID, KIWIFY_CLIENT_SECRET, KIWIFY_ACCOUNT_ID); the CLI passes just these.
 */
export function kiwifyApiFromConfig(
  kiwifyApi: Config['kiwifyApi'],
  clock: Clock,
  observer?: UpstreamObserver,
  timeoutMs = UPSTREAM_TIMEOUT_MS,
): KiwifyApiClient | undefined {
  if (!kiwifyApi.credentials) return undefined;
  return new KiwifyApiClient({ baseUrl: kiwifyApi.baseUrl, ...kiwifyApi.credentials, timeoutMs, clock, observer });
}

/** The connection checks of the systems the flows use. */
export function connectionChecksFor(clients: FlowClients): ConnectionCheck[] {
  const checks: ConnectionCheck[] = [{ name: 'ead', run: () => clients.ead.checkConnection() }];
  const { chatpro } = clients;
  if (chatpro) checks.push({ name: 'chatpro', run: () => chatpro.checkConnection() });
  const { mail } = clients;
  if (mail) checks.push({ name: 'mail', run: () => mail.checkConnection() });
  return checks;
}
