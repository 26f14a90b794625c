import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvedSale } from '../helpers/kiwify.js';
import { waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';
import { ADMIN } from '../helpers/admin.js';

/**
 * The admin pages as support reads them, against the fake EAD (whose catalog carries HTML
 * entities and trailing spaces, as the real one does) and the fake ChatPro.
 */
const PLAN = 'Inglês Completo';
let server: SandboxedServer;
let cookie: string;

const app = () => server.runtime.app;
const get = (path: string) => request(app()).get(path).set('cookie', cookie);
const post = (path: string, form: string) => request(app()).post(path).set('cookie', cookie).type('form').send(form);

/** No configuration variable names on a page support reads, and no sentence ending "..". */
function speaksToPeople(text: string) {
  expect(text).not.toMatch(/\b(?:EAD|CHATPRO|CALLMEBOT|DISCORD|KIWIFY|ADMIN|RETENTION|PLANS|PUBLIC|RENDER|SECRET|DATABASE|SQLITE)_[A-Z_]+/);
  expect(text).not.toMatch(/[^.]\.\.(?!\.)/);
}

beforeAll(async () => {
  // CallMeBot nowhere: its alerts fail (ECONNREFUSED), and the banner says so in words.
  server = await startSandboxedServer({ ADMIN_TOKEN: ADMIN, CALLMEBOT_BASE_URL: 'http://127.0.0.1:9' });
  await server.runtime.store.plans.set({ name: PLAN, courses: [280] }, 'no teste');
  const login = await request(app()).post('/admin/login').type('form').send({ token: ADMIN });
  cookie = login.headers['set-cookie'][0].split(';')[0];
});
afterAll(() => server.close());

describe('course names from the EAD', () => {
  it('are decoded, trimmed and sorted in Portuguese once, where the catalog is read', async () => {
    const { courses } = await server.runtime.catalog.get();
    const names = courses.map((c) => c.name);
    expect(names).toContain('Inglês Intermediário');
    expect(names).toContain('AutoCad 3D 2022');
    expect(names.some((n) => /&[a-z]+;|^\s|\s$/.test(n))).toBe(false);
    // Every "Inglês…" course sits together, where Portuguese puts it.
    const english = names.flatMap((n, i) => (n.startsWith('Inglês') ? [i] : []));
    expect(english.length).toBeGreaterThan(1);
    expect(english.at(-1)! - english[0]).toBe(english.length - 1);
  });

  it('show decoded in the story, the plans list and the picker', async () => {
    const { body } = await server.deliver(approvedSale(201, { Product: { product_id: 'p-201', product_name: PLAN } }));
    await server.settled(body.eventId);
    const story = await get(`/admin/events/${body.eventId}`);
    expect(story.text).toContain('Matriculado em Inglês Intermediário');
    const plans = await get('/admin/plans');
    expect(plans.text).toContain('Inglês Intermediário');
    const picker = await get(`/admin/plans/edit?name=${encodeURIComponent(PLAN)}&buscar=1&q=ingles`);
    expect(picker.text).toContain('Inglês para Negócios');
    for (const page of [story, plans, picker]) expect(page.text).not.toMatch(/&amp;[a-z]+;/);
  });
});

describe('the course picker', () => {
  it('searches on the server, keeping the ticked courses (unknown ids too, ticked so they can be unticked)', async () => {
    const res = await get(`/admin/plans/edit?name=${encodeURIComponent(PLAN)}&buscar=1&courses=280&courses=99999&q=excel`);
    expect(res.status).toBe(200);
    const checked = [...res.text.matchAll(/name="courses" value="(\d+)"\s+checked/g)].map((m) => Number(m[1]));
    expect(checked).toEqual([280, 99999]);
    expect(res.text).toContain('não existe mais no catálogo do EAD');
    // The results: Excel courses, not ticked; nothing else of the catalog.
    const offered = [...res.text.matchAll(/name="courses" value="(\d+)"\s+\/>\s*<span>([^<]+)<\/span>/g)].map((m) => m[2]);
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.every((name) => /excel/i.test(name))).toBe(true);
    expect(res.text).toMatch(/\d+ curso\(s\) com “excel”/);
    // The search button sends the same form by GET (ticks included); saving posts it.
    expect(res.text).toContain('formaction="/admin/plans/edit" formmethod="get" formnovalidate name="buscar"');
  });

  it('never drops a ticked id silently: an unknown one is refused by name; ticks from a search are saved', async () => {
    const refused = await post('/admin/plans/save', `name=${encodeURIComponent(PLAN)}&courses=280&courses=99999`);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('99999');
    expect((await server.runtime.store.plans.byName(PLAN))?.courses).toEqual([280]);
    const excel = (await server.runtime.catalog.get()).courses.find((c) => /excel/i.test(c.name))!;
    const saved = await post('/admin/plans/save', `name=${encodeURIComponent(PLAN)}&courses=280&courses=${excel.id}&q=excel`);
    expect(saved.status).toBe(303);
    expect((await server.runtime.store.plans.byName(PLAN))?.courses.sort((a, b) => a - b)).toEqual([280, excel.id].sort((a, b) => a - b));
    await server.runtime.store.plans.set({ name: PLAN, courses: [280] }, 'no teste');
  });
});

