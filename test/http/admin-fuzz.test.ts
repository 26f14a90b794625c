import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/log.js';
import { openStore, type Store } from '../../src/store/index.js';
import { CourseCatalog } from '../../src/support/catalog.js';
import { TOKEN } from '../helpers/config.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { CustomerKeys } from '../../src/domain/customer-keys.js';

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
const text = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('', ' ', '\u0000', '..', '%', 'Excel PRO', 'a'.repeat(400), '\uD800'));
/** A path segment: encoded text, or raw bytes a browser would never send (bad escapes). */
const segment = fc.oneof(
  text.map((t) => encodeURIComponent(t.replace(/[\uD800-\uDFFF]/g, ''))),
  fc.constantFrom('%', '%E0%A4%A', '%00', '..%2F..', '%C0%AE'),
);
const body = fc.oneof(
  json,
  fc.record({
    courses: fc.oneof(json, fc.array(fc.oneof(fc.integer(), fc.double(), fc.string()), { maxLength: 5 })),
    whatsappGroup: fc.option(text),
  }),
  fc.record({ note: fc.oneof(text, json) }),
  fc.record({ code: fc.oneof(text, json), plan: fc.oneof(text, json) }, { requiredKeys: [] }),
  fc.record({ phone: fc.oneof(text, json) }),
  fc.record(
    {
      cpf: fc.oneof(text, json, fc.constantFrom('390.533.447-05', '39053344705', '1')),
      note: fc.oneof(text, json),
      confirm: fc.oneof(fc.boolean(), json),
    },
    { requiredKeys: [] },
  ),
);

describe('admin API under arbitrary input', () => {
  let store: Store;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    store = await openStore(await STORE_TARGETS[0].fresh());
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

  it('answers every request deliberately, and keeps only valid plans', async () => {
    const route = fc.oneof(
      segment.map((name) => ['put', `/admin/api/plans/${name}`] as const),
      segment.map((name) => ['delete', `/admin/api/plans/${name}`] as const),
      fc.constantFrom(['post', '/admin/api/events/retry'] as const, ['post', '/admin/api/erase'] as const),
      fc
        .oneof(fc.constant('1'), fc.constant('999'), segment)
        .chain((id) =>
          fc.constantFrom(['post', `/admin/api/events/${id}/resolve`] as const, ['post', `/admin/api/events/${id}/welcome`] as const),
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
    }
  });
});
