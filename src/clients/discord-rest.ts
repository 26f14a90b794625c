import type { AxiosResponse } from 'axios';
import type {
  RESTGetAPIApplicationGuildCommandsResult,
  RESTPatchAPIInteractionOriginalResponseJSONBody,
  RESTPostAPIChannelMessageJSONBody,
  RESTPostAPIInteractionFollowupJSONBody,
  RESTPutAPIApplicationGuildCommandsJSONBody,
} from 'discord-api-types/v10';
import { PermanentError } from '../domain/errors.js';
import { bodyText, createHttp, parseJson, retryAfterOf, send, shorten, statusError, type UpstreamObserver } from './upstream-http.js';

export interface DiscordApiOptions {
  /** DISCORD_API_URL (https://discord.com/api/v10). */
  baseUrl: string;
  applicationId: string;
  /** DISCORD_BOT_TOKEN: channel messages and commands (interaction follow-ups need none). */
  botToken: string;
  timeoutMs: number;
  /** Told of every call (the metrics). */
  observer?: UpstreamObserver;
}

/**
 * Discord's REST API, as the bot: post and edit channel messages (alerts), finish deferred
 * interaction answers, read and overwrite the guild's slash commands. Every call has the hard
 * deadline and size cap of createHttp; a refusal is a FlowError, transient for 429 (with its
 * `retry_after`) and 5xx, permanent otherwise.
 */
export class DiscordApi {
  private readonly http;

  constructor(private readonly opts: DiscordApiOptions) {
    this.http = createHttp(opts.baseUrl.replace(/\/+$/, ''), opts.timeoutMs, {
      'content-type': 'application/json',
      'user-agent': 'DiscordBot (https://github.com/kiwify-ead-bridge, 1.0)',
    });
  }

  private async call<T>(operation: string, method: 'get' | 'post' | 'patch' | 'put', path: string, body?: unknown, bot = true): Promise<T> {
    const headers = bot ? { authorization: `Bot ${this.opts.botToken}` } : {};
    const response = await send<string>(
      'Discord',
      () => this.http.request<string>({ method, url: path, data: body === undefined ? undefined : JSON.stringify(body), headers }),
      'DISCORD_API_URL',
      { observer: this.opts.observer, system: 'discord', operation },
    );
    if (response.status >= 200 && response.status < 300) return (parseJson(response, 'Discord') ?? {}) as T;
    throw refusal(response);
  }

  /** POST /channels/{id}/messages: returns the new message's id. */
  async postMessage(channelId: string, message: RESTPostAPIChannelMessageJSONBody): Promise<{ id: string }> {
    const posted = await this.call<{ id?: unknown }>(
      'send_message',
      'post',
      `/channels/${encodeURIComponent(channelId)}/messages`,
      message,
    );
    return { id: typeof posted.id === 'string' ? posted.id : '' };
  }

  /** PATCH /webhooks/{application}/{token}/messages/@original: finishes a deferred answer. */
  async editOriginal(token: string, message: RESTPatchAPIInteractionOriginalResponseJSONBody): Promise<void> {
    await this.call('edit_interaction', 'patch', `${this.webhookPath(token)}/messages/@original`, message, false);
  }

  /** POST /webhooks/{application}/{token}: a follow-up message to an interaction. */
  async followUp(token: string, message: RESTPostAPIInteractionFollowupJSONBody): Promise<void> {
    await this.call('follow_up', 'post', this.webhookPath(token), message, false);
  }

  /** GET /applications/{application}/guilds/{guild}/commands. */
  async guildCommands(guildId: string): Promise<RESTGetAPIApplicationGuildCommandsResult> {
    const commands = await this.call<unknown>('list_commands', 'get', this.commandsPath(guildId));
    return Array.isArray(commands) ? (commands as RESTGetAPIApplicationGuildCommandsResult) : [];
  }

  /** PUT /applications/{application}/guilds/{guild}/commands: the whole set (idempotent). */
  async setGuildCommands(
    guildId: string,
    commands: RESTPutAPIApplicationGuildCommandsJSONBody,
  ): Promise<RESTGetAPIApplicationGuildCommandsResult> {
    const saved = await this.call<unknown>('register_commands', 'put', this.commandsPath(guildId), commands);
    return Array.isArray(saved) ? (saved as RESTGetAPIApplicationGuildCommandsResult) : [];
  }

  private webhookPath(token: string): string {
    // The token comes inside the interaction: "." or ".." would climb out of /webhooks/{app}/.
    if (/^\.*$/.test(token)) throw new PermanentError('Discord: token de interação inválido.', 'bad_token');
    return `/webhooks/${encodeURIComponent(this.opts.applicationId)}/${encodeURIComponent(token)}`;
  }

  private commandsPath(guildId: string): string {
    return `/applications/${encodeURIComponent(this.opts.applicationId)}/guilds/${encodeURIComponent(guildId)}/commands`;
  }
}

/** A refused call: 429 waits `retry_after` (seconds, a float) or `Retry-After`; 401/403 name the token. */
function refusal(response: AxiosResponse<string>): Error {
  const status = response.status;
  const body = parseJson(response, 'Discord') as { retry_after?: unknown; message?: unknown } | undefined;
  const retryAfterMs = status === 429 ? retryAfterOf(response, Date.now()) : undefined;
  const detail = shorten(typeof body?.message === 'string' ? body.message : bodyText(response), 120);
  const message = `Discord respondeu HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 401) return new PermanentError(`${message}. Confira DISCORD_BOT_TOKEN.`, 'http_401');
  if (status === 403) return new PermanentError(`${message}. O bot não tem permissão no canal (DISCORD_ALERT_CHANNEL_ID).`, 'http_403');
  return statusError(message, status, { retryAfterMs });
}
