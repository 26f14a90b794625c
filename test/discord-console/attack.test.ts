import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create-app.js';
import { DiscordApi } from '../../src/clients/discord-rest.js';
import { MAX_RETRY_AFTER_MS } from '../../src/clients/upstream-http.js';
import { CustomerKeys } from '../../src/privacy/customer-keys.js';
import { TransientError } from '../../src/domain/errors.js';
import type { InteractionEditor } from '../../src/discord-console/interaction-route.js';
import { createHttpServer } from '../../src/http/http-server.js';
import { slowSenders } from '../helpers/slow-clients.js';
import { parseDelivery } from '../../src/intake/kiwify-payload.js';
import { createLogger } from '../../src/log/logger.js';
import { fakeApp, listenFake } from '../../src/sandbox/fake-server.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { approvedSale, bodyOf } from '../helpers/kiwify.js';
import { waitFor } from '../helpers/runtime.js';
import {
  ANA,
  discordKeys,
  GUILD,
  nowSeconds,
  postInteraction,
  pressButton,
  ROLE,
  signInteraction,
  slash,
  submitNote,
  supportMember,
  type DiscordKeys,
} from './helpers.js';

/**
 * POST /discord/interactions attacked: signature and replay tricks, members that are not,
 * tampered buttons and modals, option values of the wrong type, oversized and deeply nested
 * bodies, many requests at once, a deferred answer Discord will not take. Never a 5xx, never an
 * action that should not happen, never the buyer's data in a channel message.
 */

const EPHEMERAL = 64;
let keys: DiscordKeys;
let store: Stores;
let baseUrl: string;
let sale = 0;

/** What the route's late answers did: edits, follow-ups, and the failures it reported. */
const late = {
  edits: [] as Array<{ token: string; body: any }>,
  followUps: [] as Array<{ token: string; body: any }>,
  errors: [] as unknown[],
};
/** The next late answers fail this way (then succeed). */
let editFailures: Error[] = [];

const editor: InteractionEditor = {
  editOriginal: async (token, body) => {
    const failure = editFailures.shift();
    if (failure) throw failure;
    late.edits.push({ token, body });
  },
  followUp: async (token, body) => {
    const failure = editFailures.shift();
    if (failure) throw failure;
    late.followUps.push({ token, body });
  },
};

