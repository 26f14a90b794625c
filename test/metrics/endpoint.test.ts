import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import { testConfig } from '../helpers/config.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { approvedSale, bodyOf, signedPath } from '../helpers/kiwify.js';
import { metricValue, parseExposition, sampleValue } from '../helpers/metrics.js';
import { waitFor } from '../helpers/runtime.js';

/** Who may read /metrics, and what the store's gauges say. Apps alone: no worker runs. */
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

const runtimes: Runtime[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
});

async function app(env: Record<string, string | undefined> = {}): Promise<Runtime> {
  const runtime = await createRuntime(testConfig(env), { connectionChecks: false });
  runtimes.push(runtime);
  return runtime;
}

const scrape = (runtime: Runtime, token?: string) => {
  const req = request(runtime.app).get('/metrics');
  return token === undefined ? req : req.set('authorization', `Bearer ${token}`);
};

async function deliver(runtime: Runtime, payload: unknown) {
  const body = bodyOf(payload);
  return request(runtime.app).post(signedPath(body)).set('content-type', 'application/json').send(body.toString());
}

describe('GET /metrics — who may read it', () => {
  it('answers 404 when neither METRICS_TOKEN nor ADMIN_TOKEN is set', async () => {
    const runtime = await app();
    const res = await scrape(runtime, METRICS_TOKEN);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ ok: false, error: 'Rota não encontrada.' });
  });

  it('with METRICS_TOKEN: that token reads; none, a wrong one or the admin token get a 401 in Portuguese', async () => {
    const runtime = await app({ METRICS_TOKEN, ADMIN_TOKEN });
    for (const token of [undefined, '', 'wrong-token-0123456789', ADMIN_TOKEN, `${METRICS_TOKEN}x`, METRICS_TOKEN.slice(0, -1)]) {
      const res = await scrape(runtime, token);
      expect(res.status, String(token)).toBe(401);
      expect(res.body).toEqual({ ok: false, error: 'Token de métricas ausente ou inválido.' });
      expect(res.text).not.toMatch(/bridge_|process_cpu/);
    }
    const res = await scrape(runtime, METRICS_TOKEN);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('# TYPE bridge_webhook_deliveries_total counter');
    expect(res.text).toContain('# TYPE process_cpu_seconds_total counter');
  });

  it('without METRICS_TOKEN, falls back to ADMIN_TOKEN', async () => {
    const runtime = await app({ ADMIN_TOKEN });
    expect((await scrape(runtime)).status).toBe(401);
    expect((await scrape(runtime, 'x'.repeat(32))).status).toBe(401);
    expect((await scrape(runtime, ADMIN_TOKEN)).status).toBe(200);
  });

  it('with METRICS_TOKEN alone, /metrics is on and /admin stays off', async () => {
    const runtime = await app({ METRICS_TOKEN });
    expect((await scrape(runtime, METRICS_TOKEN)).status).toBe(200);
    expect((await request(runtime.app).get('/admin/api/health').set('authorization', `Bearer ${METRICS_TOKEN}`)).status).toBe(404);
  });

  it('refuses a short METRICS_TOKEN at start-up', () => {
    expect(() => testConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: use ao menos 16 caracteres/);
  });

  it('keeps one registry per app: two apps in one process count apart', async () => {
    const [a, b] = [await app({ METRICS_TOKEN }), await app({ METRICS_TOKEN })];
    expect(a.metrics.registry).not.toBe(b.metrics.registry);
    expect((await deliver(a, approvedSale(9301))).status).toBe(200);
    const accepted = { type: 'order_approved', outcome: 'accepted' };
    await waitFor(async () => (await metricValue(a.metrics, 'bridge_webhook_deliveries_total', accepted)) === 1, 5_000, 'counted');
    expect(await metricValue(b.metrics, 'bridge_webhook_deliveries_total', accepted)).toBe(0);
    expect(sampleValue(parseExposition((await scrape(b, METRICS_TOKEN)).text), 'bridge_events', { status: 'pending' })).toBe(0);
  });
});

describe.each(STORE_TARGETS)('GET /metrics — the store gauges ($name)', (target) => {
  it.skipIf(!target.available)('reads events by status, the oldest waiting event, failures and waiting alerts at scrape time', async () => {
    const runtime = await app({ METRICS_TOKEN, ...(await target.fresh()) });
    const { store } = runtime;
    const read = async () => parseExposition((await scrape(runtime, METRICS_TOKEN)).text);

    let samples = await read();
    expect(sampleValue(samples, 'bridge_store_up')).toBe(1);
    for (const status of ['pending', 'processing', 'retrying', 'failed']) expect(sampleValue(samples, 'bridge_events', { status })).toBe(0);
    expect(sampleValue(samples, 'bridge_oldest_waiting_event_age_seconds')).toBe(0);
    expect(sampleValue(samples, 'bridge_failures_needing_attention')).toBe(0);

    for (const n of [1, 2, 3]) expect((await deliver(runtime, approvedSale(9400 + n))).status).toBe(200);
    // One becomes a failure, one runs (claimed, lease held), one waits.
    const claimed = await store.queue.claimDue('test-owner', 2, 60_000);
    expect(claimed).toHaveLength(2);
    expect(await store.queue.finish(claimed[0], 'failed', 'Falhou', { message: 'x', code: 'invalid_cpf' })).toBe(true);
    await store.alerts.ensureChannels(['callmebot']);
    await store.alerts.enqueue(['callmebot'], { text: 'alerta de teste' });
    await waitFor(async () => (await store.events.oldestDueWaitMs()) > 0, 5_000, 'time to pass');

    samples = await read();
    expect(sampleValue(samples, 'bridge_events', { status: 'pending' })).toBe(1);
    expect(sampleValue(samples, 'bridge_events', { status: 'processing' })).toBe(1);
    expect(sampleValue(samples, 'bridge_events', { status: 'failed' })).toBe(1);
    expect(sampleValue(samples, 'bridge_failures_needing_attention')).toBe(1);
    expect(sampleValue(samples, 'bridge_alerts_waiting', { channel: 'callmebot' })).toBe(1);
    expect(sampleValue(samples, 'bridge_oldest_waiting_event_age_seconds')).toBeGreaterThan(0);
  });
});

describe('GET /metrics — a store that does not answer', () => {
  it('still answers, with bridge_store_up 0 and no stale gauge', async () => {
    const runtime = await app({ METRICS_TOKEN });
    vi.spyOn(runtime.store.gauges, 'eventsByStatus').mockRejectedValue(new Error('connection refused'));
    const res = await scrape(runtime, METRICS_TOKEN);
    expect(res.status).toBe(200);
    const samples = parseExposition(res.text);
    expect(sampleValue(samples, 'bridge_store_up')).toBe(0);
    expect(sampleValue(samples, 'bridge_failures_needing_attention')).toBeNaN();
    expect(samples.some((s) => s.name === 'bridge_events')).toBe(false);
  });
});
