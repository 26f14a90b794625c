import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create-app.js';
import { createLogger } from '../../src/log/logger.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { CourseCatalog } from '../../src/plans/course-catalog.js';
import { TOKEN } from '../helpers/config.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { CustomerKeys } from '../../src/privacy/customer-keys.js';
import { isCleanText } from '../../src/domain/clean-text.js';

/**
 * The admin endpoints support writes to, fed arbitrary input with the right token: every answer
 * is a deliberate one (2xx, or 4xx with a pt-BR message), never a 500; the map never takes an
 * invalid plan.
 */
const ADMIN = 'admin-token-for-fuzz-0123456789';
const auth = { authorization: `Bearer ${ADMIN}` };
const CATALOG = new CourseCatalog(
  {
    unitCourses: () =>
      Promise.resolve([
        { id: '35', nome: 'Administrativo' },
        { id: '58', nome: 'Hotelaria' },
      ]),
  },
  Date.now,
);

const json = fc.jsonValue({ maxDepth: 3 });
/** Control and bidirectional characters (PostgreSQL refuses NUL in text), mixed into ordinary text. */
const CONTROLS = ['\u0000', '\u0001', '\u0008', '\u001B', '\u007F', '\u0085', '\u009F', '\u200E', '\u202E', '\u2066', '\u2069', '\n', '\t'];
const controlled = fc.string({ unit: fc.constantFrom(...CONTROLS, 'a', 'É', ' ', '%', '/', '9'), maxLength: 40 });
const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  controlled,
  fc.constantFrom('', ' ', '\u0000', '..', '%', 'Excel PRO', 'a'.repeat(400), '\uD800', 'Plano\u202Eovlap'),
);
/** A path segment: encoded text, or raw bytes a browser would never send (bad escapes). */
const segment = fc.oneof(
  text.map((t) => encodeURIComponent(t.replace(/[\uD800-\uDFFF]/g, ''))),
  fc.constantFrom('%', '%E0%A4%A', '%00', '..%2F..', '%C0%AE'),
);
const body = fc.oneof(
  json,
  fc.record({
    courses: fc.oneof(json, fc.array(fc.oneof(fc.integer(), fc.double(), fc.string()), { maxLength: 5 })),
    whatsappGroup: fc.option(
      fc.oneof(
        text,
        controlled.map((t) => `https://chat.whatsapp.com/${t}`),
        fc.constantFrom('https://chat.whatsapp.com/AbC123', 'http://169.254.169.254/', 'https://a:b@chat.whatsapp.com/x'),
      ),
    ),
    accessDays: fc.option(fc.oneof(fc.integer(), fc.double(), text, json)),
    kiwifyPlanId: fc.option(fc.oneof(text, fc.integer(), json)),
    kiwifyProductId: fc.option(fc.oneof(text, fc.integer(), json)),
  }),
  fc.record({ note: fc.oneof(text, json) }),
  fc.record({ code: fc.oneof(text, json), plan: fc.oneof(text, json) }, { requiredKeys: [] }),
  fc.record({ phone: fc.oneof(text, json) }),
  fc.record(
    {
      channel: fc.oneof(fc.constantFrom('email', 'whatsapp'), json),
      email: fc.oneof(text, json, fc.constant('a@example.com')),
      phone: text,
    },
    { requiredKeys: ['channel'] },
  ),
  fc.record(
    {
      cpf: fc.oneof(text, json, fc.constantFrom('390.533.447-05', '39053344705', '1')),
      note: fc.oneof(text, json),
      confirm: fc.oneof(fc.boolean(), json),
    },
    { requiredKeys: [] },
  ),
);

