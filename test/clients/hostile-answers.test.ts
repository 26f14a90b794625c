import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CallMeBotClient } from '../../src/clients/callmebot.js';
import { ChatProClient } from '../../src/clients/chatpro.js';
import { DiscordClient } from '../../src/clients/discord-webhook.js';
import { DiscordApi } from '../../src/clients/discord-rest.js';
import { EadClient } from '../../src/clients/ead.js';
import { shorten } from '../../src/clients/upstream-http.js';
import { KiwifyApiClient } from '../../src/clients/kiwify-api.js';
import { PermanentError } from '../../src/domain/errors.js';
import { MAX_DEPTH, parseUntrustedJson } from '../../src/domain/untrusted-json.js';
import { oneLine } from '../../src/support/story.js';
import { deepJsonBody, hostileHtmlBody } from '../../src/sandbox/fake-faults.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/sandbox/fake-discord-webhook.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';
import { fixture } from '../helpers/kiwify.js';
import { fakeKiwifyApiConfig } from '../helpers/kiwify-api.js';
import { waitFor } from '../helpers/runtime.js';

/**
 * Far above what a linear scan of these inputs takes (a few ms), far below what a backtracking
 * regex took (600 KB of unclosed tags: minutes). A correctness bound, not a speed target.
 */
const BOUND_MS = 1_000;

function timed<T>(work: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
}

describe('upstream text is shortened in linear time', () => {
  it('600 KB of unclosed <script, <style and <title: one short line, under the bound', () => {
    for (const page of [hostileHtmlBody(), `<html>${'<script'.repeat(60_000)}`, `<p>${'<title>'.repeat(80_000)}`]) {
      const { value, ms } = timed(() => shorten(page, 120));
      expect(ms).toBeLessThan(BOUND_MS);
      expect(value.length).toBeLessThanOrEqual(121);
      expect(value).toMatch(/^página HTML/);
      expect(timed(() => oneLine(page)).ms).toBeLessThan(BOUND_MS);
    }
  });

  it('hostile HTML built from tag fragments (fast-check): always one line within the limit, under the bound', () => {
    const fragment = fc.constantFrom(
      '<script',
      '</script',
      '<script>',
      '</script>',
      '<style',
      '</style>',
      '<title>',
      '</title>',
      '<TITLE',
      '<',
      '>',
      '<p>',
      '<!DOCTYPE html>',
      'İ',
      'texto ',
      '\n\t',
      '"',
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 400 }), fc.integer({ min: 1, max: 60_000 }), (parts, fragments) => {
        // Up to ~400 KB: the size where a backtracking stripper took seconds.
        const page = parts.join('').repeat(Math.max(1, Math.floor(fragments / Math.max(1, parts.length))));
        const { value, ms } = timed(() => shorten(page, 200));
        expect(ms).toBeLessThan(BOUND_MS);
        expect(value.length).toBeLessThanOrEqual(201);
        expect(value).not.toMatch(/\n/);
        expect(oneLine(page).length).toBeLessThanOrEqual(301);
      }),
      { numRuns: 100, endOnFailure: true },
    );
  });

  it('keeps what the old shortener showed: a title, the text of a page, script content gone', () => {
    expect(shorten('<!DOCTYPE html><html><head><title> 502 | Cloudflare </title></head><body>x</body></html>')).toBe(
      'página HTML "502 | Cloudflare"',
    );
    expect(shorten('<html><body><script>var a = "<b>";</script><h1>Erro</h1> <p>interno</p></body></html>')).toBe(
      'página HTML: Erro interno',
    );
    expect(shorten('<p>Message queued.</p>')).toBe('página HTML: Message queued.');
    expect(shorten('a < b e c > d')).toBe('a < b e c > d');
    expect(oneLine('falhou: <b>x</b> < y')).toBe('falhou: x < y');
  });
});

describe('the one parser for untrusted JSON', () => {
  it('refuses a million levels before parsing, in linear time; keeps the delivery rules (duplicates, depth)', () => {
    const { value, ms } = timed(() => parseUntrustedJson(deepJsonBody().toString()));
    expect(value).toEqual({ ok: false, problem: 'too_deep' });
    expect(ms).toBeLessThan(BOUND_MS);
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    expect(parseUntrustedJson(deep(MAX_DEPTH)).ok).toBe(true);
    expect(parseUntrustedJson(deep(MAX_DEPTH + 1))).toEqual({ ok: false, problem: 'too_deep' });
    // Brackets inside strings are text, escaped quotes do not end a string.
    expect(parseUntrustedJson(`{"a":"${'['.repeat(1000)}\\"${'{'.repeat(1000)}"}`).ok).toBe(true);
    expect(parseUntrustedJson('{"a":1,"b":{"a":2,"a":3}}')).toEqual({ ok: false, problem: 'duplicate_key' });
    expect(parseUntrustedJson('{"a":1,"a":2}', { duplicateKeys: 'last' })).toEqual({ ok: true, value: { a: 2 } });
    expect(parseUntrustedJson('{"a":"x:y","b":[1,{"c":":"}]}')).toEqual({ ok: true, value: { a: 'x:y', b: [1, { c: ':' }] } });
    expect(parseUntrustedJson('x'.repeat(11), { maxChars: 10 })).toEqual({ ok: false, problem: 'too_large' });
    expect(parseUntrustedJson('{"a":')).toEqual({ ok: false, problem: 'invalid' });
  });
});

