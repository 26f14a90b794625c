import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../../src/admin/html.js';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import { testConfig } from '../helpers/config.js';
import { approvedSale, bodyOf, signedPath } from '../helpers/kiwify.js';
import { ADMIN } from '../helpers/admin.js';
let runtime: Runtime;

beforeEach(async () => {
  runtime = await createRuntime(testConfig({ ADMIN_TOKEN: ADMIN }));
});
afterEach(() => runtime.stop());

async function signIn() {
  const res = await request(runtime.app).post('/admin/login').type('form').send({ token: ADMIN });
  expect(res.status).toBe(303);
  return res.headers['set-cookie'][0].split(';')[0];
}

async function store(payload: unknown) {
  const body = bodyOf(payload);
  const res = await request(runtime.app).post(signedPath(body)).set('content-type', 'application/json').send(body.toString());
  return Number(res.body.eventId);
}

describe('admin page', () => {
  it('asks for the token, then sets an HttpOnly, SameSite=Strict session cookie', async () => {
    const login = await request(runtime.app).get('/admin');
    expect(login.status).toBe(200);
    expect(login.text).toContain('<form class="login" method="post" action="/admin/login">');
    const res = await request(runtime.app).post('/admin/login').type('form').send({ token: ADMIN });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin');
    const cookie = res.headers['set-cookie'][0];
    expect(cookie).toMatch(/^bridge_admin=[\w-]{43}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/admin');
    expect(cookie).not.toContain(ADMIN);
    const list = await request(runtime.app).get('/admin').set('cookie', cookie.split(';')[0]);
    expect(list.text).toContain('Nenhum evento.');
  });

  it('a wrong token gets a clear message; repeated wrong tokens are rate limited, the right one never', async () => {
    const wrong = await request(runtime.app).post('/admin/login').type('form').send({ token: 'errado' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Token inválido. Confira o token e tente de novo.');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    for (let i = 0; i < 9; i += 1) await request(runtime.app).post('/admin/login').type('form').send({ token: 'errado' });
    const limited = await request(runtime.app).post('/admin/login').type('form').send({ token: 'errado' });
    expect(limited.status).toBe(429);
    expect(limited.text).toContain('Muitas tentativas com token errado');
    // Whoever shares the address with the guesser still gets in with the right token.
    expect((await request(runtime.app).post('/admin/login').type('form').send({ token: ADMIN })).status).toBe(303);
  });

  it('a spoofed X-Forwarded-For does not reset the limit (no proxy is trusted by default)', async () => {
    for (let i = 0; i < 10; i += 1) {
      await request(runtime.app).post('/admin/login').set('x-forwarded-for', `203.0.113.${i}`).type('form').send({ token: 'errado' });
    }
    const res = await request(runtime.app)
      .post('/admin/login')
      .set('x-forwarded-for', '198.51.100.7')
      .type('form')
      .send({ token: 'errado' });
    expect(res.status).toBe(429);
  });

  it('event pages and retries need a session; forged cookies and cookies of another ADMIN_TOKEN do not count', async () => {
    const id = await store(approvedSale(1));
    const none = await request(runtime.app).get(`/admin/events/${id}`);
    expect(none.status).toBe(401);
    expect(none.text).toContain('action="/admin/login"');
    const forged = `bridge_admin=${'A'.repeat(43)}`;
    expect((await request(runtime.app).get(`/admin/events/${id}`).set('cookie', forged)).status).toBe(401);
    const cookie = await signIn();
    const rotated = await createRuntime(
      testConfig({ ADMIN_TOKEN: 'another-admin-token-0000', SQLITE_PATH: runtime.config.storage.SQLITE_PATH }),
    );
    try {
      expect((await request(rotated.app).get(`/admin/events/${id}`).set('cookie', cookie)).status).toBe(401);
    } finally {
      await rotated.stop();
    }
    expect((await request(runtime.app).post(`/admin/events/${id}/retry`)).status).toBe(401);
  });

  it('shows customer names as text, never as markup', async () => {
    const sale = approvedSale(2);
    sale.Customer.full_name = '<script>alert("x")</script> Silva';
    sale.Product.product_name = '<img src=x onerror=alert(1)>';
    const id = await store(sale);
    const cookie = await signIn();
    const list = await request(runtime.app).get('/admin').set('cookie', cookie);
    expect(list.text).not.toContain('<script>alert');
    expect(list.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Silva');
    expect(list.text).not.toContain('<img src=x');
    const page = await request(runtime.app).get(`/admin/events/${id}`).set('cookie', cookie);
    expect(page.text).toContain('&lt;script&gt;');
    expect(page.text).not.toContain('<script>');
    const search = await request(runtime.app).get('/admin?q=%22%3E%3Cscript%3E').set('cookie', cookie);
    expect(search.text).not.toContain('"><script>');
  });

  it('refuses a retry posted from another site', async () => {
    const id = await store(approvedSale(3));
    const cookie = await signIn();
    const res = await request(runtime.app).post(`/admin/events/${id}/retry`).set('cookie', cookie).set('origin', 'https://evil.example');
    expect(res.status).toBe(403);
  });

  it('retrying an event that is not failed is refused with an explanation', async () => {
    const id = await store(approvedSale(4));
    const cookie = await signIn();
    const res = await request(runtime.app).post(`/admin/events/${id}/retry`).set('cookie', cookie);
    expect(res.headers.location).toBe(`/admin/events/${id}?msg=nao-reprocessavel`);
    const page = await request(runtime.app).get(res.headers.location).set('cookie', cookie);
    expect(page.text).toContain('Só eventos com falha');
  });

  it('one limit on wrong tokens for the page and the API together', async () => {
    for (let i = 0; i < 5; i += 1) await request(runtime.app).post('/admin/login').type('form').send({ token: 'errado' });
    for (let i = 0; i < 5; i += 1) await request(runtime.app).get('/admin/api/events').set('authorization', 'Bearer errado');
    expect((await request(runtime.app).get('/admin/api/events').set('authorization', 'Bearer errado')).status).toBe(429);
    expect((await request(runtime.app).get('/admin/api/events').set('authorization', `Bearer ${ADMIN}`)).status).toBe(200);
  });

  it('sends headers that forbid scripts, framing and sniffing', async () => {
    const res = await request(runtime.app).get('/admin');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses a retry the browser marks as cross-site, and ignores odd flash codes', async () => {
    const id = await store(approvedSale(5));
    const cookie = await signIn();
    const res = await request(runtime.app).post(`/admin/events/${id}/retry`).set('cookie', cookie).set('sec-fetch-site', 'cross-site');
    expect(res.status).toBe(403);
    const page = await request(runtime.app).get(`/admin/events/${id}?msg=__proto__`).set('cookie', cookie);
    expect(page.text).not.toContain('role="status"');
  });

  it('"Sair" ends the session on the server: the same cookie, copied before, is refused', async () => {
    const cookie = await signIn();
    expect((await request(runtime.app).get('/admin').set('cookie', cookie)).status).toBe(200);
    const res = await request(runtime.app).post('/admin/logout').set('cookie', cookie);
    expect(res.headers['set-cookie'][0]).toMatch(/^bridge_admin=;/);
    const again = await request(runtime.app).get('/admin').set('cookie', cookie);
    expect(again.status).toBe(401);
    expect(again.text).toContain('Sua sessão terminou. Entre de novo.');
  });

  it('"Sair de todos os dispositivos" ends every session', async () => {
    const laptop = await signIn();
    const phone = await signIn();
    expect((await request(runtime.app).get('/admin').set('cookie', phone)).text).toContain('Sair de todos os dispositivos');
    await request(runtime.app).post('/admin/logout-all').set('cookie', phone);
    expect((await request(runtime.app).get('/admin').set('cookie', laptop)).status).toBe(401);
    expect((await request(runtime.app).get('/admin').set('cookie', phone)).status).toBe(401);
  });
});

describe('html template', () => {
  it('escapes interpolations, nested fragments excepted', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const name = '<b>';
    expect(html`<p>${name}${html`<i>${name}</i>`}${[1, '<', null, undefined, false]}</p>`.value).toBe(
      '<p>&lt;b&gt;<i>&lt;b&gt;</i>1&lt;</p>',
    );
  });
});
