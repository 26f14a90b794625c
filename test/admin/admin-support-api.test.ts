import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { approvedSale } from '../helpers/kiwify.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';
import { ADMIN, adminAuth } from '../helpers/admin.js';

/** What support fixes through the API: the plan map, resolving, bulk replay, a corrected phone. */

let server: SandboxedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function withServer(env: Record<string, string> = {}) {
  server = await startSandboxedServer({ ADMIN_TOKEN: ADMIN, ...env });
  const api = request(server.runtime.app);
  /** PUT /admin/api/plans/:name, as the admin page saves a plan. */
  const putPlan = (name: string, body: unknown) =>
    api
      .put(`/admin/api/plans/${encodeURIComponent(name)}`)
      .set(adminAuth)
      .send(body as object);
  return { ...server, api, putPlan };
}

/** A sale of a plan the map does not have (a product of its own: its own id). */
function unmappedSale(n: number, plan = 'Curso Novo de Photoshop') {
  const sale = approvedSale(n);
  sale.Product = { product_id: `produto-${plan.toLowerCase()}`, product_name: plan };
  return sale;
}

describe('admin API — plans', () => {
  it('maps an unmapped plan by course ids: the waiting sale completes by itself', async () => {
    const { api, deliver, settled, sandbox } = await withServer();
    const { eventId } = (await deliver(unmappedSale(1))).body;
    await settled(eventId, 'failed');
    const before = (await api.get('/admin/api/plans').set(adminAuth)).body;
    expect(before.plans[0]).toEqual({
      name: 'Curso Novo de Photoshop',
      mapped: false,
      courses: [],
      whatsappGroup: null,
      accessDays: null,
      kiwifyPlanId: null,
      kiwifyProductId: 'produto-curso novo de photoshop', // what its sales carry: to give a plan renamed in Kiwify
      kiwifyName: null,
      sales: 1,
      waiting: 1,
    });

    const put = await api
      .put(`/admin/api/plans/${encodeURIComponent('curso novo de PHOTOSHOP')}`)
      .set(adminAuth)
      .send({ courses: [169, 254], whatsappGroup: 'https://chat.whatsapp.com/abc' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ ok: true, requeued: 1 });
    await settled(eventId);
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/')[0].form.cursos).toBe('169,254');

    const after = (await api.get('/admin/api/plans').set(adminAuth)).body;
    expect(after.plans.find((p: any) => p.name === 'curso novo de PHOTOSHOP')).toMatchObject({
      mapped: true,
      courses: [169, 254],
      waiting: 0,
    });
    // Saved by the API; then the sale, found by name, taught the plan its product's id.
    expect(after.changes.slice(0, 2)).toMatchObject([
      { name: 'curso novo de PHOTOSHOP', action: 'learn', via: `da venda #${eventId}` },
      { name: 'curso novo de PHOTOSHOP', action: 'set', via: 'pela API de administração' },
    ]);
    expect(after.plans.find((p: any) => p.name === 'curso novo de PHOTOSHOP')).toMatchObject({
      kiwifyPlanId: null,
      kiwifyProductId: 'produto-curso novo de photoshop',
    });
  });

  it("edits a plan's Kiwify ids and days of access; ids a save leaves out are kept, one Kiwify plan is one plan of the map", async () => {
    const { api, putPlan: put } = await withServer();
    const saved = await put('Excel PRO', { courses: [161], accessDays: 365, kiwifyPlanId: 'plano-1', kiwifyProductId: 'produto-1' });
    expect(saved.status).toBe(200);
    expect(saved.body.plan).toEqual({
      name: 'Excel PRO',
      courses: [161],
      accessDays: 365,
      kiwifyPlanId: 'plano-1',
      kiwifyProductId: 'produto-1',
    });
    // A client of before the ids (courses only) keeps them; the days, like the group, are what it sends.
    expect((await put('Excel PRO', { courses: [161, 197] })).body.plan).toEqual({
      name: 'Excel PRO',
      courses: [161, 197],
      kiwifyPlanId: 'plano-1',
      kiwifyProductId: 'produto-1',
    });
    const listed = (await api.get('/admin/api/plans').set(adminAuth)).body.plans.find((p: any) => p.name === 'Excel PRO');
    expect(listed).toMatchObject({ kiwifyPlanId: 'plano-1', kiwifyProductId: 'produto-1', accessDays: null });
    // null clears an id; another plan cannot take a Kiwify plan id the map already has.
    expect((await put('Excel PRO', { courses: [161], kiwifyProductId: null })).body.plan.kiwifyProductId).toBeUndefined();
    const taken = await put('Outro Plano', { courses: [35], kiwifyPlanId: 'plano-1' });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toContain('já é do plano "Excel PRO"');
    for (const days of [0, -3, 1.5, 36_501, '365']) {
      const bad = await put('Excel PRO', { courses: [161], accessDays: days });
      expect(bad.status, `accessDays ${days}`).toBe(400);
      expect(bad.body.error).toMatch(/dias de acesso/);
    }
  });

  it('refuses unknown course ids (named), an empty list, a duplicate name after normalisation and a 10 KB name', async () => {
    const { api, putPlan: put } = await withServer();

    const unknown = await put('Plano Novo', { courses: [35, 999_001, 999_002] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('Curso(s) que não existem no catálogo do EAD: 999001, 999002.');
    expect((await put('Plano Novo', { courses: [] })).body.error).toBe('lista de cursos vazia');
    expect((await put('Plano Novo', { courses: [35], extra: true })).status).toBe(400);
    expect((await put('Plano Novo', { courses: [35], whatsappGroup: 'javascript:alert(1)' })).status).toBe(400);
    expect((await put('Plano Novo', [35])).status).toBe(400);

    expect((await put('Excel PRO', { courses: [161] })).status).toBe(200);
    const duplicate = await put('excel   pro', { courses: [35] });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error).toContain('Já existe o plano "Excel PRO"');

    const long = await put('x'.repeat(10_000), { courses: [35] });
    expect(long.status).toBe(400);
    expect(long.body.error).toContain('longo demais');
    expect((await api.get('/admin/api/plans').set(adminAuth)).body.plans.some((p: any) => p.name.length > 200)).toBe(false);
  });

  it('removes a plan (404 when there is none) and lists the EAD catalog; all of it needs the token', async () => {
    const { api } = await withServer();
    expect((await api.delete('/admin/api/plans/Excel%20PRO').set(adminAuth)).status).toBe(200);
    expect((await api.delete('/admin/api/plans/Excel%20PRO').set(adminAuth)).status).toBe(404);
    const courses = await api.get('/admin/api/courses').set(adminAuth);
    expect(courses.status).toBe(200);
    expect(courses.body.courses).toContainEqual({ id: 35, name: 'Administrativo' });
    for (const [method, path] of [
      ['get', '/admin/api/plans'],
      ['put', '/admin/api/plans/A'],
      ['delete', '/admin/api/plans/A'],
      ['get', '/admin/api/courses'],
    ] as const) {
      expect((await api[method](path).send({ courses: [35] })).status).toBe(401);
    }
  });
});

describe('admin API — closing failures', () => {
  it('resolve: a note is required; 404 unknown, 409 not a failure; the failure leaves the count', async () => {
    const { api, deliver, settled } = await withServer();
    const cnpj = approvedSale(2);
    delete cnpj.Customer.CPF;
    cnpj.Customer.cnpj = '11222333000181';
    const failedId = (await deliver(cnpj)).body.eventId;
    await settled(failedId, 'failed');
    const doneId = (await deliver(approvedSale(3))).body.eventId;
    await settled(doneId);

    const resolve = (id: string | number, body: unknown, headers = adminAuth) =>
      api
        .post(`/admin/api/events/${id}/resolve`)
        .set(headers)
        .send(body as object);
    expect((await resolve(failedId, { note: 'x' }, { authorization: 'Bearer errado-errado-errado' })).status).toBe(401);
    expect((await resolve(failedId, {})).status).toBe(400);
    expect((await resolve(failedId, { note: '   ' })).status).toBe(400);
    expect((await resolve(failedId, { note: 'x'.repeat(501) })).status).toBe(400);
    expect((await resolve(999_999, { note: 'ok' })).status).toBe(404);
    expect((await resolve(doneId, { note: 'ok' })).status).toBe(409);

    expect((await api.get('/admin/api/health').set(adminAuth)).body.counts.failed).toBe(1);
    const ok = await resolve(failedId, { note: 'Aluno pediu no CPF do sócio; cadastrado à mão.' });
    expect(ok.status).toBe(200);
    expect((await api.get('/admin/api/health').set(adminAuth)).body.counts).toMatchObject({ failed: 0, resolved: 1 });
    const detail = (await api.get(`/admin/api/events/${failedId}`).set(adminAuth)).body.event;
    expect(detail.status).toBe('resolved');
    expect(detail.story.at(-1).text).toBe(
      'Marcado como resolvido pela API de administração: Aluno pediu no CPF do sócio; cadastrado à mão.',
    );
    expect(detail.actions).toMatchObject({ retry: false, resolve: false });
    expect((await resolve(failedId, { note: 'de novo' })).status).toBe(409);
  });

  it('bulk retry requeues exactly the failures of one cause (or one plan)', async () => {
    const { api, deliver, settled, runtime } = await withServer();
    const unmapped = [(await deliver(unmappedSale(4, 'Plano X'))).body.eventId, (await deliver(unmappedSale(5, 'plano x'))).body.eventId];
    const other = (await deliver(unmappedSale(6, 'Plano Y'))).body.eventId;
    const invalidCpf = (await deliver(approvedSale(7, { Customer: { ...approvedSale(7).Customer, CPF: '12345678900' } }))).body.eventId;
    for (const id of [...unmapped, other, invalidCpf]) await settled(id, 'failed');

    expect((await api.post('/admin/api/events/retry').set(adminAuth).send({})).status).toBe(400);
    expect((await api.post('/admin/api/events/retry').send({ code: 'invalid_cpf' })).status).toBe(401);

    const byCause = await api.post('/admin/api/events/retry').set(adminAuth).send({ code: 'invalid_cpf' });
    expect(byCause.body).toEqual({ ok: true, queued: 1 });
    const byPlan = await api.post('/admin/api/events/retry').set(adminAuth).send({ plan: 'PLANO X' });
    expect(byPlan.body).toEqual({ ok: true, queued: 2 });
    for (const id of [...unmapped, invalidCpf]) {
      await settled(id, 'failed');
      const history = await runtime.store.journal.history(Number(id));
      expect(history.filter((h) => h.kind === 'manual')).toHaveLength(1);
    }
    expect((await runtime.store.journal.history(Number(other))).filter((h) => h.kind === 'manual')).toHaveLength(0);
    expect((await runtime.store.events.get(Number(other)))!.runs).toBe(1);
  });

  it('a welcome that could not go out is resent to a corrected mobile, recorded in the story', async () => {
    const { api, deliver, settled, sandbox } = await withServer();
    const sale = approvedSale(8);
    sale.Customer.mobile = '+1 202 555 0143';
    const { eventId } = (await deliver(sale)).body;
    await settled(eventId);
    expect(sandbox.chatpro.delivered).toHaveLength(0);
    const send = (phone: unknown) => api.post(`/admin/api/events/${eventId}/welcome`).set(adminAuth).send({ phone });

    expect((await send('123')).status).toBe(400);
    const ok = await send('(21) 98765-4321');
    expect(ok.status).toBe(202);
    await settled(eventId);
    expect(sandbox.chatpro.delivered).toHaveLength(1);
    expect(sandbox.chatpro.delivered[0].number).toContain('21987654321');
    // The password was kept sealed for exactly this: it goes out now, once.
    expect(sandbox.chatpro.delivered[0].message).toContain(sandbox.ead.studentByCpf(sale.Customer.CPF)!.senha);
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/')).toHaveLength(1);
    const story = (await api.get(`/admin/api/events/${eventId}`).set(adminAuth)).body.event.story.map((s: any) => s.text);
    expect(story).toContain('Celular corrigido pela API de administração (***********21): reenviando as boas-vindas.');
    expect(JSON.stringify(story)).not.toContain('21987654321');
    expect((await send('(21) 98765-4321')).status).toBe(409);
  });
});
