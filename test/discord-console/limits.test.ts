import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertChannel } from '../../src/alerts/channels.js';
import { AlertDispatcher } from '../../src/alerts/dispatcher.js';
import { AlertOutbox } from '../../src/alerts/outbox.js';
import { DiscordApi } from '../../src/clients/discord-rest.js';
import { alertMessage } from '../../src/discord-console/alert-message.js';
import { discordBotChannel } from '../../src/discord-console/bot-channel.js';
import { embedSize, fitMessage } from '../../src/discord-console/discord-limits.js';
import { PermanentError } from '../../src/domain/errors.js';
import { messages } from '../../src/domain/messages.js';
import { parseDelivery } from '../../src/intake/kiwify-payload.js';
import { createLogger } from '../../src/log/logger.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/sandbox/fake-discord-webhook.js';
import { discordFormProblems, startFakeDiscordApi, type FakeDiscordApi } from '../../src/sandbox/fake-discord-rest.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { systemClock } from '../../src/timing/clock.js';
import { alertChannelsFromConfig } from '../../src/app/wiring.js';
import { testConfig } from '../helpers/config.js';
import { approvedSale, bodyOf } from '../helpers/kiwify.js';
import { waitFor } from '../helpers/runtime.js';
import { CHANNEL, shown } from './helpers.js';
import { SHOWN_LIMITS, shownText } from '../../src/domain/clean-text.js';

const log = createLogger('silent');
const LONG_NAME = 'Maximiliana'.repeat(355).slice(0, 3_900);
/** A buyer's name written to be read as Discord markdown: a masked link, a mention, a heading. */
const HOSTILE_NAME = '[Suporte:clique](https://golpe.example/pix)';
const HOSTILE_FULL = `${HOSTILE_NAME} @everyone <@500000000000000001> # Título`;

let api: FakeDiscordApi;
let webhook: FakeDiscord;
let store: Stores;
let dispatcher: AlertDispatcher | undefined;
beforeEach(async () => {
  api = await startFakeDiscordApi();
  webhook = await startFakeDiscord();
  store = await openStores({ SQLITE_PATH: ':memory:' });
});
afterEach(async () => {
  await dispatcher?.stop();
  dispatcher = undefined;
  await store.close();
  await api.close();
  await webhook.close();
});

/** A sale in the inbox for a buyer of that name; its id. */
async function saleOf(n: number, name: string): Promise<number> {
  const parsed = parseDelivery(bodyOf(approvedSale(n, { Customer: { ...approvedSale(n).Customer, full_name: name, first_name: name } })));
  if (!parsed.ok) throw new Error(parsed.message);
  return (await store.inbox.insert(parsed.delivery)).id;
}

const failedAlert = async (n: number, name: string) => {
  const id = await saleOf(n, name);
  const event = (await store.events.get(id))!;
  return { id, text: messages.eventFailed(event, 'O plano "X" não está no mapa de planos.', 1, false, 'unmapped_plan') };
};

async function dispatch(channel: AlertChannel): Promise<AlertOutbox> {
  dispatcher = new AlertDispatcher({ store, channels: [channel], log, intervalMs: 0, tickMs: 20, retryBaseMs: 10, clock: systemClock });
  await dispatcher.start();
  return new AlertOutbox(store, [channel.name], log, () => dispatcher!.wake());
}

const botChannel = () =>
  discordBotChannel({
    api: new DiscordApi({ baseUrl: api.apiUrl, applicationId: api.applicationId, botToken: api.botToken, timeoutMs: 2_000 }),
    channelId: CHANNEL,
    store,
  });

const postedText = () => JSON.stringify(api.messages.map((m) => m.body));

