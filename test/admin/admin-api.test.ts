import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import { testConfig } from '../helpers/config.js';
import { approvedSale, deliver, fixture } from '../helpers/kiwify.js';
import { startRuntime, waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';
import { ADMIN, adminAuth } from '../helpers/admin.js';

let runtime: Runtime | undefined;
let server: SandboxedServer | undefined;
afterEach(async () => {
  await runtime?.stop();
  await server?.close();
  runtime = undefined;
  server = undefined;
});

describe('admin API — access', () => {
  it('does not exist without ADMIN_TOKEN', async () => {
    runtime = await createRuntime(testConfig());
    const res = await request(runtime.app).get('/admin/api/events').set(adminAuth);
    expect(res.status).toBe(404);
    expect((await request(runtime.app).get('/admin')).status).toBe(404);
  });

  it('refuses a missing or wrong token and accepts the right one', async () => {
    runtime = await createRuntime(testConfig({ ADMIN_TOKEN: ADMIN }));
    const missing = await request(runtime.app).get('/admin/api/events');
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ ok: false, error: 'Token de administração ausente ou inválido.' });
    expect(
      (
        await request(runtime.app)
          .get('/admin/api/events')
          .set({ authorization: `Bearer ${ADMIN}x` })
      ).status,
    ).toBe(401);
    expect((await request(runtime.app).get('/admin/api/events').set({ authorization: ADMIN })).status).toBe(401);
    const ok = await request(runtime.app).get('/admin/api/events').set(adminAuth);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ events: [], nextBefore: null });
  });

  it('rate limits repeated wrong tokens, and never the right one', async () => {
    runtime = await createRuntime(testConfig({ ADMIN_TOKEN: ADMIN }));
    for (let i = 0; i < 10; i += 1) {
      expect((await request(runtime.app).get('/admin/api/events').set({ authorization: 'Bearer nope' })).status).toBe(401);
    }
    const limited = await request(runtime.app).get('/admin/api/events').set({ authorization: 'Bearer nope' });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatch(/Muitas tentativas/);
    // The correct token is accepted while its address is limited.
    expect((await request(runtime.app).get('/admin/api/events').set(adminAuth)).status).toBe(200);
  });
});