describe.each(STORE_TARGETS)('admin API under arbitrary input ($name)', (target) => {
  let store: Stores;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    if (!target.available) return;
    store = await openStores(await target.fresh());
    await store.inbox.insert({
      eventType: 'order_approved',
      dedupeKey: 'order_approved:x',
      customerKey: 'cpf:1',
      orderId: 'x',
      orderRef: 'X',
      planName: 'Plano',
      customerName: 'Fulana',
      customerEmail: 'f@example.com',
      body: {},
    });
    app = createApp({
      log: createLogger('silent'),
      store,
      customerKeys: new CustomerKeys('test-secret-for-customer-keys'),
      webhookTokens: [TOKEN],
      version: 't',
      startedAt: 0,
      adminToken: ADMIN,
      catalog: CATALOG,
    });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('answers every request deliberately, and keeps only valid plans', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const route = fc.oneof(
      segment.map((q) => ['get', `/admin/api/events?q=${q}`] as const),
      segment.map((name) => ['put', `/admin/api/plans/${name}`] as const),
      segment.map((name) => ['delete', `/admin/api/plans/${name}`] as const),
      fc.constantFrom(['post', '/admin/api/events/retry'] as const, ['post', '/admin/api/erase'] as const),
      fc
        .oneof(fc.constant('1'), fc.constant('999'), segment)
        .chain((id) =>
          fc.constantFrom(
            ['post', `/admin/api/events/${id}/resolve`] as const,
            ['post', `/admin/api/events/${id}/welcome`] as const,
            ['post', `/admin/api/events/${id}/remove-access`] as const,
            ['post', `/admin/api/events/${id}/restore-access`] as const,
          ),
        ),
    );
    await fc.assert(
      fc.asyncProperty(route, body, async ([method, path], payload) => {
        const res = await request(app)[method](path).set(auth).set('content-type', 'application/json').send(JSON.stringify(payload));
        expect(res.status, `${method} ${path} ${JSON.stringify(payload)}`).toBeLessThan(500);
        if (res.status >= 400) expect(res.body).toEqual({ ok: false, error: expect.any(String) });
      }),
      { numRuns: 300 },
    );
    for (const plan of await store.plans.all()) {
      expect(plan.courses.length).toBeGreaterThan(0);
      expect(plan.courses.every((id) => id === 35 || id === 58)).toBe(true);
      expect(plan.name.length).toBeLessThanOrEqual(200);
      expect(isCleanText(plan.name), JSON.stringify(plan.name)).toBe(true);
      if (plan.whatsappGroup) expect(plan.whatsappGroup).toMatch(/^https:\/\/chat\.whatsapp\.com\/[A-Za-z0-9]+\/?$/);
      if (plan.accessDays !== undefined)
        expect(Number.isInteger(plan.accessDays) && plan.accessDays >= 1 && plan.accessDays <= 36_500).toBe(true);
      for (const id of [plan.kiwifyPlanId, plan.kiwifyProductId].filter((v) => v !== undefined)) {
        expect(id.length > 0 && id.length <= 200 && id === id.trim() && isCleanText(id), JSON.stringify(id)).toBe(true);
      }
    }
  });

  it("the page's links and forms, signed in: never a 5xx", async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const login = await request(app).post('/admin/login').type('form').send({ token: ADMIN });
    const cookie = login.headers['set-cookie'][0].split(';')[0];
    const form = fc.dictionary(
      fc.constantFrom(
        'name',
        'courses',
        'courseIds',
        'whatsappGroup',
        'accessDays',
        'kiwifyPlanId',
        'kiwifyProductId',
        'note',
        'phone',
        'email',
        'channel',
        'cpf',
        'code',
        'plan',
      ),
      text,
      {
        maxKeys: 4,
      },
    );
    const route = fc.oneof(
      segment.map((q) => ['get', `/admin?q=${q}`] as const),
      segment.map((q) => ['get', `/admin/plans/edit?name=${q}`] as const),
      segment.map((q) => ['get', `/admin/retry?plan=${q}`] as const),
      fc
        .oneof(fc.constantFrom('1', '999'), segment)
        .chain((id) =>
          fc
            .oneof(fc.constantFrom('remove', 'restore'), segment)
            .chain((change) =>
              fc.constantFrom(
                ['get', `/admin/events/${id}/access/${change}`] as const,
                ['post', `/admin/events/${id}/access/${change}`] as const,
              ),
            ),
        ),
      fc.constantFrom(
        ['post', '/admin/retry'] as const,
        ['post', '/admin/plans/save'] as const,
        ['post', '/admin/plans/remove'] as const,
        ['post', '/admin/privacy/preview'] as const,
        ['post', '/admin/privacy/erase'] as const,
        ['post', '/admin/events/1/resolve'] as const,
        ['post', '/admin/events/1/welcome'] as const,
      ),
    );
    await fc.assert(
      fc.asyncProperty(route, form, async ([method, path], fields) => {
        const body = new URLSearchParams(
          Object.entries(fields).map(([k, v]): [string, string] => [k, v.replace(/[\uD800-\uDFFF]/g, '')]),
        ).toString();
        const res = await request(app)[method](path).set('cookie', cookie).type('form').send(body);
        expect(res.status, `${method} ${path} ${body}`).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });
});
