import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signKiwify } from '../../src/intake/kiwify-signature.js';
import { TOKEN } from '../helpers/config.js';
import { approvedSale, bodyOf } from '../helpers/kiwify.js';
import { metricValue, parseExposition, sampleValue } from '../helpers/metrics.js';
import { waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';

/**
 * The whole server against the loopback fakes: each counter moves on the event it counts. One
 * server for the file; each test compares before and after.
 */
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

let server: SandboxedServer;
beforeAll(async () => {
  server = await startSandboxedServer({ METRICS_TOKEN });
});
afterAll(() => server?.close());

const value = (name: string, labels: Record<string, string> = {}) => metricValue(server.runtime.metrics, name, labels);

/** Waits until the metric has grown by `by` from `before` (the answer may reach the client before `finish`). */
const grows = (name: string, labels: Record<string, string>, before: number, by = 1) =>
  waitFor(async () => (await value(name, labels)) >= before + by, 5_000, `${name} ${JSON.stringify(labels)} +${by}`);

const post = (path: string, body: Buffer) =>
  fetch(`${server.runtime.url()}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('webhook deliveries', () => {
  it('counts an accepted delivery and its redelivery as a duplicate, with their ack latency', async () => {
    const accepted = { type: 'order_approved', outcome: 'accepted' };
    const duplicate = { type: 'order_approved', outcome: 'duplicate' };
    const [a0, d0, h0] = await Promise.all([
      value('bridge_webhook_deliveries_total', accepted),
      value('bridge_webhook_deliveries_total', duplicate),
      value('bridge_webhook_ack_duration_seconds', { outcome: 'accepted' }),
    ]);
    const sale = approvedSale(9101);
    expect((await server.deliver(sale)).body.duplicate).toBe(false);
    expect((await server.deliver(sale)).body.duplicate).toBe(true);
    await grows('bridge_webhook_deliveries_total', accepted, a0);
    await grows('bridge_webhook_deliveries_total', duplicate, d0);
    await grows('bridge_webhook_ack_duration_seconds', { outcome: 'accepted' }, h0);
    expect(await value('bridge_webhook_deliveries_total', accepted)).toBe(a0 + 1);
    expect(await value('bridge_webhook_deliveries_total', duplicate)).toBe(d0 + 1);
  });

  it('counts a wrong signature as rejected_signature of an unknown type, and stores nothing', async () => {
    const labels = { type: 'desconhecido', outcome: 'rejected_signature' };
    const before = await value('bridge_webhook_deliveries_total', labels);
    const body = bodyOf(approvedSale(9102));
    expect((await post(`/webhook?signature=${signKiwify(body, 'not-the-token')}`, body)).status).toBe(401);
    expect((await post('/webhook', body)).status).toBe(401);
    await grows('bridge_webhook_deliveries_total', labels, before, 2);
  });

  it('counts a signed body that is not an event as rejected_body', async () => {
    const labels = { type: 'desconhecido', outcome: 'rejected_body' };
    const before = await value('bridge_webhook_deliveries_total', labels);
    for (const text of ['not json', '[1,2]', '{"order_id":"x"}']) {
      const body = Buffer.from(text);
      expect((await post(`/webhook?signature=${signKiwify(body, TOKEN)}`, body)).status).toBe(400);
    }
    await grows('bridge_webhook_deliveries_total', labels, before, 3);
  });

  it('folds an event type Kiwify does not send into `outro`, recorded ignored at intake', async () => {
    const delivered = { type: 'outro', outcome: 'accepted' };
    const ignored = { type: 'outro', status: 'ignored' };
    const [d0, i0] = await Promise.all([
      value('bridge_webhook_deliveries_total', delivered),
      value('bridge_events_finished_total', ignored),
    ]);
    const res = await server.deliver({ ...approvedSale(9103), webhook_event_type: 'evento_inventado_9103' });
    expect(res.status).toBe(200);
    await grows('bridge_webhook_deliveries_total', delivered, d0);
    expect(await value('bridge_events_finished_total', ignored)).toBe(i0 + 1);
    const scraped = await scrape();
    expect(scraped).not.toContain('evento_inventado_9103');
  });
});

describe('events and upstream calls', () => {
  // The sales delivered above run in the background, and their notes to support go out: let
  // them finish before counting.
  beforeEach(async () => {
    await server.idle();
    await waitFor(async () => (await server.runtime.store.alerts.countByStatus()).pending === 0, 10_000, 'alerts sent');
  });

  it('a sale done: one attempt, finished done, each EAD and ChatPro call counted by operation and outcome', async () => {
    const labels = (system: string, operation: string) => ({ system, operation, outcome: 'ok' });
    const [attempts0, done0, create0, enroll0, welcome0] = await Promise.all([
      value('bridge_event_attempts_total', { type: 'order_approved' }),
      value('bridge_events_finished_total', { type: 'order_approved', status: 'done' }),
      value('bridge_upstream_requests_total', labels('ead', 'create_student')),
      value('bridge_upstream_requests_total', labels('ead', 'enroll')),
      value('bridge_upstream_requests_total', labels('chatpro', 'send_message')),
    ]);
    const { body } = await server.deliver(approvedSale(9201));
    await server.settled(body.eventId);
    expect(await value('bridge_event_attempts_total', { type: 'order_approved' })).toBe(attempts0 + 1);
    expect(await value('bridge_events_finished_total', { type: 'order_approved', status: 'done' })).toBe(done0 + 1);
    expect(await value('bridge_upstream_requests_total', labels('ead', 'create_student'))).toBe(create0 + 1);
    expect(await value('bridge_upstream_requests_total', labels('ead', 'enroll'))).toBe(enroll0 + 1);
    expect(await value('bridge_upstream_requests_total', labels('chatpro', 'send_message'))).toBe(welcome0 + 1);
    // The buyer was looked up first (the fake answers "not found" its own way: 2xx or 404).
    expect(await value('bridge_upstream_request_duration_seconds', { system: 'ead', operation: 'find_student' })).toBeGreaterThan(0);
    // No URL, student id or CPF ever becomes a label.
    const operations = new Set(
      parseExposition(await scrape())
        .filter((s) => s.name === 'bridge_upstream_requests_total')
        .map((s) => s.labels.operation),
    );
    for (const operation of operations) expect(operation).toMatch(/^[a-z_]+$/);
  });

  it('an EAD 500 and a timeout: counted as http_5xx and timeout, the event retried, then done', async () => {
    const { ead } = server.sandbox;
    const fiveHundred = { system: 'ead', operation: 'create_student', outcome: 'http_5xx' };
    const timeout = { system: 'ead', operation: 'enroll', outcome: 'timeout' };
    const [e0, t0, r0, a0] = await Promise.all([
      value('bridge_upstream_requests_total', fiveHundred),
      value('bridge_upstream_requests_total', timeout),
      value('bridge_event_retries_total', { type: 'order_approved' }),
      value('bridge_event_attempts_total', { type: 'order_approved' }),
    ]);
    ead.faults.failNext('http_500', 1, (r) => r.path === '/alunos' && r.method === 'POST');
    ead.faults.failNext('timeout', 1, (r) => r.path.startsWith('/alunos/matricula/'));
    const { body } = await server.deliver(approvedSale(9202));
    await server.settled(body.eventId);
    expect(await value('bridge_upstream_requests_total', fiveHundred)).toBe(e0 + 1);
    expect(await value('bridge_upstream_requests_total', timeout)).toBe(t0 + 1);
    expect(await value('bridge_event_retries_total', { type: 'order_approved' })).toBe(r0 + 2);
    expect(await value('bridge_event_attempts_total', { type: 'order_approved' })).toBe(a0 + 3);
  });

  it('a sale that fails: finished failed, and the alert to support counted as sent on its channel', async () => {
    const failed = { type: 'order_approved', status: 'failed' };
    const [f0, s0, c0] = await Promise.all([
      value('bridge_events_finished_total', failed),
      value('bridge_alerts_sent_total', { channel: 'callmebot' }),
      value('bridge_upstream_requests_total', { system: 'callmebot', operation: 'send_message', outcome: 'ok' }),
    ]);
    const sale = approvedSale(9203);
    delete sale.Customer.CPF;
    sale.Customer.cnpj = '11222333000181';
    const { body } = await server.deliver(sale);
    await server.settled(body.eventId, 'failed');
    expect(await value('bridge_events_finished_total', failed)).toBe(f0 + 1);
    await waitFor(() => server.sandbox.callmebot.calls.some((c) => c.text.includes('CNPJ')), 5_000, 'the alert');
    await grows('bridge_alerts_sent_total', { channel: 'callmebot' }, s0);
    await grows('bridge_upstream_requests_total', { system: 'callmebot', operation: 'send_message', outcome: 'ok' }, c0);
  });
});

describe('GET /metrics of the running server', () => {
  it('shows the counters, the store gauges and the process metrics, with no personal datum', async () => {
    const text = await scrape();
    const samples = parseExposition(text);
    expect(sampleValue(samples, 'bridge_store_up')).toBe(1);
    expect(sampleValue(samples, 'bridge_events', { status: 'pending' })).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, 'bridge_failures_needing_attention')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'bridge_alerts_waiting', { channel: 'callmebot' })).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, 'bridge_oldest_waiting_event_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
    for (const n of [9101, 9201, 9202, 9203]) {
      const sale = approvedSale(n);
      for (const datum of [sale.order_id, sale.Customer.CPF, sale.Customer.email, sale.Customer.first_name, sale.Product.product_name]) {
        if (datum) expect(text).not.toContain(datum);
      }
    }
  });
});

async function scrape(): Promise<string> {
  const res = await fetch(`${server.runtime.url()}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}
