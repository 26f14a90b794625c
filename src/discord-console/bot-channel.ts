import type { DiscordApi } from '../clients/discord-rest.js';
import { FlowError } from '../domain/errors.js';
import { alertMessage, plainAlertMessage, type AlertItem } from './alert-message.js';
import type { EventQueries } from '../store/event-reads.js';
import type { AlertChannel, OutgoingAlert } from '../alerts/channels.js';

export interface DiscordBotChannelOptions {
  api: Pick<DiscordApi, 'postMessage'>;
  /** DISCORD_ALERT_CHANNEL_ID. */
  channelId: string;
  /** Reads each alert's event when it goes out (its status decides the buttons). */
  store: { events: Pick<EventQueries, 'get'> };
  /** The server's public address, for "Abrir no painel". */
  panelUrl?: string;
}

/** Discord refused the message itself (its form), not the bot or the channel. */
const refusedForItsForm = (err: unknown) => err instanceof FlowError && err.code === 'http_400';

/**
 * The alert channel when the bot is configured: each message is an embed per alert with the
 * buttons that help ("Reprocessar", "Resolver", "Abrir no painel"), posted by the bot. Named
 * `discord` like the webhook channel it replaces, so alerts waiting in the outbox carry over.
 * A message carries as many of the alerts due as fit Discord's limits (the dispatcher sends the
 * rest next); should Discord still refuse it for its form (400), the same alerts go again as
 * plain lines.
 */
export function discordBotChannel(opts: DiscordBotChannelOptions): AlertChannel {
  const sendAlerts = async (alerts: OutgoingAlert[]) => {
    const ids = [...new Set(alerts.flatMap((a) => (a.eventId === null ? [] : [a.eventId])))];
    const events = new Map((await Promise.all(ids.map((id) => opts.store.events.get(id)))).flatMap((e) => (e ? [[e.id, e]] : [])));
    const items: AlertItem[] = alerts.map((a) => ({ ...a, event: a.eventId === null ? undefined : events.get(a.eventId) }));
    const { message, count } = alertMessage(items, opts.panelUrl);
    try {
      await opts.api.postMessage(opts.channelId, message);
    } catch (err) {
      if (!refusedForItsForm(err)) throw err;
      await opts.api.postMessage(opts.channelId, plainAlertMessage(items.slice(0, count)));
    }
    return count;
  };
  return {
    name: 'discord',
    limit: 4000,
    send: async (text) => {
      await sendAlerts([{ text, eventId: null }]);
    },
    sendAlerts,
  };
}
