import { startFakeCallMeBot, type FakeCallMeBot } from './callmebot.js';
import { startFakeChatPro, type FakeChatPro } from './chatpro.js';
import { startFakeEad, type FakeEad } from './ead.js';
import { startFakeKiwifyApi, type FakeKiwifyApi } from './kiwify-api.js';

/** Every external system of the bridge, faked on loopback. */
export interface Sandbox {
  ead: FakeEad;
  chatpro: FakeChatPro;
  callmebot: FakeCallMeBot;
  /** Kiwify's public API (the reconciliation): not in `env`, so a server reconciles only when given `kiwifyApiEnv`. */
  kiwifyApi: FakeKiwifyApi;
  /** Environment variables pointing the server at the fakes. */
  env: Record<string, string>;
  /** KIWIFY_API_URL and the API credentials of the fake. */
  kiwifyApiEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function startSandbox(): Promise<Sandbox> {
  const [ead, chatpro, callmebot, kiwifyApi] = await Promise.all([
    startFakeEad(),
    startFakeChatPro(),
    startFakeCallMeBot(),
    startFakeKiwifyApi(),
  ]);
  return {
    ead,
    chatpro,
    callmebot,
    kiwifyApi,
    kiwifyApiEnv: {
      KIWIFY_API_URL: kiwifyApi.url,
      KIWIFY_CLIENT_ID: kiwifyApi.clientId,
      KIWIFY_CLIENT_SECRET: kiwifyApi.clientSecret,
      KIWIFY_ACCOUNT_ID: kiwifyApi.accountId,
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
    },
    close: async () => {
      await Promise.all([ead.close(), chatpro.close(), callmebot.close(), kiwifyApi.close()]);
    },
  };
}
