import type { APIActionRowComponent, APIButtonComponentWithCustomId } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertDispatcher } from '../../src/alerts/dispatcher.js';
import { AlertOutbox } from '../../src/alerts/outbox.js';
import { DiscordApi } from '../../src/clients/discord-rest.js';
import { discordBotChannel } from '../../src/discord-console/bot-channel.js';
import { PermanentError, TransientError } from '../../src/domain/errors.js';
import { createLogger } from '../../src/log/logger.js';
import type { Runtime } from '../../src/app/runtime.js';
import { startFakeCallMeBot, type FakeCallMeBot } from '../../src/sandbox/fake-callmebot.js';
import { startFakeDiscordApi, type FakeDiscordApi } from '../../src/sandbox/fake-discord-rest.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { retryEvent } from '../../src/replay/event-replay.js';
import { systemClock } from '../../src/timing/clock.js';
import type { HandlerRegistry } from '../../src/worker/types.js';
import { Worker } from '../../src/worker/worker.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { approvedSale, deliver } from '../helpers/kiwify.js';
import { startRuntime, waitFor } from '../helpers/runtime.js';

/** Every failure of every run reaches support once, on both stores; the alert carries its buttons. */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanups.splice(0).reverse()) await close();
});

const log = createLogger('silent');

describe.each(STORE_TARGETS)('failure alerts on $name', (target) => {
  async function start(handler: HandlerRegistry) {
    const callmebot: FakeCallMeBot = await startFakeCallMeBot();
    cleanups.push(() => callmebot.close());
    const runtime: Runtime = await startRuntime({
      handlers: handler,
      env: { CALLMEBOT_BASE_URL: callmebot.url, ...(await target.fresh()) },
    });
    cleanups.push(() => runtime.stop());
    return { runtime, callmebot };
  }

  const statusOf = async (runtime: Runtime, id: number) => (await runtime.store.events.get(id))?.status;

  it('a second failure after a replay alerts again; retries of one round repeat no handler alert', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { runtime, callmebot } = await start({
      order_approved: async (ctx) => {
        await ctx.alert('⚠️ *Aviso do fluxo:* celular sem WhatsApp', 'welcome-skipped');
        // A transient failure first (the same round goes on), then a permanent one.
        if (ctx.event.attempts === 1) throw new TransientError('EAD fora do ar (HTTP 503).', 'http_503');
        throw new PermanentError('EAD recusou o pedido (HTTP 422): curso inválido.', 'ead_refused');
      },
    });
    const id = Number((await deliver(runtime.url(), approvedSale(1))).body.eventId);
    await waitFor(async () => (await statusOf(runtime, id)) === 'failed', 10_000, 'first failure');
    const failuresSent = () => callmebot.calls.filter((c) => c.text.includes('🚨 *Falha:*')).length;
    const noticesSent = () => callmebot.calls.filter((c) => c.text.includes('Aviso do fluxo')).length;
    await waitFor(() => failuresSent() === 1 && noticesSent() === 1, 10_000, 'first alerts');

    expect(await retryEvent(runtime.store, id, 'pelo teste')).toBe('queued');
    runtime.worker.wake();
    await waitFor(async () => (await runtime.store.events.get(id))?.runs === 4 && (await statusOf(runtime, id)) === 'failed', 10_000);
    await waitFor(() => failuresSent() === 2 && noticesSent() === 2, 10_000, 'second alerts');

    // A third round (a bulk replay does the same) alerts a third time.
    expect(await retryEvent(runtime.store, id, 'pelo teste')).toBe('queued');
    runtime.worker.wake();
    await waitFor(() => failuresSent() === 3 && noticesSent() === 3, 10_000, 'third alerts');
    // Each was sent once: the outbox empties (the fake records a call before the bridge marks it sent).
    await waitFor(async () => (await runtime.store.alerts.countByStatus()).pending === 0, 10_000, 'outbox empty');
    expect(await runtime.store.alerts.countByStatus()).toMatchObject({ sent: 6, failed: 0 });
    expect([failuresSent(), noticesSent()]).toEqual([3, 3]);
  });

  it("the failure's Discord alert carries Reprocessar and Resolver even when the dispatcher reads the outbox at the worst moment", async ({
    skip,
  }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const api: FakeDiscordApi = await startFakeDiscordApi();
    cleanups.push(() => api.close());
    const store: Stores = await openStores(await target.fresh());
    cleanups.push(() => store.close());
    const bot = new DiscordApi({ baseUrl: api.apiUrl, applicationId: api.applicationId, botToken: api.botToken, timeoutMs: 2_000 });
    const channel = discordBotChannel({ api: bot, channelId: '200000000000000001', store });

    // The race made certain: right before the worker records the failure, whatever the outbox
    // already shows is posted — as the dispatcher, woken by the alert, does on PostgreSQL.
    const finish = store.queue.finish.bind(store.queue);
    let raced = 0;
    store.queue.finish = async (claim, status, ...rest) => {
      if (status === 'failed') {
        const due = await store.alerts.due('discord', 50);
        if (due.length > 0) {
          await channel.sendAlerts!(due.map((a) => ({ text: a.text, eventId: a.event_id })));
          await store.alerts.markSent(
            'discord',
            'test',
            due.map((a) => a.id),
            0,
          );
        }
        raced += 1;
      }
      return finish(claim, status, ...rest);
    };

    const dispatcher = new AlertDispatcher({ store, channels: [channel], log, intervalMs: 0, tickMs: 20, clock: systemClock });
    await dispatcher.start();
    cleanups.push(() => dispatcher.stop());
    const outbox = new AlertOutbox(store, ['discord'], log, () => dispatcher.wake());
    const worker = new Worker({
      store,
      handlers: {
        order_approved: () => Promise.reject(new PermanentError('EAD recusou o pedido (HTTP 422): curso inválido.', 'ead_refused')),
      },
      alerts: outbox,
      log,
      concurrency: 1,
      maxAttempts: 3,
      retryBaseMs: 10,
      leaseMs: 5_000,
      pollMs: 20,
      clock: systemClock,
    });
    await worker.start();
    cleanups.push(() => worker.stop(1_000));
    const { id } = await store.inbox.insert({ eventType: 'order_approved', dedupeKey: 'k1', customerKey: 'cpf:1', body: {} });
    worker.wake();

    await waitFor(() => api.messages.length > 0, 10_000, 'alert posted');
    const posted = api.messages;
    expect(raced).toBe(1);
    expect(posted).toHaveLength(1);
    const rows = posted[0].body.components as Array<APIActionRowComponent<APIButtonComponentWithCustomId>>;
    expect(rows.flatMap((r) => r.components.map((b) => b.custom_id))).toEqual([`ponte:retry:${id}`, `ponte:resolve:${id}`]);
    expect(JSON.stringify(posted[0].body.embeds)).toContain('EAD recusou o pedido');
  });
});
