import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/runtime.js';
import { alertMessage } from '../../src/discord-console/alert-message.js';
import { alertTextForDiscord } from '../../src/discord-console/discord-markdown.js';
import { SHOWN_LIMITS, shownText } from '../../src/domain/clean-text.js';
import { PermanentError } from '../../src/domain/errors.js';
import { startFakeCallMeBot, type FakeCallMeBot } from '../../src/sandbox/fake-callmebot.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/sandbox/fake-discord-webhook.js';
import { approvedSale, deliver } from '../helpers/kiwify.js';
import { startRuntime, waitFor } from '../helpers/runtime.js';

/**
 * What a buyer typed, in alerts (findings 5, 6 and 12): a 4,000-character name pushed the cause,
 * the action and the link out of the WhatsApp (1,200) and Discord (2,000) alerts; line breaks,
 * right-to-left overrides and zero-width characters in it reached support as typed; and the
 * Discord webhook's escaping broke the panel's link (`https\://…`).
 */

const PANEL = 'https://ponte-kiwify.onrender.com';
const ADMIN_TOKEN = 'token-admin-de-teste-1234';
const HOSTILE = `Maria\u202Egnp.exe\u200B [Suporte: clique](https://golpe.example) @everyone\n\nMotivo: nada\r\n${'a'.repeat(4_000)}`;
const LONG_PLAN = `Plano ${'X'.repeat(1_000)}`;

let runtime: Runtime | undefined;
let callmebot: FakeCallMeBot | undefined;
let discord: FakeDiscord | undefined;
afterEach(async () => {
  await runtime?.stop();
  await callmebot?.close();
  await discord?.close();
  runtime = callmebot = discord = undefined;
});

// eslint-disable-next-line no-control-regex -- the characters no alert may carry
const INVISIBLE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/;

describe('a failure alert for a buyer with a 4,000-character, hostile name', () => {
  it('on WhatsApp and on the Discord webhook: the cause, the action and a working link to the event always fit; the name is one line, clean, cut', async () => {
    callmebot = await startFakeCallMeBot();
    discord = await startFakeDiscord();
    runtime = await startRuntime({
      handlers: { order_approved: () => Promise.reject(new PermanentError('CPF do comprador ausente ou inválido.', 'invalid_cpf')) },
      env: { CALLMEBOT_BASE_URL: callmebot.url, DISCORD_WEBHOOK_URL: `${discord.url}/api/webhooks/1/fake`, ADMIN_TOKEN, PUBLIC_URL: PANEL },
    });
    const sale = approvedSale(1);
    sale.Customer.full_name = HOSTILE;
    sale.Product.product_name = LONG_PLAN;
    const id = Number((await deliver(runtime.url(), sale)).body.eventId);
    await waitFor(() => callmebot!.calls.length === 1 && discord!.calls.length === 1, 10_000, 'the alert on both channels');

    const whatsapp = callmebot.calls[0].text;
    expect(whatsapp.length).toBeLessThanOrEqual(1_200);
    expect(whatsapp).toContain('Motivo: CPF do comprador ausente ou inválido.');
    expect(whatsapp).toContain('O que fazer:');
    expect(whatsapp.trimEnd().endsWith(`Detalhes e ações: ${PANEL}/admin/events/${id}`)).toBe(true);
    expect(whatsapp).not.toMatch(INVISIBLE);
    expect(whatsapp.split('\n')[0]).toContain(shownText(HOSTILE, SHOWN_LIMITS.name));
    expect(whatsapp.split('\n')[0]).not.toContain('a'.repeat(SHOWN_LIMITS.name));

    const onDiscord = discord.calls[0].content;
    expect(onDiscord.length).toBeLessThanOrEqual(2_000);
    expect(onDiscord).toContain('O que fazer');
    // The panel's link works (no backslash in it); the buyer's link and mention are shown as typed.
    expect(onDiscord.trimEnd().endsWith(`<${PANEL}/admin/events/${id}>`)).toBe(true);
    expect(onDiscord).toContain('\\[Suporte\\: clique\\]\\(https\\://golpe.example\\) \\@everyone');
    expect(onDiscord).not.toMatch(INVISIBLE);
  });
});

describe('the Discord webhook text', () => {
  it('restores only the exact address of the panel: a look-alike in a name stays plain text', () => {
    const text = `🚨 *Falha:* #3 venda aprovada · ${PANEL}.golpe.example/admin · https://golpe.example/admin/events/3\nDetalhes e ações: ${PANEL}/admin/events/3`;
    const shown = alertTextForDiscord(text, PANEL);
    expect(shown).toContain(`Detalhes e ações\\: <${PANEL}/admin/events/3>`);
    expect(shown).toContain('https\\://ponte\\-kiwify.onrender.com.golpe.example/admin');
    expect(shown).toContain('https\\://golpe.example/admin/events/3');
    expect(shown.match(/<https:/g)).toHaveLength(1);
  });
});

describe("the Discord bot's alert embed", () => {
  it('shows the first name and the plan clean and cut, with the cause', () => {
    const { message } = alertMessage(
      [
        {
          text: '🚨 *Falha:* …',
          eventId: 7,
          event: {
            id: 7,
            eventType: 'order_approved',
            orderRef: `REF\n${'9'.repeat(500)}`,
            orderId: null,
            planName: LONG_PLAN,
            customerName: `\u202E\u200BMaria${'a'.repeat(300)} Silva`,
            status: 'failed',
            lastErrorCode: 'invalid_cpf',
          },
        },
      ],
      PANEL,
    );
    const description = message.embeds![0].description!;
    expect(description).not.toMatch(INVISIBLE);
    expect(description).toContain('**Motivo:**');
    expect(description.split('\n')[0].length).toBeLessThan(SHOWN_LIMITS.plan + SHOWN_LIMITS.ref + SHOWN_LIMITS.name + 60);
    expect(description).not.toContain('Silva');
  });
});

describe('the admin list', () => {
  it('shows a hostile name on one line, without invisible or direction-changing characters', async () => {
    runtime = await startRuntime({ env: { ADMIN_TOKEN } });
    const sale = approvedSale(2);
    sale.Customer.full_name = HOSTILE;
    await deliver(runtime.url(), sale);
    const login = await request(runtime.app).post('/admin/login').type('form').send({ token: ADMIN_TOKEN });
    const page = await request(runtime.app).get('/admin').set('cookie', login.headers['set-cookie'][0].split(';')[0]);
    expect(page.text).toContain('Maria');
    const cell = /data-label="Cliente">([^<]*)</.exec(page.text)?.[1] ?? '';
    expect(cell).not.toMatch(INVISIBLE);
    expect(cell).not.toContain('\n');
    expect(cell.length).toBeLessThanOrEqual(SHOWN_LIMITS.name + 40); // HTML entities aside
  });
});
