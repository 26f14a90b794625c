import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { discordBotChannel } from '../../src/discord-console/bot-channel.js';
import { AlertDispatcher } from '../../src/alerts/dispatcher.js';
import { AlertOutbox } from '../../src/alerts/outbox.js';
import { createApp } from '../../src/app/create-app.js';
import { discordCommand } from '../../src/cli/commands/discord-command.js';
import { DiscordApi } from '../../src/clients/discord-rest.js';
import { CustomerKeys } from '../../src/privacy/customer-keys.js';
import { TransientError } from '../../src/domain/errors.js';
import { createLogger } from '../../src/log/logger.js';
import { startFakeDiscordApi, type FakeDiscordApi } from '../../src/sandbox/fake-discord-rest.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { systemClock } from '../../src/timing/clock.js';
import { runCommand } from '../helpers/cli.js';
import { waitFor } from '../helpers/runtime.js';
import { CHANNEL, discordEnv, discordKeys, GUILD, postInteraction, pressButton, ROLE, shown, slash, type DiscordKeys } from './helpers.js';

/** The REST side: the bot's alerts through the paced outbox (429 honoured), deferred answers, command registration. */

let api: FakeDiscordApi;
let keys: DiscordKeys;
let store: Stores;
const log = createLogger('silent');

beforeAll(async () => {
  api = await startFakeDiscordApi();
  keys = discordKeys();
});
afterAll(async () => {
  await api.close();
});

const client = () => new DiscordApi({ baseUrl: api.apiUrl, applicationId: api.applicationId, botToken: api.botToken, timeoutMs: 2_000 });

describe('bot alerts through the outbox', () => {
  let dispatcher: AlertDispatcher | undefined;
  afterEach(async () => {
    await dispatcher?.stop();
    dispatcher = undefined;
    await store.close();
  });

  it("a 429 is retried after Discord's retry_after, and the alert is posted once", async () => {
    store = await openStores({ SQLITE_PATH: ':memory:' });
    const channel = discordBotChannel({ api: client(), channelId: CHANNEL, store });
    dispatcher = new AlertDispatcher({ store, channels: [channel], log, intervalMs: 0, tickMs: 20, retryBaseMs: 10, clock: systemClock });
    await dispatcher.start();
    const outbox = new AlertOutbox(store, ['discord'], log, () => dispatcher!.wake());
    const before = api.calls.length;
    const posted = api.messages.length;
    api.answers.push({ status: 429, retryAfterSeconds: 0.5 });
    await outbox.enqueue('🔌 *Conexão com o EAD falhando*\nMotivo: EAD_API_KEY recusada.');
    await waitFor(() => api.messages.length > posted, 10_000, 'alert posted');
    const posts = api.calls.slice(before).filter((c) => c.kind === 'post_message');
    expect(posts.map((c) => c.status)).toEqual([429, 200]);
    expect(posts[1].at - posts[0].at).toBeGreaterThanOrEqual(450);
    const message = api.messages.at(-1)!;
    expect(message.body).toMatchObject({ embeds: [{ title: '🔌 Conexão com o EAD falhando' }] });
    expect(shown((message.body as { embeds: Array<{ description: string }> }).embeds[0].description)).toBe('Motivo: EAD_API_KEY recusada.');
    expect(api.messages.length).toBe(posted + 1);
  });

  it('the client classifies refusals: 429 transient with its wait, 401 permanent naming the token', async () => {
    api.answers.push({ status: 429, retryAfterSeconds: 1.25 });
    const err = await client()
      .postMessage(CHANNEL, { content: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBe(1250);
    const wrong = new DiscordApi({ baseUrl: api.apiUrl, applicationId: api.applicationId, botToken: 'errado', timeoutMs: 2_000 });
    const refused = await wrong.postMessage(CHANNEL, { content: 'x' }).catch((e: unknown) => e);
    expect((refused as Error).message).toContain('DISCORD_BOT_TOKEN');
    expect((refused as TransientError).transient).toBe(false);
  });
});

describe('deferred answers', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    store = await openStores({ SQLITE_PATH: ':memory:' });
    const app = createApp({
      log,
      store,
      customerKeys: new CustomerKeys('test-secret-for-customer-keys'),
      webhookTokens: ['token-de-teste'],
      version: 'test',
      startedAt: 0,
      // Every answer counts as slow: it is deferred, then edited through the REST API.
      discord: { publicKey: keys.publicKeyHex, guildId: GUILD, supportRoleId: ROLE, editor: client(), deferAfterMs: 0 },
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  });

  it('a slow command answers "thinking…" (ephemeral), then edits the original answer', async () => {
    const interaction = slash('status');
    const res = await postInteraction(url, keys, interaction);
    expect(res.body).toEqual({ type: 5, data: { flags: 64 } });
    const edit = await waitFor(() => api.interactionEdits.find((e) => e.token === interaction.token), 5_000, 'edit');
    expect(edit.body.content).toContain('**Situação da ponte Kiwify → EAD**');
  });

  it("a slow button's refusal goes as an ephemeral follow-up, never over the message", async () => {
    const interaction = pressButton('ponte:retry:424242', { content: 'alerta', components: [] });
    const res = await postInteraction(url, keys, interaction);
    expect(res.body).toEqual({ type: 6 });
    const followUp = await waitFor(() => api.followUps.find((e) => e.token === interaction.token), 5_000, 'follow-up');
    expect(followUp.body).toMatchObject({ content: 'Evento não encontrado.', flags: 64 });
    expect(api.interactionEdits.some((e) => e.token === interaction.token)).toBe(false);
  });
});

describe('npm run discord -- register', () => {
  it('creates /ponte, then says nothing changed; refuses without the variables', async () => {
    const env = discordEnv(keys, api);
    const first = await runCommand(discordCommand, ['register'], env);
    expect(first.code).toBe(0);
    expect(first.out).toContain('+ /ponte: criado');
    const saved = api.commands.get(GUILD)!;
    expect(saved[0]).toMatchObject({ name: 'ponte' });
    expect((saved[0].options as Array<{ name: string }>).map((o) => o.name)).toEqual([
      'status',
      'falhas',
      'evento',
      'reprocessar',
      'resolver',
      'boas-vindas',
    ]);

    const puts = api.calls.filter((c) => c.kind === 'set_commands').length;
    const second = await runCommand(discordCommand, ['register'], env);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/^Nada mudou/);
    expect(api.calls.filter((c) => c.kind === 'set_commands').length).toBe(puts);

    const missing = await runCommand(discordCommand, ['register'], { DISCORD_APPLICATION_ID: api.applicationId });
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('DISCORD_PUBLIC_KEY');
    expect((await runCommand(discordCommand, [], env)).code).toBe(2);
  });
});