describe('admin API — events', () => {
  it('lists newest first, filters by status, searches order, plan, name and e-mail, and pages', async () => {
    server = await startSandboxedServer({ ADMIN_TOKEN: ADMIN, ALERT_ON_SUCCESS: 'false' });
    const { deliver, settled, idle, runtime: rt } = server;
    const unmapped = approvedSale(1);
    unmapped.Product.product_name = 'Plano Fantasma';
    const a = await deliver(fixture('order_approved.one_off'));
    const b = await deliver(unmapped);
    const c = await deliver(fixture('abandoned_cart'));
    await settled(b.body.eventId, 'failed');
    await idle();
    const get = (qs: string) => request(rt.app).get(`/admin/api/events${qs}`).set(adminAuth);

    expect((await get('')).body.events.map((e: any) => e.id)).toEqual([c, b, a].map((r) => Number(r.body.eventId)));
    const failed = (await get('?status=failed')).body.events;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      id: Number(b.body.eventId),
      status: 'failed',
      statusLabel: 'falhou',
      plan: 'Plano Fantasma',
      label: 'venda aprovada',
    });
    expect(failed[0].lastError).toContain('Plano Fantasma');
    expect((await get('?q=ghi2jkl')).body.events.map((e: any) => e.id)).toEqual([Number(a.body.eventId)]);
    expect((await get('?q=design%20grafico')).body.events.map((e: any) => e.id)).toEqual([Number(a.body.eventId)]);
    expect((await get('?q=BELTRANA')).body.events.map((e: any) => e.id)).toEqual([Number(a.body.eventId)]);
    expect((await get('?q=comprador1@example.com')).body.events.map((e: any) => e.id)).toEqual([Number(b.body.eventId)]);
    const page1 = (await get('?limit=2')).body;
    expect(page1.events).toHaveLength(2);
    const page2 = (await get(`?limit=2&before=${page1.nextBefore}`)).body;
    expect(page2.events.map((e: any) => e.id)).toEqual([Number(a.body.eventId)]);
    const bad = await get('?status=lost');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('status deve ser um de');
    expect((await get('?limit=500')).body.error).toBe('limit deve estar entre 1 e 200');
  });

  it('shows one event with its story, customer data for support and the CPF masked', async () => {
    server = await startSandboxedServer({ ADMIN_TOKEN: ADMIN });
    const { deliver, settled, runtime: rt } = server;
    const { eventId } = (await deliver(fixture('order_approved.one_off'))).body;
    await settled(eventId);
    const res = await request(rt.app).get(`/admin/api/events/${eventId}`).set(adminAuth);
    expect(res.status).toBe(200);
    const e = res.body.event;
    expect(e.customer).toEqual({
      name: 'Beltrana Exemplo da Silva',
      email: 'beltrana@example.com',
      phone: '+5521912345678',
      cpf: '*********35',
      cnpj: null,
    });
    expect(e.story.map((s: any) => s.text)).toEqual([
      'Recebido da Kiwify (venda aprovada).',
      'Aluno não encontrado no EAD pelo CPF: será cadastrado.',
      'Cadastro pedido ao EAD.',
      expect.stringMatching(/^Aluno cadastrado no EAD \(id \d+\)\.$/),
      'O aluno ainda não tinha cursos.',
      // Course names from the EAD's catalog, never ids or JSON.
      'Matriculado em Adobe Illustrator CC, CorelDRAW, Adobe Photoshop CC.',
      'Boas-vindas enviadas por WhatsApp.',
      expect.stringMatching(/^Aluno criado/),
    ]);
    expect(JSON.stringify(res.body)).not.toContain('11144477735');
    expect(e.retryable).toBe(false);
    expect((await request(rt.app).get('/admin/api/events/999').set(adminAuth)).status).toBe(404);
    expect((await request(rt.app).get('/admin/api/events/abc').set(adminAuth)).status).toBe(404);
  });

  it('never shows a password waiting in the journal', async () => {
    server = await startSandboxedServer({ ADMIN_TOKEN: ADMIN, CHATPRO_TOKEN: 'wrong' });
    const { deliver, settled, sandbox, runtime: rt } = server;
    const { eventId } = (await deliver(fixture('order_approved.one_off'))).body;
    await settled(eventId, 'failed');
    const res = await request(rt.app).get(`/admin/api/events/${eventId}`).set(adminAuth);
    expect(JSON.stringify(res.body)).not.toContain(sandbox.ead.studentByCpf('11144477735')!.senha);
    expect(JSON.stringify(res.body)).not.toMatch(/sealedPassword|"v1\./);
  });

  it('retry runs a failed event again, resuming its journal', async () => {
    server = await startSandboxedServer({ ADMIN_TOKEN: ADMIN }, undefined, { tuning: { maxAttempts: 2 } });
    const { deliver, settled, sandbox, runtime: rt } = server;
    sandbox.chatpro.faults.failNext('http_500', 2);
    const { eventId } = (await deliver(fixture('order_approved.one_off'))).body;
    const failed = await settled(eventId, 'failed');
    expect(failed.lastError).toMatch(/ChatPro falhou \(HTTP 500\)/);
    const res = await request(rt.app).post(`/admin/api/events/${eventId}/retry`).set(adminAuth);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true, eventId: String(eventId), status: 'pending' });
    const done = await settled(eventId);
    expect(done.attempts).toBe(1); // a manual retry starts a fresh budget of attempts
    expect(sandbox.ead.callsTo('POST', '/alunos').filter((c) => c.path === '/alunos')).toHaveLength(1);
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/')).toHaveLength(1);
    expect(sandbox.chatpro.delivered).toHaveLength(1);
    const history = await rt.store.journal.history(done.id);
    expect(history.map((h) => h.kind)).toEqual(['retry', 'failed', 'manual', 'done']);
    expect(history[2].message).toBe('Reprocessamento pedido pela API de administração.');
  });

  it('retry answers 409 while the event runs, and for events that cannot be retried', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    runtime = await startRuntime({
      env: { ADMIN_TOKEN: ADMIN },
      handlers: {
        order_approved: async () => {
          await gate;
          return { outcome: 'ok' };
        },
      },
    });
    const { eventId } = (await deliver(runtime.url(), approvedSale(1))).body;
    await waitFor(async () => (await runtime!.store.events.get(Number(eventId)))?.status === 'processing', 5_000, 'running');
    const running = await request(runtime.app).post(`/admin/api/events/${eventId}/retry`).set(adminAuth);
    expect(running.status).toBe(409);
    expect(running.body.error).toBe('O evento está em processamento agora; aguarde terminar.');
    release();
    await waitFor(async () => (await runtime!.store.events.get(Number(eventId)))?.status === 'done', 5_000, 'done');
    const done = await request(runtime.app).post(`/admin/api/events/${eventId}/retry`).set(adminAuth);
    expect(done.status).toBe(409);
    expect((await request(runtime.app).post('/admin/api/events/424242/retry').set(adminAuth)).status).toBe(404);
  });
});
