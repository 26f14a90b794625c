import { afterEach, describe, expect, it } from 'vitest';
import { composeAlert } from '../../src/alerts/compose.js';
import { PermanentError } from '../../src/domain/errors.js';
import { messages } from '../../src/domain/messages.js';
import type { Runtime } from '../../src/app/runtime.js';
import { startFakeCallMeBot, type FakeCallMeBot } from '../../src/sandbox/fake-callmebot.js';
import { approvedSale, deliver } from '../helpers/kiwify.js';
import { startRuntime, waitFor } from '../helpers/runtime.js';

/** Alerts link to the panel with full, tappable addresses; without a public address they say where it is. */

let runtime: Runtime | undefined;
let callmebot: FakeCallMeBot | undefined;
afterEach(async () => {
  await runtime?.stop();
  await callmebot?.close();
  runtime = callmebot = undefined;
});

const ADMIN_TOKEN = 'token-admin-de-teste-1234';

async function failureAlertWith(env: Record<string, string | undefined>): Promise<{ text: string; id: number }> {
  callmebot = await startFakeCallMeBot();
  runtime = await startRuntime({
    handlers: { order_approved: () => Promise.reject(new PermanentError('CPF do comprador ausente ou inválido.', 'invalid_cpf')) },
    env: { CALLMEBOT_BASE_URL: callmebot.url, ADMIN_TOKEN, PUBLIC_URL: undefined, RENDER_EXTERNAL_URL: undefined, ...env },
  });
  const id = Number((await deliver(runtime.url(), approvedSale(1))).body.eventId);
  await waitFor(() => callmebot!.calls.length === 1, 10_000, 'failure alert on WhatsApp');
  return { text: callmebot.calls[0].text, id };
}

describe("a failure's WhatsApp alert", () => {
  it.each([
    ['PUBLIC_URL', { PUBLIC_URL: 'https://ponte.escola.com.br/' }, 'https://ponte.escola.com.br'],
    [
      'RENDER_EXTERNAL_URL (Render sets it)',
      { RENDER_EXTERNAL_URL: 'https://ponte-kiwify.onrender.com' },
      'https://ponte-kiwify.onrender.com',
    ],
    [
      'PUBLIC_URL over RENDER_EXTERNAL_URL',
      { PUBLIC_URL: 'https://ponte.escola.com.br', RENDER_EXTERNAL_URL: 'https://x.onrender.com' },
      'https://ponte.escola.com.br',
    ],
  ])('links to the event with a full address from %s', async (_name, env, base) => {
    const { text, id } = await failureAlertWith(env);
    expect(text).toContain(`Detalhes e ações: ${base}/admin/events/${id}`);
    // The link ends its line: no period glued to it.
    expect(text).toMatch(new RegExp(`${base.replace(/[./]/g, '\\$&')}/admin/events/${id}$`, 'm'));
  });

  it('without a public address says where the panel is, without a path that leads nowhere', async () => {
    const { text, id } = await failureAlertWith({});
    expect(text).toContain(`Detalhes e ações: o painel da ponte → Eventos → #${id}.`);
    expect(text).not.toContain('/admin');
  });
});

describe('the other alerts that point to the panel', () => {
  const event = {
    id: 14,
    eventType: 'order_approved',
    orderRef: 'AbC1',
    orderId: 'o-1',
    planName: 'Excel PRO',
    customerName: 'Maria',
  };
  const base = 'https://ponte.escola.com.br';

  it('a welcome not sent, a connection failing and a merged summary link with the public address, else name the place', () => {
    expect(messages.welcomeSkipped(event, 'o celular do aluno não tem WhatsApp', base)).toContain(`Evento: ${base}/admin/events/14`);
    expect(messages.connectionFailing('ead', 'EAD: não respondeu a tempo.', base)).toContain(`Painel: ${base}/admin`);
    expect(composeAlert(['a'.repeat(700), 'b'.repeat(700)], 1200, base)).toMatch(
      new RegExp(`veja ${base.replace(/[./]/g, '\\$&')}/admin$`),
    );

    const texts = [
      messages.welcomeSkipped(event, 'o celular do aluno não tem WhatsApp'),
      messages.connectionFailing('ead', 'EAD: não respondeu a tempo.'),
      composeAlert(['a'.repeat(700), 'b'.repeat(700)], 1200),
    ];
    for (const text of texts) expect(text).not.toContain('/admin');
    expect(texts[0]).toContain('Evento: o painel da ponte → Eventos → #14');
  });
});
