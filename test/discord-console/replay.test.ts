import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create-app.js';
import { CustomerKeys } from '../../src/privacy/customer-keys.js';
import { createHttpServer } from '../../src/http/http-server.js';
import { parseDelivery } from '../../src/intake/kiwify-payload.js';
import { createLogger } from '../../src/log/logger.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import type { StorageConfig } from '../../src/store/open-database.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { approvedSale, bodyOf } from '../helpers/kiwify.js';
import { discordKeys, GUILD, nowSeconds, postInteraction, ROLE, signInteraction, slash } from './helpers.js';

/**
 * A captured, signed `/ponte reprocessar` replayed within its 5 minutes: refused after a restart
 * (a new app on the same database) and by another instance sharing the database — the set of
 * interactions seen lives in the database, not in one process's memory.
 */

const keys = discordKeys();
const REFUSED = { status: 401, body: { ok: false, error: 'Interação já recebida: repetições são recusadas.' } };

interface Instance {
  store: Stores;
  server: Server;
  url: string;
}
let instances: Instance[] = [];
afterEach(async () => {
  for (const i of instances) await stop(i);
  instances = [];
});

async function start(config: StorageConfig): Promise<Instance> {
  const store = await openStores(config);
  const app = createApp({
    log: createLogger('silent'),
    store,
    customerKeys: new CustomerKeys('test-secret-for-customer-keys'),
    webhookTokens: ['token-de-teste'],
    version: 'replay',
    startedAt: 0,
    discord: {
      publicKey: keys.publicKeyHex,
      guildId: GUILD,
      supportRoleId: ROLE,
      editor: { editOriginal: async () => {}, followUp: async () => {} },
    },
  });
  const server = createHttpServer(app, { requestTimeoutMs: 10_000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const instance = { store, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  instances.push(instance);
  return instance;
}

async function stop(instance: Instance): Promise<void> {
  if (!instance.server.listening) return;
  await new Promise((resolve) => instance.server.close(resolve));
  await instance.store.close();
}

/** A failed sale, as the worker leaves one. */
async function failed(store: Stores, n: number): Promise<number> {
  const parsed = parseDelivery(bodyOf(approvedSale(n)));
  if (!parsed.ok) throw new Error(parsed.message);
  const { id } = await store.inbox.insert(parsed.delivery);
  await failAgain(store, id);
  return id;
}

/** The worker runs it (after a retry) and it fails again. */
async function failAgain(store: Stores, id: number): Promise<void> {
  const [claim] = (await store.queue.claimDue('worker', 50, 60_000)).filter((c) => c.id === id);
  await store.queue.finish(claim, 'failed', 'Plano sem mapa', { message: 'Plano sem mapa', code: 'unmapped_plan' });
}

const retriesAsked = async (store: Stores, id: number) => (await store.journal.history(id)).filter((h) => h.kind === 'manual').length;

/** One signed `/ponte reprocessar`, captured: the same bytes, timestamp and signature every time. */
function captured(id: number) {
  const body = JSON.stringify(slash('reprocessar', { id }));
  const timestamp = nowSeconds();
  return { body, headers: { timestamp, signature: signInteraction(keys, timestamp, body) } };
}

describe.each(STORE_TARGETS)('Discord replays ($name)', (target) => {
  it('a signed /ponte reprocessar replayed after a restart is refused, and nothing runs again', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const config = await target.fresh();
    const before = await start(config);
    const id = await failed(before.store, 1);
    const request = captured(id);

    const first = await postInteraction(before.url, keys, request.body, request.headers);
    expect(first.status).toBe(200);
    expect(first.body.data.content).toContain(`Evento #${id} de volta na fila`);
    await failAgain(before.store, id); // it ran and failed again: a replay would put it back
    await stop(before);

    const after = await start(config);
    expect(await postInteraction(after.url, keys, request.body, request.headers)).toEqual(REFUSED);
    expect((await after.store.events.get(id))?.status).toBe('failed');
    expect(await retriesAsked(after.store, id)).toBe(1);
    // Discord's next, new interaction is not a replay.
    const fresh = await postInteraction(after.url, keys, slash('reprocessar', { id }));
    expect(fresh.body.data.content).toContain(`Evento #${id} de volta na fila`);
  });

  it('the set of interactions seen forgets what expired, in one indexed delete', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    let now = 1_700_000_000_000;
    const store = await openStores(await target.fresh(), () => now);
    try {
      expect(await store.interactions.firstTime('a', now + 60_000)).toBe(true);
      expect(await store.interactions.firstTime('a', now + 60_000)).toBe(false);
      expect(await store.interactions.firstTime('b', now + 120_000)).toBe(true);
      now += 90_000;
      expect(await store.interactions.prune()).toBe(1);
      expect(await store.interactions.firstTime('b', now + 60_000)).toBe(false);
      // Past its expiry the request is refused as stale by its signature; its row may go.
      expect(await store.interactions.firstTime('a', now + 60_000)).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe.each(STORE_TARGETS.filter((t) => t.name === 'postgres'))('Discord replays across instances ($name)', (target) => {
  it('a request answered by one instance is refused by another sharing the database', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const config = await target.fresh();
    const [a, b] = [await start(config), await start(config)];
    const id = await failed(a.store, 2);
    const request = captured(id);
    expect((await postInteraction(a.url, keys, request.body, request.headers)).status).toBe(200);
    await failAgain(a.store, id);
    expect(await postInteraction(b.url, keys, request.body, request.headers)).toEqual(REFUSED);
    // Both at once: one answer, one refusal.
    const other = await failed(a.store, 3);
    const race = captured(other);
    const answers = await Promise.all([a, b].map((i) => postInteraction(i.url, keys, race.body, race.headers)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(await retriesAsked(a.store, other)).toBe(1);
  });
});
