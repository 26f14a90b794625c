import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiwifyCommand } from '../../src/cli/commands/kiwify-command.js';
import { buildDelivery } from '../../src/sandbox/kiwify-samples.js';
import { isValidCpf } from '../../src/domain/cpf.js';
import { parseDelivery } from '../../src/intake/kiwify-payload.js';
import type { Runtime } from '../../src/app/runtime.js';
import { runCommand } from '../helpers/cli.js';
import { TOKEN } from '../helpers/config.js';
import { startRuntime } from '../helpers/runtime.js';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startRuntime({ handlers: {} });
});
afterAll(() => runtime.stop());

async function simulate(...args: string[]) {
  const { code, out, err } = await runCommand(kiwifyCommand, args);
  return { code, out: `${out}\n${err}` };
}

describe('npm run kiwify (delivery simulator)', () => {
  it('signs and posts a realistic delivery; the refund of the same CPF and plan is the same sale', async () => {
    const url = `${runtime.url()}/webhook`;
    const approved = await simulate(
      'order_approved',
      '--plan',
      'Inglês Fluente',
      '--cpf',
      '529.982.247-25',
      '--url',
      url,
      '--token',
      TOKEN,
    );
    expect(approved.code).toBe(0);
    expect(approved.out).toMatch(/← HTTP 200 \{"ok":true,"eventId":"\d+","duplicate":false\}/);
    // The order is named by its reference, as alerts and the admin page name it.
    const [stored] = await runtime.store.events.list();
    expect(approved.out).toContain(`pedido ${stored.orderRef} (${stored.orderId})`);
    const refunded = await simulate('order_refunded', '--plan', 'Inglês Fluente', '--cpf', '52998224725', '--url', url, '--token', TOKEN);
    expect(refunded.code).toBe(0);
    const [refund, approval] = await runtime.store.events.list();
    expect(approval).toMatchObject({ eventType: 'order_approved', planName: 'Inglês Fluente', customerKey: 'cpf:52998224725' });
    expect(refund).toMatchObject({
      eventType: 'order_refunded',
      orderId: approval.orderId,
      subscriptionId: approval.subscriptionId,
    });
  });

  it("sends a free trial's start and cancel (no order) and a renewal by subscription_renewed, as the same subscription", async () => {
    const url = `${runtime.url()}/webhook`;
    const args = ['--plan', 'Excel PRO', '--cpf', '39053344705', '--url', url, '--token', TOKEN];
    const started = await simulate('subscription_trial_started', ...args, '--trial-end', '2026-12-06T12:00:00.000Z');
    expect(started.code).toBe(0);
    expect(started.out).toMatch(/→ subscription_trial_started · assinatura [0-9a-f-]+ \(sem pedido\)/);
    expect((await simulate('subscription_trial_canceled', ...args)).code).toBe(0);
    expect((await simulate('subscription_renewed', ...args, '--order', 'renovacao-2')).code).toBe(0);
    const [renewed, canceled, trial] = await runtime.store.events.list();
    expect(trial).toMatchObject({
      eventType: 'subscription_trial_started',
      orderId: null,
      orderRef: null,
      dedupeKey: `subscription_trial_started:sub:${trial.subscriptionId}`,
    });
    expect(canceled).toMatchObject({ eventType: 'subscription_trial_canceled', orderId: null, subscriptionId: trial.subscriptionId });
    expect(renewed).toMatchObject({
      eventType: 'subscription_renewed',
      orderId: 'renovacao-2',
      subscriptionId: trial.subscriptionId,
      dedupeKey: 'order_approved:renovacao-2',
    });
    const body = buildDelivery('subscription_trial_started', { trialEnd: '2026-12-06T12:00:00.000Z' });
    expect(body).toMatchObject({ order_id: null, order_ref: null, approved_date: null, order_status: 'trial' });
    expect((body.Subscription as Record<string, unknown>).trial_end).toBe('2026-12-06T12:00:00.000Z');
  });

  it('fails clearly with a wrong token or an unknown event', async () => {
    const wrong = await simulate('chargeback', '--url', `${runtime.url()}/webhook`, '--token', 'nope');
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain('← HTTP 401');
    // What to do about it: sign with the server's token.
    expect(wrong.out).toContain('Passe --token com o valor de KIWIFY_WEBHOOK_TOKEN do servidor');
    const unknown = await simulate('order_lost', '--token', TOKEN);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toContain('Evento inválido: order_lost');
  });

  it('builds deliveries the server accepts, for every simulated event', () => {
    for (const event of ['order_approved', 'order_refunded', 'chargeback', 'subscription_canceled'] as const) {
      const body = buildDelivery(event, { plan: 'Excel PRO' });
      const parsed = parseDelivery(Buffer.from(JSON.stringify(body)));
      expect(parsed.ok).toBe(true);
      expect(isValidCpf((body.Customer as { CPF: string }).CPF)).toBe(true);
    }
    // People type e-mails in ASCII.
    expect((buildDelivery('order_approved', { name: 'José Conceição' }).Customer as { email: string }).email).toMatch(
      /^jose\.\d{4}@example\.com$/,
    );
  });
});
