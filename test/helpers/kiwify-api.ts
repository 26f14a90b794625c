import type { KiwifyApiConfig } from '../../src/clients/kiwify-api.js';
import type { FakeKiwifyApi } from '../../src/sandbox/fake-kiwify-api.js';

/** A KiwifyApiClient's config for the fake Kiwify API: its address and credentials, a 2 s deadline, the real clock; `over` changes any of them. */
export function fakeKiwifyApiConfig(fake: FakeKiwifyApi, over: Partial<KiwifyApiConfig> = {}): KiwifyApiConfig {
  return {
    baseUrl: fake.url,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    accountId: fake.accountId,
    timeoutMs: 2_000,
    clock: Date.now,
    ...over,
  };
}
