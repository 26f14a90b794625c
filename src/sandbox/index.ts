import { startFakeCallMeBot, type FakeCallMeBot } from './callmebot.js';
import { startFakeChatPro, type FakeChatPro } from './chatpro.js';
import { startFakeEad, type FakeEad } from './ead.js';

/** Every external system of the bridge, faked on loopback. */
export interface Sandbox {
  ead: FakeEad;
  chatpro: FakeChatPro;
  callmebot: FakeCallMeBot;
  /** Environment variables pointing the server at the fakes. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startSandbox(): Promise<Sandbox> {
  const [ead, chatpro, callmebot] = await Promise.all([startFakeEad(), startFakeChatPro(), startFakeCallMeBot()]);
  return {
    ead,
    chatpro,
    callmebot,
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
      await Promise.all([ead.close(), chatpro.close(), callmebot.close()]);
    },
  };
}