describe('a welcome that was not sent', () => {
  it('has its own motivo and filter; the corrected number and a confirmation show after the resend', async () => {
    const sale = approvedSale(202, { Product: { product_id: 'p-202', product_name: PLAN } });
    // Neither form of the number (with and without the ninth digit) has WhatsApp.
    for (const n of ['5511910000202', '551110000202']) server.sandbox.chatpro.unregistered.add(n);
    const { body } = await server.deliver(sale);
    const id = Number(body.eventId);
    await server.settled(id);

    const filtered = await get('/admin?cause=welcome_not_sent');
    expect(filtered.text).toContain(`href="/admin/events/${id}"`);
    expect(filtered.text).toMatch(/Boas-vindas não enviadas \(\d+\)/);
    const row = filtered.text.slice(filtered.text.indexOf(`href="/admin/events/${id}"`));
    expect(row.slice(0, row.indexOf('</tr>'))).toContain('Boas-vindas não enviadas');
    const all = await get('/admin');
    expect(all.text).toContain('href="/admin?cause=welcome_not_sent"');
    const api = await request(app()).get('/admin/api/events?cause=welcome_not_sent').set('authorization', `Bearer ${ADMIN}`);
    expect(api.body.events.map((e: { id: number }) => e.id)).toContain(id);

    const page = await get(`/admin/events/${id}`);
    expect(page.text).toContain('Motivo: Boas-vindas não enviadas');
    expect(page.text).toContain('Reenviar boas-vindas');

    const resent = await post(`/admin/events/${id}/welcome`, 'phone=(61) 99999-8202');
    expect(resent.status).toBe(303);
    // The page it leads to confirms the correction at once…
    expect(resent.headers.location).toBe(`/admin/events/${id}?msg=boas-vindas`);
    expect((await get(resent.headers.location)).text).toContain('Celular corrigido: as boas-vindas serão reenviadas.');
    server.runtime.worker.wake();
    await waitFor(async () => (await server.runtime.store.events.get(id))?.lastErrorCode === null, 10_000, 'welcome resent');
    // …and, once sent, the page says so, to which number.
    const after = await get(`/admin/events/${id}`);
    expect(after.text.replace(/<[^>]+>/g, '')).toContain('Boas-vindas reenviadas por WhatsApp para o celular corrigido (61) 99999-8202.');
    expect(after.text).toContain('(61) 99999-8202');
    expect(after.text).not.toContain('+5511910000202');
    expect(after.text).not.toContain('Motivo: Boas-vindas não enviadas');
    expect((await get('/admin?cause=welcome_not_sent')).text).not.toContain(`href="/admin/events/${id}"`);
  });

  it('support told the student another way: "Marcar como resolvido" closes it', async () => {
    for (const n of ['5511910000203', '551110000203']) server.sandbox.chatpro.unregistered.add(n);
    const { body } = await server.deliver(approvedSale(203, { Product: { product_id: 'p-203', product_name: PLAN } }));
    await server.settled(body.eventId);
    const resolved = await post(`/admin/events/${body.eventId}/resolve`, 'note=login enviado por e-mail');
    expect(resolved.headers.location).toContain('msg=resolvido');
    expect((await server.runtime.store.events.get(Number(body.eventId)))?.status).toBe('resolved');
  });
});

describe('pages speak to people', () => {
  it('an unknown page, and /admin/events without an id, answer an HTML 404 in the panel; the API keeps JSON', async () => {
    for (const path of ['/admin/nada', '/admin/events', '/admin/events/', '/admin/plans/xyz']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toContain('Página não encontrada');
      expect(res.text).toContain('href="/admin/plans"'); // the panel's navigation
    }
    // A stranger's request with a cookie of the right shape costs no session lookup.
    const sessions = server.runtime.store.sessions;
    const isValid = sessions.isValid.bind(sessions);
    let lookups = 0;
    sessions.isValid = (hash) => {
      lookups += 1;
      return isValid(hash);
    };
    try {
      const anonymous = await request(app())
        .get('/admin/nada')
        .set('cookie', `bridge_admin=${'a'.repeat(43)}`);
      expect(anonymous.status).toBe(404);
      expect(anonymous.text).toContain('Página não encontrada');
      expect(anonymous.text).not.toContain('Sair de todos os dispositivos');
      expect(lookups).toBe(0);
    } finally {
      sessions.isValid = isValid;
    }
    const api = await request(app()).get('/admin/api/nada').set('authorization', `Bearer ${ADMIN}`);
    expect(api.status).toBe(404);
    expect(api.body).toEqual({ ok: false, error: 'Rota não encontrada.' });
  });

  it('no variable names and no double periods: login, list with banners, Privacidade, Planos and its history', async () => {
    // A failure's alert makes CallMeBot's channel fail (nothing listens there).
    const { body } = await server.deliver(approvedSale(204, { Product: { product_id: 'p-204', product_name: 'Plano Sem Mapa' } }));
    await server.settled(body.eventId, 'failed');
    await waitFor(async () => (await server.runtime.store.alerts.channels()).some((c) => c.last_error !== null), 10_000, 'channel failing');

    const list = await get('/admin');
    expect(list.text).toContain('Os alertas não estão chegando pelo WhatsApp (CallMeBot)');
    expect(list.text).toContain('o endereço do CallMeBot está errado.');
    expect(list.text).not.toContain('canal callmebot');
    const pages = [
      await request(app()).get('/admin'),
      await request(app()).post('/admin/login').type('form').send({ token: 'errado' }),
      list,
      await get(`/admin/events/${body.eventId}`),
      await get('/admin/privacy'),
      await get('/admin/plans'),
      await get('/admin/plans/edit?name=Design%20Gr%C3%A1fico'),
      await get('/admin/nada'),
    ];
    for (const page of pages) speaksToPeople(page.text);
    expect(pages[6].text).toContain('na primeira inicialização do servidor');
  });

  it('"EAD recusou o pedido": the list filtered by that cause shows each error', async () => {
    // A plan kept from before a course left the catalog: the EAD refuses the matrícula.
    await server.runtime.store.plans.set({ name: 'Plano Antigo', courses: [99999] }, 'no teste');
    const { body } = await server.deliver(approvedSale(205, { Product: { product_id: 'p-205', product_name: 'Plano Antigo' } }));
    const failed = await server.settled(body.eventId, 'failed');
    expect(failed.lastErrorCode).toBe('ead_refused');
    const page = await get('/admin?cause=ead_refused');
    expect(page.text).toContain('Leia o erro abaixo');
    expect(page.text).toContain('Curso(s) não encontrado(s) na unidade: 99999.');
  });
});

