import { systemClock } from '../../src/timing/clock.js';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertChannel } from '../../src/alerts/channels.js';
import { AlertDispatcher } from '../../src/alerts/dispatcher.js';
import { AlertOutbox } from '../../src/alerts/outbox.js';
import { CallMeBotClient } from '../../src/clients/callmebot.js';
import { DiscordClient } from '../../src/clients/discord-webhook.js';
import { createLogger } from '../../src/log/logger.js';
import { startFakeCallMeBot, type FakeCallMeBot } from '../../src/sandbox/fake-callmebot.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/sandbox/fake-discord-webhook.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { tempDir } from '../helpers/config.js';
import { captureLogs } from '../helpers/logs.js';
import { waitFor } from '../helpers/runtime.js';

let callmebot: FakeCallMeBot;
let discord: FakeDiscord;
let store: Stores;
let dbPath: string;
let dispatcher: AlertDispatcher | undefined;
let logs: ReturnType<typeof captureLogs>;

function channels(callMeBotUrl = callmebot.url): AlertChannel[] {
  const cmb = new CallMeBotClient({ baseUrl: callMeBotUrl, phone: '+55 61 99999-0000', apiKey: 'k+y/=', timeoutMs: 2_000 });
  const dc = new DiscordClient(discord.webhookUrl, 2_000);
  return [
    { name: 'callmebot', limit: 1200, send: (t) => cmb.sendWhatsApp(t) },
    { name: 'discord', limit: 2000, send: (t) => dc.send(t) },
  ];
}

async function startDispatcher(intervalMs: number, chans = channels()) {
  const log = createLogger('info', logs.stream);
  dispatcher = new AlertDispatcher({ store, channels: chans, log, intervalMs, tickMs: 20, retryBaseMs: 50, clock: systemClock });
  await dispatcher.start();
  const outbox = new AlertOutbox(
    store,
    chans.map((c) => c.name),
    log,
    () => dispatcher!.wake(),
  );
  return outbox;
}

beforeEach(async () => {
  callmebot = await startFakeCallMeBot();
  discord = await startFakeDiscord();
  dbPath = join(tempDir(), 'alerts.db');
  store = await openStores({ SQLITE_PATH: dbPath });
  logs = captureLogs();
});
afterEach(async () => {
  await dispatcher?.stop();
  dispatcher = undefined;
  await store.close();
  await callmebot.close();
  await discord.close();
});