describe('Discord messages fit its limits by construction', () => {
  it('two buyers with 3,900-character names and a third, ordinary alert: all three reach Discord, no message refused', async () => {
    const outbox = await dispatch(botChannel());
    const alerts = [
      await failedAlert(1, LONG_NAME),
      await failedAlert(2, `${LONG_NAME.slice(0, 3_899)}X`),
      await failedAlert(3, 'Ana Souza'),
    ];
    for (const a of alerts) await outbox.enqueue(a.text, { eventId: a.id });
    await waitFor(() => alerts.every((a) => postedText().includes(`#${a.id} venda aprovada`)), 10_000, 'the three alerts');
    expect(api.calls.filter((c) => c.kind === 'post_message').map((c) => c.status)).not.toContain(400);
    for (const m of api.messages) expect(discordFormProblems(m.body)).toEqual([]);
    await waitFor(async () => (await store.alerts.due('discord', 10)).length === 0, 5_000, 'nothing left');
  });

  it('alerts whose embeds add up past 6,000 characters go in as many messages as needed, none dropped', async () => {
    const outbox = await dispatch(botChannel());
    const texts = Array.from({ length: 12 }, (_, i) => `🔌 *Aviso ${i + 1}*\n${`linha ${i + 1} `.repeat(400)}`);
    for (const text of texts) await outbox.enqueue(text);
    await waitFor(() => texts.every((_, i) => postedText().includes(`Aviso ${i + 1}`)), 10_000, 'every alert');
    expect(api.messages.length).toBeGreaterThan(2);
    for (const m of api.messages) expect(discordFormProblems(m.body)).toEqual([]);
  });

  it('alertMessage takes as many alerts as fit and says how many; fitMessage cuts anything to the limits', () => {
    const big = Array.from({ length: 5 }, (_, i) => ({ text: `🔌 *Aviso ${i}*\n${'x'.repeat(3_990)}`, eventId: null }));
    const { message, count } = alertMessage(big);
    expect(count).toBe(1);
    expect(message.content).toContain('mais 4 alerta(s)');
    expect(discordFormProblems(message as Record<string, unknown>)).toEqual([]);
    const huge = fitMessage({
      content: 'c'.repeat(5_000),
      embeds: Array.from({ length: 14 }, () => ({
        title: 't'.repeat(300),
        description: 'd'.repeat(5_000),
        fields: [{ name: 'n', value: 'v'.repeat(2_000) }],
      })),
    });
    expect(discordFormProblems(huge as Record<string, unknown>)).toEqual([]);
    expect(huge.embeds.reduce((n, e) => n + embedSize(e), 0)).toBeLessThanOrEqual(6_000);
  });

  it('a merged message refused with 400 (even as plain lines) drops none of its alerts: they go one at a time', async () => {
    const outbox = await dispatch(botChannel());
    const alerts = [await failedAlert(4, 'Bia Lima'), await failedAlert(5, 'Caio Reis'), await failedAlert(6, 'Duda Melo')];
    api.answers.push({ status: 400 }, { status: 400 });
    for (const a of alerts) await outbox.enqueue(a.text, { eventId: a.id });
    await waitFor(() => alerts.every((a) => postedText().includes(`#${a.id} venda aprovada`)), 10_000, 'the three alerts');
    expect(api.calls.filter((c) => c.kind === 'post_message' && c.status === 400).length).toBeGreaterThanOrEqual(1);
    await waitFor(async () => (await store.alerts.due('discord', 10)).length === 0, 5_000, 'nothing left');
  });

  it('the dispatcher: of a batch refused for its form, only the alert refused alone is given up', async () => {
    const sent: string[] = [];
    const channel: AlertChannel = {
      name: 'discord',
      limit: 2_000,
      send: (text) => {
        if (text.includes('alerta ruim')) return Promise.reject(new PermanentError('Discord respondeu HTTP 400', 'http_400'));
        sent.push(text);
        return Promise.resolve();
      },
    };
    const outbox = await dispatch(channel);
    for (const text of ['primeiro', 'alerta ruim', 'terceiro']) await outbox.enqueue(text);
    await waitFor(() => sent.includes('terceiro') && sent.includes('primeiro'), 10_000, 'the good alerts');
    expect(sent).toEqual(['primeiro', 'terceiro']);
    await waitFor(async () => (await store.alerts.due('discord', 10)).length === 0, 5_000, 'nothing left');
  });
});

describe('buyer text is shown literally on Discord', () => {
  it('the bot: a masked link, a mention and a heading in a name are escaped; Discord shows the name as typed', async () => {
    const outbox = await dispatch(botChannel());
    const { id, text } = await failedAlert(7, HOSTILE_FULL);
    await outbox.enqueue(text, { eventId: id });
    const message = await waitFor(() => api.messages.find((m) => JSON.stringify(m.body).includes(`#${id} `)), 10_000, 'the alert');
    const description = (message.body as { embeds: Array<{ description: string }> }).embeds[0].description;
    expect(description).not.toContain(HOSTILE_NAME);
    expect(description).not.toMatch(/(?<!\\)\]\(/);
    expect(shown(description)).toContain(HOSTILE_NAME); // the first name, as the buyer typed it
    expect(message.body).toMatchObject({ allowed_mentions: { parse: [] } });
  });

  it('the webhook channel: the heading stays bold, the name (link, @everyone, mention, heading) is plain text', async () => {
    const channel = alertChannelsFromConfig(testConfig({ DISCORD_WEBHOOK_URL: webhook.webhookUrl })).find((c) => c.name === 'discord')!;
    const outbox = await dispatch(channel);
    const { id, text } = await failedAlert(8, HOSTILE_FULL);
    await outbox.enqueue(text, { eventId: id });
    const call = await waitFor(() => webhook.calls.find((c) => c.content.includes(`#${id} `)), 10_000, 'the alert');
    expect(call.content).toMatch(/^🚨 \*\*Falha:\*\* /);
    // Each would act unescaped: a masked link, a mass mention, a user mention, a heading.
    for (const live of [/(?<!\\)\]\(/, /(?<!\\)@everyone/, /(?<!\\)<@/, /(?<!\\)# Título/]) expect(call.content).not.toMatch(live);
    // As typed, cut to what an alert shows of a name.
    expect(shown(call.content)).toContain(shownText(HOSTILE_FULL, SHOWN_LIMITS.name));
  });
});