let sandbox: Sandbox | undefined;
let discordWebhook: FakeDiscord | undefined;
let server: SandboxedServer | undefined;
afterEach(async () => {
  await sandbox?.close();
  await discordWebhook?.close();
  await server?.close();
  sandbox = discordWebhook = server = undefined;
});

const badJson = { transient: false, code: 'upstream_bad_json', message: expect.stringContaining('aninhado demais') };

describe('a 2 MB JSON a million levels deep from each upstream: a permanent error for that call, never a crash', () => {
  it('EAD, ChatPro, Discord (bot) and Kiwify’s API', async () => {
    sandbox = await startSandbox();
    const { ead, chatpro, discordApi, kiwifyApi } = sandbox;
    const timeoutMs = 5_000;

    const eadClient = new EadClient({ baseUrl: ead.url, apiKey: ead.apiKey, unitId: ead.unitId, timeoutMs });
    ead.faults.failNext('deep_json');
    await expect(eadClient.findStudentByCpf('11144477735')).rejects.toMatchObject({ ...badJson, message: expect.stringMatching(/^EAD /) });

    const chatproClient = new ChatProClient({ baseUrl: chatpro.url, instanceId: chatpro.instanceId, token: chatpro.token, timeoutMs });
    chatpro.faults.failNext('deep_json');
    await expect(chatproClient.sendMessage('5561999998888', 'x')).rejects.toMatchObject(badJson);
    chatpro.faults.failNext('deep_json');
    await expect(chatproClient.checkConnection()).rejects.toMatchObject(badJson);

    const bot = new DiscordApi({
      baseUrl: discordApi.apiUrl,
      applicationId: discordApi.applicationId,
      botToken: discordApi.botToken,
      timeoutMs,
    });
    discordApi.faults.failNext('deep_json');
    await expect(bot.postMessage('1', { content: 'x' })).rejects.toMatchObject(badJson);

    const kiwify = new KiwifyApiClient(fakeKiwifyApiConfig(kiwifyApi, { timeoutMs }));
    kiwifyApi.faults.failNext('deep_json', 1, (req) => req.path === '/v1/sales');
    const list = kiwify.listSales({ startDate: '2026-01-01', endDate: '2026-01-02' });
    await expect(list.next()).rejects.toMatchObject(badJson);
    kiwifyApi.faults.failNext('deep_json', 1, (req) => req.path === '/v1/oauth/token');
    await expect(new KiwifyApiClient(fakeKiwifyApiConfig(kiwifyApi, { timeoutMs })).sale('x')).rejects.toBeInstanceOf(PermanentError);
  });

  it('CallMeBot and the Discord webhook answering a hostile page: refused quickly, with one short line', async () => {
    sandbox = await startSandbox();
    const callmebot = new CallMeBotClient({ baseUrl: sandbox.callmebot.url, phone: '5561988880000', apiKey: 'k', timeoutMs: 5_000 });
    sandbox.callmebot.faults.failNext('hostile_html');
    const started = performance.now();
    await expect(callmebot.sendWhatsApp('oi')).rejects.toMatchObject({ transient: true, code: 'not_queued' });
    discordWebhook = await startFakeDiscord();
    discordWebhook.faults.failNext('hostile_html');
    // A 200 is a delivery for the webhook (Discord answers 204); a refusal's page is shortened.
    await new DiscordClient(discordWebhook.webhookUrl, 5_000).send('oi');
    discordWebhook.faults.failNext('deep_json');
    await new DiscordClient(discordWebhook.webhookUrl, 5_000).send('oi');
    expect(performance.now() - started).toBeLessThan(BOUND_MS * 5);
  });

  it('the worker: a sale whose EAD answers a deep JSON fails with its cause, one alert, and the server keeps serving', async () => {
    server = await startSandboxedServer({}, undefined, { tuning: { alertIntervalMs: 10 } });
    const { ead, callmebot } = server.sandbox;
    ead.faults.failNext('deep_json', 1, (req) => req.method === 'GET' && req.path === '/alunos');
    const { body } = await server.deliver({ ...fixture('order_approved.one_off'), order_id: 'deep-1' });
    const event = await server.settled(body.eventId, 'failed');
    expect(event.lastErrorCode).toBe('upstream_bad_json');
    expect(event.attempts).toBe(1);
    await waitFor(() => callmebot.calls.some((c) => c.text.includes('aninhado demais')), 10_000, 'the alert');
    expect(callmebot.calls.filter((c) => c.text.includes(`#${event.id}`))).toHaveLength(1);
    expect((await fetch(`${server.runtime.url()}/secure`)).status).toBe(200);
  });
});