describe("Planos: a plan's Kiwify ids and days of access", () => {
  it('support sets them on the edit page; a sale after a rename in Kiwify is found by id, and Planos shows the current name', async () => {
    const name = 'Curso Antigo';
    const saved = await post(
      '/admin/plans/save',
      `name=${encodeURIComponent(name)}&courses=280&accessDays=365&kiwifyPlanId=&kiwifyProductId=p-206&whatsappGroup=`,
    );
    expect(saved.status).toBe(303);
    expect(await server.runtime.store.plans.byName(name)).toMatchObject({ courses: [280], accessDays: 365, kiwifyProductId: 'p-206' });
    const edit = await get(`/admin/plans/edit?name=${encodeURIComponent(name)}`);
    expect(edit.text).toMatch(/name="accessDays"[^>]*type="number"[^>]*value="365"/);
    expect(edit.text).toMatch(/name="kiwifyProductId"[^>]*value="p-206"/);
    expect(edit.text).toMatch(/name="kiwifyPlanId"[^>]*value=""/);

    // Kiwify renamed the product: the sale still finds the plan by the product's id.
    const { body } = await server.deliver(approvedSale(206, { Product: { product_id: 'p-206', product_name: 'Curso Antigo Turma 2027' } }));
    expect((await server.settled(body.eventId)).status).toBe('done');
    const plans = await get('/admin/plans');
    const row = plans.text.slice(plans.text.indexOf(`<strong>${name}</strong>`));
    expect(row.slice(0, row.indexOf('</tr>'))).toContain('nome atual na Kiwify: “Curso Antigo Turma 2027”');
    expect(row.slice(0, row.indexOf('</tr>'))).toContain('acesso por 365 dias');
    expect(plans.text).not.toContain('<strong>Curso Antigo Turma 2027</strong>'); // no row of its own: it is this plan
    expect((await get(`/admin/plans/edit?name=${encodeURIComponent(name)}`)).text).toContain(
      'Nome atual na Kiwify: “Curso Antigo Turma 2027”',
    );

    // A refused save shows the fields back as typed, with why.
    const refused = await post(
      '/admin/plans/save',
      `name=${encodeURIComponent(name)}&courses=280&accessDays=0&kiwifyPlanId=plano-x&kiwifyProductId=p-206`,
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('dias de acesso devem ser 1 ou mais');
    expect(refused.text).toMatch(/name="accessDays"[^>]*value="0"/);
    expect(refused.text).toMatch(/name="kiwifyPlanId"[^>]*value="plano-x"/);
    // Emptied, the days and ids are gone.
    await post('/admin/plans/save', `name=${encodeURIComponent(name)}&courses=280&accessDays=&kiwifyPlanId=&kiwifyProductId=`);
    const cleared = await server.runtime.store.plans.byName(name);
    expect([cleared?.accessDays, cleared?.kiwifyPlanId, cleared?.kiwifyProductId]).toEqual([undefined, undefined, undefined]);
  });

  it('a name not mapped shows the Kiwify ids its sales carry, to give them to the plan it was', async () => {
    const { body } = await server.deliver(approvedSale(207, { Product: { product_id: 'p-207', product_name: 'Plano Desconhecido' } }));
    await server.settled(body.eventId, 'failed');
    const page = await get(`/admin/plans/edit?name=${encodeURIComponent('Plano Desconhecido')}`);
    expect(page.text).toContain('id do produto <code>p-207</code>');
    speaksToPeople(page.text);
  });
});