async function serve(deferAfterMs: number): Promise<{ server: Server; url: string }> {
  const app = createApp({
    log: createLogger('silent'),
    store,
    customerKeys: new CustomerKeys('test-secret-for-customer-keys'),
    webhookTokens: ['token-de-teste'],
    version: 'attack',
    startedAt: 0,
    discord: {
      publicKey: keys.publicKeyHex,
      guildId: GUILD,
      supportRoleId: ROLE,
      editor,
      deferAfterMs,
      onEditError: (err) => void late.errors.push(err),
      editRetryBaseMs: 10,
      readDeadlineMs: 1_000,
    },
  });
  const server = createHttpServer(app, { requestTimeoutMs: 30_000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let servers: Server[] = [];
/** The same console answering every interaction late ("thinking…", then an edit). */
let lateUrl: string;

beforeAll(async () => {
  keys = discordKeys();
  store = await openStores({ SQLITE_PATH: ':memory:' });
  const now = await serve(2_000);
  const slow = await serve(0);
  servers = [now.server, slow.server];
  baseUrl = now.url;
  lateUrl = slow.url;
});
afterAll(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  await store.close();
});
beforeEach(() => {
  editFailures = [];
});

/** A sale in the inbox, failed (cause: unmapped plan), as the worker would leave it. */
async function failedEvent(): Promise<number> {
  const parsed = parseDelivery(bodyOf(approvedSale(9_000 + (sale += 1))));
  if (!parsed.ok) throw new Error(parsed.message);
  const { id } = await store.inbox.insert(parsed.delivery);
  const [claim] = (await store.queue.claimDue('attack', 50, 60_000)).filter((c) => c.id === id);
  await store.queue.finish(claim, 'failed', 'Plano sem mapa', { message: 'Plano sem mapa', code: 'unmapped_plan' });
  return id;
}

const manualEntries = async (id: number) => (await store.journal.history(id)).filter((h) => h.kind === 'manual').length;
const statusOf = async (id: number) => (await store.events.get(id))?.status;
const post = (interaction: unknown, headers: { timestamp?: string; signature?: string } = {}) =>
  postInteraction(baseUrl, keys, interaction, headers);
const postLate = (interaction: unknown) => postInteraction(lateUrl, keys, interaction);

describe('signature', () => {
  it('refuses every malformed signature or timestamp with 401, and acts on nothing', async () => {
    const id = await failedEvent();
    const body = JSON.stringify(pressButton(`ponte:retry:${id}`, { content: '' }));
    const ts = nowSeconds();
    const good = signInteraction(keys, ts, body);
    const signatures = [
      '',
      'a',
      good.slice(0, 64),
      good.slice(0, 127),
      `${good}0`,
      `0x${good.slice(2)}`,
      'g'.repeat(128),
      '0'.repeat(128),
      `${good},${good}`,
    ];
    for (const signature of signatures) {
      expect((await post(body, { timestamp: ts, signature })).status, signature).toBe(401);
    }
    const timestamps = [
      '',
      ' ',
      `${ts}.0`,
      `+${ts}`,
      `-${ts}`,
      `${ts}000`,
      `${ts} `,
      '1e9',
      new Date().toISOString(),
      '0',
      `0${'0'.repeat(20)}${ts}`,
    ];
    for (const timestamp of timestamps) {
      const res = await post(body, { timestamp, signature: signInteraction(keys, timestamp, body) });
      expect(res.status, JSON.stringify(timestamp)).toBe(401);
    }
    expect(await statusOf(id)).toBe('failed');
    expect(await manualEntries(id)).toBe(0);
  });

  it('a replay of a valid interaction within the 5 minutes is refused, in any spelling of its signature', async () => {
    const id = await failedEvent();
    const body = JSON.stringify(pressButton(`ponte:retry:${id}`, { content: '' }));
    const ts = nowSeconds();
    const signature = signInteraction(keys, ts, body);
    const first = await post(body, { timestamp: ts, signature });
    expect(first.status).toBe(200);
    expect(first.body.data.content).toBe(`✅ #${id} reprocessado por @ana`);
    for (const copy of [signature, signature.toUpperCase()]) {
      const replay = await post(body, { timestamp: ts, signature: copy });
      expect(replay).toEqual({ status: 401, body: { ok: false, error: 'Interação já recebida: repetições são recusadas.' } });
    }
    expect(await manualEntries(id)).toBe(1);
    // A new interaction (Discord's next press) is not a replay.
    const again = await post(pressButton(`ponte:retry:${id}`, { content: '' }));
    expect(again.body.data.content).toBe('Só eventos com falha, aguardando nova tentativa ou ignorados podem ser reprocessados.');
  });
});

describe('who may act', () => {
  it('a member without user, roles of the wrong shape, a DM user posing as member, no guild: never an action, never a 5xx', async () => {
    const id = await failedEvent();
    const press = pressButton(`ponte:retry:${id}`, { content: '' });
    const attempts: unknown[] = [
      { ...press, member: { roles: [ROLE] } },
      { ...press, member: { user: ANA, roles: ROLE } },
      { ...press, member: { user: ANA, roles: { 0: ROLE } } },
      { ...press, member: { user: ANA, roles: [[ROLE]] } },
      { ...press, member: { user: ANA, roles: [Number(ROLE)] } },
      { ...press, member: undefined, user: ANA },
      { ...press, guild_id: undefined },
      { ...press, guild_id: Number(GUILD) },
      { ...press, member: { user: { username: 'ana' }, roles: [ROLE] } },
      { ...press, member: null },
      { ...press, member: { user: ANA, roles: Array.from({ length: 1001 }, () => ROLE) } },
    ];
    for (const interaction of attempts) {
      const res = await post(interaction);
      expect(res.status, JSON.stringify(interaction)).toBeLessThan(500);
      if (res.status === 200) expect(res.body.data.content).toMatch(/^🚫 Sem permissão/);
      else expect(res.status).toBe(400);
    }
    expect(await statusOf(id)).toBe('failed');
    expect(await manualEntries(id)).toBe(0);
  });
});

describe('tampered buttons, modals and options', () => {
  it('malformed, huge, negative or non-numeric ids in custom_id are a clear ephemeral answer, never an action', async () => {
    const id = await failedEvent();
    for (const customId of [
      'ponte:retry:',
      'ponte:retry:0',
      'ponte:retry:-1',
      `ponte:retry:${id}.0`,
      `ponte:retry:${id} `,
      `ponte:retry:+${id}`,
      'ponte:retry:1e3',
      'ponte:retry:9999999999999999',
      `ponte:retry:${'9'.repeat(90)}`,
      'ponte:retry:٤٢',
      `ponte:retry:${id}:x`,
      `ponte:Retry:${id}`,
      `ponte:note:${id}`,
      `x:ponte:retry:${id}`,
    ]) {
      const res = await post(pressButton(customId, { content: '' }));
      expect(res.status, customId).toBe(200);
      expect(res.body.data, customId).toMatchObject({
        flags: EPHEMERAL,
        content: expect.stringMatching(/^Este botão não é mais reconhecido/),
      });
    }
    for (const data of [{ custom_id: 5 }, { custom_id: null }, {}, [], 'ponte:retry:1', { custom_id: 'x'.repeat(101) }]) {
      const res = await post({ ...pressButton('x', { content: '' }), data });
      expect(res.status).toBe(200);
      expect(res.body.data.flags).toBe(EPHEMERAL);
    }
    // A button id of an event that does not exist.
    expect((await post(pressButton('ponte:retry:999999999', { content: '' }))).body.data.content).toBe('Evento não encontrado.');
    expect(await statusOf(id)).toBe('failed');
    expect(await manualEntries(id)).toBe(0);
  });

  it("a modal's note is cut to 500 characters and answered at once, however long it comes", async () => {
    const id = await failedEvent();
    const note = `nota ${'x'.repeat(60 * 1024)}`;
    const started = performance.now();
    const res = await post(submitNote(`ponte:note:${id}`, note));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(res.body.data.content).toMatch(new RegExp(`^✅ Evento #${id} marcado como resolvido: nota x+…$`));
    const story = (await store.journal.history(id)).find((h) => h.kind === 'resolved')!.message;
    expect(story.length).toBeLessThan(600);
    // Nested where no text input is, or not a string: no note.
    const other = await failedEvent();
    for (const components of [
      [{ type: 1, components: [{ custom_id: 'nota', value: 42 }] }],
      'nota',
      [[[[[[{ custom_id: 'nota', value: 'x' }]]]]]],
    ]) {
      const r = await post({ ...submitNote(`ponte:note:${other}`, ''), data: { custom_id: `ponte:note:${other}`, components } });
      expect(r.body.data.content).toBe('Informe uma nota dizendo como foi resolvido.');
    }
    expect(await statusOf(other)).toBe('failed');
  });

  it('option values of the wrong type are refused clearly', async () => {
    const id = await failedEvent();
    const withId = (value: unknown) => {
      const i = slash('reprocessar', { id: 1 });
      i.data.options[0].options[0].value = value as number;
      return i;
    };
    for (const value of [true, 1.5, -3, 0, 2 ** 60, '1e3', `${id}abc`, '', ' ']) {
      const res = await post(withId(value));
      expect(res.body.data.content, String(value)).toMatch(/^Informe o número do evento/);
    }
    for (const value of [null, {}, [id]]) {
      const res = await post(withId(value));
      expect(res.status).toBe(200);
      expect(res.body.data.flags).toBe(EPHEMERAL);
    }
    const nota = slash('resolver', { id, nota: 'x' });
    nota.data.options[0].options[1].value = 123;
    expect((await post(nota)).body.data.content).toBe('Informe uma nota dizendo como foi resolvido.');
    const busca = slash('evento', { busca: 'x' });
    busca.data.options[0].options[0].value = false as unknown as string;
    expect((await post(busca)).body.data.content).toMatch(/^Informe o que buscar/);
    expect(await statusOf(id)).toBe('failed');
  });
});

describe('size, nesting and load', () => {
  it('a signed body nested thousands deep is a 400 or an ephemeral answer, never a 5xx', async () => {
    let options: any = { type: 1, name: 'status' };
    for (let i = 0; i < 5_000; i += 1) options = { type: 2, name: 'g', options: [options] };
    const deepOptions = { ...slash('status'), data: { name: 'ponte', type: 1, options: [options] } };
    const deepArray = `{"type":2,"token":"t","guild_id":"${GUILD}","member":{"user":{"id":"1"},"roles":["${ROLE}"]},"data":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    for (const body of [deepOptions, deepArray]) {
      const res = await post(body);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('slow bodies from another address (64) and from the same one (12) never keep a signed interaction out', async () => {
    const port = Number(new URL(baseUrl).port);
    const path = '/discord/interactions';
    const other = slowSenders({ port, localAddress: '127.0.0.2', count: 64, path, declared: 1_000 });
    const same = slowSenders({ port, localAddress: '127.0.0.1', count: 12, path, declared: 1_000 });
    try {
      await waitFor(() => other.dripping(3) >= 64 && same.dripping(3) >= 8, 10_000, 'the attack under way');
      const statuses: number[] = [];
      const deadline = Date.now() + 20_000;
      // Signed PINGs (each a distinct body: the same one again would be a replay) until the attack was cut twice over.
      while (statuses.length < 15 || other.cuts().length < 128) {
        if (Date.now() > deadline) throw new Error(`attack cut ${other.cuts().length} times`);
        statuses.push((await post({ type: 1, n: statuses.length })).status);
      }
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      // Cut by the route's read deadline (1 s here), long before the server's request timeout.
      expect(Math.max(...other.cuts())).toBeLessThan(5_000);
    } finally {
      other.stop();
      same.stop();
    }
    // Requests abandoned midway hold nothing either: test/http/body-intake.test.ts.
    expect((await post({ type: 1, n: 'depois' })).status).toBe(200);
  });

  it('many presses of one button at once: it acts once', async () => {
    const id = await failedEvent();
    const answers = await Promise.all(
      Array.from({ length: 16 }, () => post(pressButton(`ponte:retry:${id}`, { content: 'alerta', components: [] }))),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.body.type === 7)).toHaveLength(1);
    expect(await manualEntries(id)).toBe(1);
  });
});

describe('deferred answers', () => {
  it('a late edit of an alert keeps its embeds: only content and buttons change', async () => {
    const id = await failedEvent();
    const message = {
      content: '',
      embeds: [{ title: '🚨 Falha', description: `#${id} venda aprovada` }],
      components: [{ type: 1, components: [{ type: 2, style: 1, label: 'Reprocessar', custom_id: `ponte:retry:${id}` }] }],
    };
    const press = pressButton(`ponte:retry:${id}`, message);
    expect((await postLate(press)).body).toEqual({ type: 6 });
    const edit = await waitFor(() => late.edits.find((e) => e.token === press.token), 5_000, 'edit');
    expect(edit.body).toEqual({ content: `✅ #${id} reprocessado por @ana`, components: [], allowed_mentions: { parse: [] } });
    expect('embeds' in edit.body).toBe(false);
  });

  it('Discord refusing the late edit: the action happens once, the edit is retried a little, then the failure is reported (not thrown)', async () => {
    const id = await failedEvent();
    const errorsBefore = late.errors.length;
    // Rate limited, then down for good.
    editFailures = [
      new TransientError('Discord respondeu HTTP 429', 'http_429', 20),
      new TransientError('Discord: conexão recusada', 'network'),
      new TransientError('Discord: conexão recusada', 'network'),
    ];
    const press = pressButton(`ponte:retry:${id}`, { content: 'alerta', components: [] });
    expect((await postLate(press)).body).toEqual({ type: 6 });
    await waitFor(() => late.errors.length > errorsBefore, 5_000, 'edit failure reported');
    expect(late.errors.length).toBe(errorsBefore + 1);
    expect(editFailures).toHaveLength(0);
    expect(late.edits.some((e) => e.token === press.token)).toBe(false);
    expect(await statusOf(id)).toBe('pending');
    expect(await manualEntries(id)).toBe(1);

    // A 429 that clears: the edit goes through on the second try.
    const other = await failedEvent();
    editFailures = [new TransientError('Discord respondeu HTTP 429', 'http_429', 20)];
    const second = pressButton(`ponte:retry:${other}`, { content: 'alerta', components: [] });
    await postLate(second);
    await waitFor(() => late.edits.find((e) => e.token === second.token), 5_000, 'edit after 429');
    expect(late.errors.length).toBe(errorsBefore + 1);
  });

  it('still answers in time when the work is slow, and the server stays up', async () => {
    const res = await post(slash('status', {}, supportMember));
    expect(res.status).toBe(200);
  });
});

describe('the REST client', () => {
  it('caps a huge retry_after, holds to its deadline and size cap, and refuses a token that climbs out of its path', async () => {
    let mode: 'ratelimit' | 'silent' | 'huge' = 'ratelimit';
    const app = fakeApp();
    app.use((req, res) => {
      if (mode === 'ratelimit') return res.status(429).json({ message: 'You are being rate limited.', retry_after: 1e12, global: true });
      if (mode === 'huge') return res.type('json').send(`{"id":"${'1'.repeat(3 * 1024 * 1024)}"}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      // …and nothing more.
    });
    const fake = await listenFake(app, 0);
    try {
      const api = new DiscordApi({ baseUrl: fake.url, applicationId: '1', botToken: 'x', timeoutMs: 300 });
      const limited = (await api.postMessage('2', { content: 'x' }).catch((e: unknown) => e)) as TransientError;
      expect(limited).toBeInstanceOf(TransientError);
      expect(limited.retryAfterMs).toBe(MAX_RETRY_AFTER_MS);

      mode = 'silent';
      const started = performance.now();
      const silent = (await api.postMessage('2', { content: 'x' }).catch((e: unknown) => e)) as TransientError;
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(silent).toBeInstanceOf(TransientError);
      expect(silent.message).toContain('não respondeu a tempo');

      mode = 'huge';
      const huge = (await api.postMessage('2', { content: 'x' }).catch((e: unknown) => e)) as TransientError;
      expect(huge.message).toContain('resposta maior que o limite');

      for (const token of ['', '.', '..']) {
        await expect(api.editOriginal(token, { content: 'x' })).rejects.toThrow('token de interação inválido');
      }
    } finally {
      await fake.close();
    }
  });
});
