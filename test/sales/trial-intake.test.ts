import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDay } from '../../src/domain/messages.js';
import { buildDelivery } from '../../src/sandbox/kiwify-samples.js';
import { DAY_MS } from '../../src/sales/access-end.js';
import { waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';
import { ADMIN, adminAuth } from '../helpers/admin.js';

/**
 * A free trial's events carry no order (`order_id`, `order_ref`, `approved_date` null): the real
 * server takes them in, dedupes them per subscription, and every place support reads shows them
 * (list, search, event page, story, alerts, metrics) without an order.
 */

let server: SandboxedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('a free trial through the real server', () => {
  it('is taken in without an order, deduped by subscription, and shown everywhere with when its access ends', async () => {
    server = await startSandboxedServer({ ADMIN_TOKEN: ADMIN });
    const { deliver, settled, sandbox, runtime } = server;
    const trialEnd = Date.now() + 7 * DAY_MS;
    const trial = buildDelivery('subscription_trial_started', {
      plan: 'Excel PRO',
      cpf: '39053344705',
      name: 'Rosa Teste Grátis',
      phone: '+5561988887777',
      trialEnd: new Date(trialEnd).toISOString(),
    });
    const first = await deliver(trial);
    expect(first.body).toMatchObject({ ok: true, duplicate: false });
    expect((await deliver(trial)).body).toEqual({ ok: true, eventId: first.body.eventId, duplicate: true });
    const event = await settled(first.body.eventId);
    expect(event).toMatchObject({ orderId: null, orderRef: null, accessUntil: trialEnd + 2 * DAY_MS });
    expect(sandbox.chatpro.delivered[0].message).toContain(`Seu teste grátis vai até ${formatDay(trialEnd)}.`);

    const api = request(runtime.app);
    // The search finds the trial by the buyer's name, and the end of its access scheduled for the same sale.
    const listed = (await api.get('/admin/api/events?q=rosa').set(adminAuth)).body.events;
    expect(listed.map((e: any) => [e.label, e.orderRef, e.accessUntil])).toEqual([
      ['fim do acesso agendado', null, null],
      ['teste grátis iniciado', null, new Date(trialEnd + 2 * DAY_MS).toISOString()],
    ]);
    const login = await api.post('/admin/login').type('form').send({ token: ADMIN });
    const cookie = login.headers['set-cookie'][0].split(';')[0];
    const list = (await api.get('/admin').set('cookie', cookie)).text;
    expect(list).toContain(`acesso até ${formatDay(trialEnd + 2 * DAY_MS)}`);
    const page = (await api.get(`/admin/events/${first.body.eventId}`).set('cookie', cookie)).text;
    expect(page).toContain('Acesso até');
    expect(page).toContain('Retirada do acesso agendada para');
    expect(page).not.toContain('null');

    await waitFor(() => sandbox.callmebot.calls.some((c) => c.text.includes('teste grátis iniciado')), 5_000, 'the alert');
    const alert = sandbox.callmebot.calls.find((c) => c.text.includes('teste grátis iniciado'))!.text;
    expect(alert).not.toMatch(/pedido|null|undefined/);

    const metrics = (await api.get('/metrics').set(adminAuth)).text;
    expect(metrics).toMatch(/bridge_events_finished_total\{type="subscription_trial_started",status="done"\} 1/);
  });

  it("a delivery of the bridge's own type (an end of access, support's removal) is recorded and ignored", async () => {
    server = await startSandboxedServer();
    const { deliver, settled, sandbox } = server;
    for (const type of ['revoke_access', 'access_removed_by_support']) {
      const forged = { ...buildDelivery('order_approved', { cpf: '39053344705' }), webhook_event_type: type, order_id: `x-${type}` };
      await settled((await deliver(forged)).body.eventId, 'ignored');
    }
    expect(sandbox.ead.calls).toHaveLength(0);
  });
});
