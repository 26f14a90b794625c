import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import { testConfig } from '../helpers/config.js';

/**
 * /metrics fed arbitrary methods, paths and headers: never a 5xx, and never a metric without the
 * exact token as a bearer on GET/HEAD /metrics.
 */
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const METRIC_TEXT = /^# (HELP|TYPE) |^bridge_|^process_/m;

let runtime: Runtime;
beforeAll(async () => {
  runtime = await createRuntime(testConfig({ METRICS_TOKEN, ADMIN_TOKEN: 'admin-token-0123456789abcdef' }), { connectionChecks: false });
});
afterAll(() => runtime?.stop());

/** Header-safe text (what an HTTP client can send at all). */
const headerText = fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, '').trim());
const authorization = fc.oneof(
  headerText,
  headerText.map((t) => `Bearer ${t}`),
  fc.constantFrom(
    `Bearer ${METRICS_TOKEN}`,
    `bearer ${METRICS_TOKEN}`,
    `Bearer  ${METRICS_TOKEN}`,
    `Bearer ${METRICS_TOKEN} `,
    `Bearer ${METRICS_TOKEN}x`,
    `Bearer ${METRICS_TOKEN.toUpperCase()}`,
    `Basic ${Buffer.from(`${METRICS_TOKEN}:`).toString('base64')}`,
    METRICS_TOKEN,
    'Bearer',
    'Bearer ',
  ),
);
const path = fc.oneof(
  fc.constantFrom('/metrics', '/metrics/', '/metrics?x=1', '/METRICS', '/metrics.json', '/metrics%00', '//metrics', '/metrics/../metrics'),
  fc.string({ maxLength: 30 }).map((s) => `/metrics/${encodeURIComponent(s)}`),
  fc.string({ maxLength: 30 }).map((s) => `/metrics?${encodeURIComponent(s)}=${encodeURIComponent(s)}`),
);
const method = fc.constantFrom<'get' | 'head' | 'post' | 'put' | 'delete' | 'patch' | 'options'>(
  'get',
  'head',
  'post',
  'put',
  'delete',
  'patch',
  'options',
);
const extraHeaders = fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), headerText, { maxKeys: 4 });

describe('/metrics under arbitrary requests', () => {
  it('never answers 5xx, and shows metrics only to GET/HEAD /metrics with the exact bearer token', async () => {
    await fc.assert(
      fc.asyncProperty(method, path, fc.option(authorization, { nil: undefined }), extraHeaders, async (verb, target, auth, headers) => {
        let req = request(runtime.app)[verb](target).set(headers);
        if (auth !== undefined) req = req.set('authorization', auth);
        const res = await req;
        const what = `${verb.toUpperCase()} ${target} ${String(auth)}`;
        expect(res.status, what).toBeLessThan(500);
        // Header values arrive trimmed; the scheme's case does not matter, the token's does. Express
        // routes ignore case and a trailing slash.
        const sent = auth?.trim() ?? '';
        const exact = sent.slice(0, 7).toLowerCase() === 'bearer ' && sent.slice(7) === METRICS_TOKEN;
        const allowed = exact && (verb === 'get' || verb === 'head') && /^\/metrics\/?(\?|$)/i.test(target);
        if (!allowed) expect(res.text ?? '', what).not.toMatch(METRIC_TEXT);
        if (res.status === 200 && verb === 'get') expect(allowed, what).toBe(true);
        if (res.status >= 400 && verb !== 'head') expect(res.body, what).toEqual({ ok: false, error: expect.any(String) });
      }),
      { numRuns: 300 },
    );
    // Wrong tokens may have run into the limit: the right one still reads.
    const res = await request(runtime.app).get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(METRIC_TEXT);
  });
});