describe('alert dispatcher', () => {
  it('sends to CallMeBot with the phone digits, encoded text and apikey, and to Discord', async () => {
    const outbox = await startDispatcher(0);
    await outbox.enqueue('Falha: pedido AbC1dEf\nMotivo: 100% + erro & cia');
    await waitFor(() => callmebot.calls.length === 1 && discord.calls.length === 1, 5_000, 'both channels');
    expect(callmebot.calls[0]).toMatchObject({
      phone: '5561999990000',
      text: 'Falha: pedido AbC1dEf\nMotivo: 100% + erro & cia',
      apikey: 'k+y/=',
    });
    expect(discord.calls[0].content).toBe('Falha: pedido AbC1dEf\nMotivo: 100% + erro & cia');
    await waitFor(async () => (await store.alerts.countByStatus()).sent === 2, 2_000, 'marked sent');
  });

  it('spaces messages out and merges what piles up in between into one summary', async () => {
    const outbox = await startDispatcher(600);
    await outbox.enqueue('primeiro');
    await waitFor(() => callmebot.calls.length === 1, 5_000, 'first');
    await outbox.enqueue('segundo');
    await outbox.enqueue('terceiro');
    await outbox.enqueue('quarto');
    await waitFor(() => callmebot.calls.length === 2, 5_000, 'second');
    // Every alert is marked sent: nothing is left for a third message.
    await waitFor(async () => (await store.alerts.countByStatus()).pending === 0, 5_000, 'all sent');
    expect(callmebot.calls).toHaveLength(2);
    expect(callmebot.calls[1].at - callmebot.calls[0].at).toBeGreaterThanOrEqual(580);
    expect(callmebot.calls[1].text).toBe('🔔 *3 alertas acumulados*\n\n1) segundo\n\n2) terceiro\n\n3) quarto');
  });

  it('counts CallMeBot as delivered only when it says "Message queued"', async () => {
    callmebot.answers.push('unqueued_200', 'error_500');
    const outbox = await startDispatcher(0);
    await outbox.enqueue('importante');
    await waitFor(() => callmebot.calls.length === 3, 5_000, 'third try');
    await waitFor(async () => (await store.alerts.due('callmebot', 10)).length === 0, 2_000, 'sent');
    expect(callmebot.calls.map((c) => c.text)).toEqual(['importante', 'importante', 'importante']);
    const [channel] = (await store.alerts.channels()).filter((c) => c.channel === 'callmebot');
    expect(channel.last_ok_at).toBeGreaterThan(channel.last_error_at!);
  });

  it('backs off for minutes when CallMeBot says "Too many requests"', async () => {
    callmebot.answers.push('too_many');
    const outbox = await startDispatcher(0);
    await outbox.enqueue('um');
    await waitFor(() => callmebot.calls.length === 1, 5_000, 'first try');
    // The channel's next send is recorded minutes away: no try can come before it.
    const channel = await waitFor(
      async () => (await store.alerts.channels()).find((c) => c.channel === 'callmebot' && c.last_error_at !== null),
      5_000,
      'backoff recorded',
    );
    expect(channel.next_send_at - Date.now()).toBeGreaterThan(4 * 60_000);
    expect(callmebot.calls).toHaveLength(1);
  });

  it('gives up on an alert CallMeBot refuses for good (bad apikey), logging it', async () => {
    callmebot.answers.push('invalid_key');
    const outbox = await startDispatcher(0);
    await outbox.enqueue('um');
    // Marked failed for good: it is never tried again.
    await waitFor(async () => (await store.alerts.countByStatus()).failed === 1, 5_000, 'failed');
    expect(callmebot.calls).toHaveLength(1);
    expect(logs.text()).toContain('alerta não entregue');
    expect(logs.text()).toContain('APIKey');
  });

  it("waits Discord's retry_after on 429, then delivers", async () => {
    discord.answers.push({ status: 429, retryAfterSeconds: 0.5 });
    const outbox = await startDispatcher(0);
    await outbox.enqueue('um');
    await waitFor(() => discord.calls.length === 2, 5_000, 'retry after 429');
    expect(discord.calls[1].at - discord.calls[0].at).toBeGreaterThanOrEqual(480);
    await waitFor(async () => (await store.alerts.due('discord', 10)).length === 0, 2_000, 'sent');
  });

  it('an absurd retry_after (a billion seconds) parks the channel 15 minutes at most, not for good', async () => {
    discord.answers.push({ status: 429, retryAfterSeconds: 1e9 });
    const outbox = await startDispatcher(0);
    await outbox.enqueue('um');
    const channel = await waitFor(
      async () => (await store.alerts.channels()).find((c) => c.channel === 'discord' && c.last_error_at !== null),
      5_000,
      'backoff recorded',
    );
    expect(channel.next_send_at - Date.now()).toBeLessThanOrEqual(15 * 60_000);
  });

  it('cuts each message to its channel limit', async () => {
    const outbox = await startDispatcher(0);
    await outbox.enqueue(`início ${'x'.repeat(5000)}`);
    await waitFor(() => callmebot.calls.length === 1 && discord.calls.length === 1, 5_000, 'both');
    expect(callmebot.calls[0].text.length).toBe(1200);
    expect(discord.calls[0].content.length).toBe(2000);
  });

  it('an unreachable channel is logged and retried, and crashes nothing', async () => {
    const outbox = await startDispatcher(0, channels('http://127.0.0.1:9'));
    await outbox.enqueue('um');
    await waitFor(() => logs.text().includes('alerta não entregue'), 5_000, 'error logged');
    // Discord delivered (its "sent" committed), CallMeBot's copy still waiting for a retry.
    const counts = await waitFor(
      async () => {
        const c = await store.alerts.countByStatus();
        return c.sent === 1 ? c : undefined;
      },
      5_000,
      'discord still delivered',
    );
    expect(discord.calls).toHaveLength(1);
    expect(counts.pending).toBe(1);
  });

  it('alerts survive a restart: queued while nothing sends, delivered by the next process', async () => {
    const log = createLogger('silent');
    await store.alerts.ensureChannels(['callmebot', 'discord']);
    await new AlertOutbox(store, ['callmebot', 'discord'], log).enqueue('antes do reinício');
    await store.close();
    store = await openStores({ SQLITE_PATH: dbPath });
    await startDispatcher(0);
    await waitFor(() => callmebot.calls.length === 1, 5_000, 'delivered after restart');
    expect(callmebot.calls[0].text).toBe('antes do reinício');
  });
});
