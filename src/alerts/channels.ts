import { CallMeBotClient } from '../clients/callmebot.js';
import { DiscordClient } from '../clients/discord.js';
import type { Config } from '../config.js';

/** A place support reads alerts. `send` throws a FlowError saying whether to retry. */
export interface AlertChannel {
  name: string;
  /** Longest message the channel takes. */
  limit: number;
  send(text: string): Promise<void>;
}

export function alertChannelsFromConfig(config: Config): AlertChannel[] {
  const callMeBot = new CallMeBotClient({
    baseUrl: config.CALLMEBOT_BASE_URL,
    phone: config.CALLMEBOT_PHONE,
    apiKey: config.CALLMEBOT_APIKEY,
    timeoutMs: config.HTTP_TIMEOUT_MS,
  });
  const channels: AlertChannel[] = [
    // Community practice keeps CallMeBot messages under ~1,200 characters.
    { name: 'callmebot', limit: 1200, send: (text) => callMeBot.sendWhatsApp(text) },
  ];
  if (config.DISCORD_WEBHOOK_URL) {
    const discord = new DiscordClient(config.DISCORD_WEBHOOK_URL, config.HTTP_TIMEOUT_MS);
    channels.push({ name: 'discord', limit: 2000, send: (text) => discord.send(text) });
  }
  return channels;
}
