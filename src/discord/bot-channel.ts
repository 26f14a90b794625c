import type { DiscordApi } from '../clients/discord-api.js';
import { alertMessage, type AlertItem } from './alert-message.js';
import type { Store } from '../store/index.js';
import type { AlertChannel, OutgoingAlert } from '../alerts/channels.js';

export interface DiscordBotChannelOptions {
  api: Pick<DiscordApi, 'postMessage'>;
  /** DISCORD_ALERT_CHANNEL_ID. */
  channelId: string;
  /** Reads each alert's event when it goes out (its status decides the buttons). */
  store: Store;
  /** The server's public address, for "Abrir no painel". */
  panelUrl?: string;
}

/**
 * The alert channel when the bot is configured: each message is an embed per alert with the
 * buttons that help ("Reprocessar", "Resolver", "Abrir no painel"), posted by the bot. Named
 * `discord` like the webhook channel it replaces, so alerts waiting in the outbox carry over.
 */
export function discordBotChannel(opts: DiscordBotChannelOptions): AlertChannel {
  const sendAlerts = async (alerts: OutgoingAlert[]) => {
    const ids = [...new Set(alerts.flatMap((a) => (a.eventId === null ? [] : [a.eventId])))];
    const events = new Map((await Promise.all(ids.map((id) => opts.store.events.get(id)))).flatMap((e) => (e ? [[e.id, e]] : [])));
    const items: AlertItem[] = alerts.map((a) => ({ ...a, event: a.eventId === null ? undefined : events.get(a.eventId) }));
    await opts.api.postMessage(opts.channelId, alertMessage(items, opts.panelUrl));
  };
  return {
    name: 'discord',
    limit: 4000,
    send: (text) => sendAlerts([{ text, eventId: null }]),
    sendAlerts,
  };
}
