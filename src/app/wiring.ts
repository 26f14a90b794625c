import { CallMeBotClient } from '../clients/callmebot.js';
import { ChatProClient } from '../clients/chatpro.js';
import { DiscordClient } from '../clients/discord-webhook.js';
import { DiscordApi } from '../clients/discord-rest.js';
import { discordBotChannel, type DiscordBotChannelOptions } from '../discord-console/bot-channel.js';
import { alertTextForDiscord } from '../discord-console/discord-markdown.js';
import type { DiscordConsoleSettings } from './create-app.js';
import { EadClient } from '../clients/ead.js';
import type { UpstreamObserver } from '../clients/upstream-http.js';
import { KiwifyApiClient } from '../clients/kiwify-api.js';
import { MailClient } from '../clients/mail-client.js';
import type { AlertChannel } from '../alerts/channels.js';
import type { AlertOutbox } from '../alerts/outbox.js';
import type { Config } from '../config/config.js';
import type { CustomerKeys } from '../privacy/customer-keys.js';
import type { SecretBox } from '../domain/secret-box.js';
import type { FlowDeps } from '../sales/flow-deps.js';
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

/** `observer` is told of every call the clients make (the metrics). */
export function clientsFromConfig(config: Config, observer?: UpstreamObserver): FlowClients {
  const timeoutMs = config.HTTP_TIMEOUT_MS;
  return {
    ead: new EadClient({ baseUrl: config.EAD_BASE_URL, apiKey: config.EAD_API_KEY, unitId: config.EAD_UNIT_ID, timeoutMs, observer }),
    chatpro:
      config.CHATPRO_INSTANCE_ID && config.CHATPRO_TOKEN
        ? new ChatProClient({
            baseUrl: config.CHATPRO_BASE_URL,
            instanceId: config.CHATPRO_INSTANCE_ID,
            token: config.CHATPRO_TOKEN,
            timeoutMs,
            observer,
          })
        : undefined,
    mail: mailClientFromConfig(config, observer),
  };
}

/** The SMTP client, when a server and a sender are configured (the configuration checks they come together). */
export function mailClientFromConfig(
  config: Pick<Config, 'smtp' | 'MAIL_FROM' | 'MAIL_REPLY_TO' | 'HTTP_TIMEOUT_MS'>,
  observer?: UpstreamObserver,
): MailClient | undefined {
  if (!config.smtp || !config.MAIL_FROM) return undefined;
  return new MailClient({
    smtp: config.smtp,
    from: config.MAIL_FROM,
    replyTo: config.MAIL_REPLY_TO,
    timeoutMs: config.HTTP_TIMEOUT_MS,
    observer,
  });
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
export function flowDepsFromConfig(config: Config, { store, clients, secrets, customerKeys, clock }: HandlerServices): FlowDeps {
  return {
    ead: clients.ead,
    chatpro: clients.chatpro,
    plans: store.plans,
    ...salesLedger(store, customerKeys),
    clock,
    secrets,
    settings: {
      defaultPassword: config.STUDENT_DEFAULT_PASSWORD,
      alertOnSuccess: config.ALERT_ON_SUCCESS,
      revokeMode: config.REVOKE_MODE,
      cancelPolicy: config.CANCEL_POLICY,
      panelUrl: panelUrlOf(config),
      welcome: {
        schoolName: config.SCHOOL_NAME,
        portalUrl: config.PORTAL_URL,
        androidAppUrl: config.ANDROID_APP_URL,
        iosAppUrl: config.IOS_APP_URL,
        supportWhatsapp: config.SUPPORT_WHATSAPP,
      },
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
): AlertChannel[] {
  const callMeBot = new CallMeBotClient({
    baseUrl: config.CALLMEBOT_BASE_URL,
    phone: config.CALLMEBOT_PHONE,
    apiKey: config.CALLMEBOT_APIKEY,
    timeoutMs: config.HTTP_TIMEOUT_MS,
    observer,
  });
  const channels: AlertChannel[] = [
    // Community practice keeps CallMeBot messages under ~1,200 characters.
    { name: 'callmebot', limit: 1200, send: (text) => callMeBot.sendWhatsApp(text) },
  ];
  const bot = discordApiFromConfig(config, observer);
  if (bot && store && config.DISCORD_ALERT_CHANNEL_ID) {
    channels.push(discordBotChannel({ api: bot, channelId: config.DISCORD_ALERT_CHANNEL_ID, store, panelUrl: panelUrlOf(config) }));
  } else if (config.DISCORD_WEBHOOK_URL) {
    const discord = new DiscordClient(config.DISCORD_WEBHOOK_URL, config.HTTP_TIMEOUT_MS, observer);
    // Buyer and upstream text shown literally (no masked links, headings or mentions from a name).
    channels.push({ name: 'discord', limit: 2000, send: (text) => discord.send(text), format: alertTextForDiscord });
  }
  return channels;
}

/** Discord's REST API as the bot, when the Discord console is configured (DISCORD_*). */
export function discordApiFromConfig(config: Config, observer?: UpstreamObserver): DiscordApi | undefined {
  if (!config.DISCORD_APPLICATION_ID || !config.DISCORD_BOT_TOKEN) return undefined;
  return new DiscordApi({
    baseUrl: config.DISCORD_API_URL,
    applicationId: config.DISCORD_APPLICATION_ID,
    botToken: config.DISCORD_BOT_TOKEN,
    timeoutMs: config.HTTP_TIMEOUT_MS,
    observer,
  });
}

/** The admin page's public address, for "Abrir no painel" links: only when the page is on and the address known. */
export function panelUrlOf(config: Config): string | undefined {
  return config.ADMIN_TOKEN ? (config.PUBLIC_URL ?? config.RENDER_EXTERNAL_URL) : undefined;
}

/** POST /discord/interactions, when all five DISCORD_* console variables are set. */
export function discordConsoleFromConfig(config: Config, observer?: UpstreamObserver): DiscordConsoleSettings | undefined {
  const api = discordApiFromConfig(config, observer);
  const { DISCORD_PUBLIC_KEY: publicKey, DISCORD_GUILD_ID: guildId, DISCORD_SUPPORT_ROLE_ID: supportRoleId } = config;
  if (!api || !publicKey || !guildId || !supportRoleId) return undefined;
  return { publicKey, guildId, supportRoleId, panelUrl: panelUrlOf(config), editor: api };
}

/**
 * Kiwify's public API client for the reconciliation, when its three credentials are set
 * (KIWIFY_CLIENT_ID, KIWIFY_CLIENT_SECRET, KIWIFY_ACCOUNT_ID); the CLI passes just these.
 */
export function kiwifyApiFromConfig(
  config: Pick<Config, 'KIWIFY_API_URL' | 'KIWIFY_CLIENT_ID' | 'KIWIFY_CLIENT_SECRET' | 'KIWIFY_ACCOUNT_ID' | 'HTTP_TIMEOUT_MS'>,
  clock: Clock,
  observer?: UpstreamObserver,
): KiwifyApiClient | undefined {
  const { KIWIFY_CLIENT_ID: clientId, KIWIFY_CLIENT_SECRET: clientSecret, KIWIFY_ACCOUNT_ID: accountId } = config;
  if (!clientId || !clientSecret || !accountId) return undefined;
  return new KiwifyApiClient({
    baseUrl: config.KIWIFY_API_URL,
    clientId,
    clientSecret,
    accountId,
    timeoutMs: config.HTTP_TIMEOUT_MS,
    clock,
    observer,
  });
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
