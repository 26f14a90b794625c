import { startFakeCallMeBot, type FakeCallMeBot } from './fake-callmebot.js';
import { startFakeChatPro, type FakeChatPro } from './fake-chatpro.js';
import { startFakeDiscordApi, type FakeDiscordApi } from './fake-discord-rest.js';
import { startFakeEad, type FakeEad } from './fake-ead.js';
import { startFakeKiwifyApi, type FakeKiwifyApi } from './fake-kiwify-api.js';
import { startFakeSmtp, type FakeSmtp } from './fake-smtp.js';

/** Every external system of the bridge, faked on loopback. */
export interface Sandbox {
  ead: FakeEad;
  chatpro: FakeChatPro;
  callmebot: FakeCallMeBot;
  /** Kiwify's public API (the reconciliation): not in `env`, so a server reconciles only when given `kiwifyApiEnv`. */
  kiwifyApi: FakeKiwifyApi;
  /** Discord's REST API (the bot's alerts, interaction edits): not in `env`, see `discordApiEnv`. */
  discordApi: FakeDiscordApi;
  /** An SMTP server (the e-mail welcome): in `env` only when asked (`startSandbox({ mail: true })`), else see `mailEnv`. */
  mail: FakeSmtp;
  /** Environment variables pointing the server at the fakes. */
  env: Record<string, string>;
  /** KIWIFY_API_URL and the API credentials of the fake. */
  kiwifyApiEnv: Record<string, string>;
  /**
   * DISCORD_APPLICATION_ID, DISCORD_BOT_TOKEN and DISCORD_API_URL of the fake; the console also
   * needs DISCORD_PUBLIC_KEY (the caller's key pair), DISCORD_GUILD_ID and DISCORD_SUPPORT_ROLE_ID.
   */
  discordApiEnv: Record<string, string>;
  /** SMTP_URL (plain SMTP on loopback, with a login) and MAIL_FROM of the fake. */
  mailEnv: Record<string, string>;
  close(): Promise<void>;
}

export interface SandboxOptions {
  /** `env` points the server at the SMTP server too (`mailEnv`): welcomes may go by e-mail. */
  mail?: boolean;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const [ead, chatpro, callmebot, kiwifyApi, discordApi, mail] = await Promise.all([
    startFakeEad(),
    startFakeChatPro(),
    startFakeCallMeBot(),
    startFakeKiwifyApi(),
    startFakeDiscordApi(),
    startFakeSmtp(),
  ]);
  return {
    ead,
    chatpro,
    callmebot,
    kiwifyApi,
    discordApi,
    mail,
    mailEnv: mail.env,
    kiwifyApiEnv: {
      KIWIFY_API_URL: kiwifyApi.url,
      KIWIFY_CLIENT_ID: kiwifyApi.clientId,
      KIWIFY_CLIENT_SECRET: kiwifyApi.clientSecret,
      KIWIFY_ACCOUNT_ID: kiwifyApi.accountId,
    },
    discordApiEnv: {
      DISCORD_APPLICATION_ID: discordApi.applicationId,
      DISCORD_BOT_TOKEN: discordApi.botToken,
      DISCORD_API_URL: discordApi.apiUrl,
    },
    env: {
      EAD_BASE_URL: ead.url,
      EAD_API_KEY: ead.apiKey,
      EAD_UNIT_ID: ead.unitId,
      CHATPRO_BASE_URL: chatpro.url,
      CHATPRO_INSTANCE_ID: chatpro.instanceId,
      CHATPRO_TOKEN: chatpro.token,
      CALLMEBOT_BASE_URL: callmebot.url,
      CALLMEBOT_PHONE: '5561988880000',
      CALLMEBOT_APIKEY: 'sandbox-apikey',
      ...(options.mail ? mail.env : {}),
    },
    close: async () => {
      await Promise.all([ead.close(), chatpro.close(), callmebot.close(), kiwifyApi.close(), discordApi.close(), mail.close()]);
    },
  };
}
