import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signKiwify } from '../../src/intake/kiwify-signature.js';
import { KIWIFY_EVENT_TYPES } from '../../src/domain/event-types.js';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import { testConfig, TOKEN } from '../helpers/config.js';
import { approvedSale, bodyOf } from '../helpers/kiwify.js';
import { parseExposition, type Sample } from '../helpers/metrics.js';
import { waitFor } from '../helpers/runtime.js';

/**
 * 1,000 deliveries with random plan names, random event types, random order ids, some badly
 * signed or malformed: the label sets stay what they were designed to be, and nothing a
 * delivery carries ever shows in /metrics. The app alone (no worker): only intake is counted.
 */
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const DELIVERIES = 1_000;
const OUTCOMES = ['accepted', 'duplicate', 'rejected_signature', 'rejected_body', 'throttled', 'error'];

let runtime: Runtime;
let server: Server;
let base: string;

beforeAll(async () => {
  runtime = await createRuntime(testConfig({ METRICS_TOKEN }), { connectionChecks: false });
  server = createServer(runtime.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await runtime?.stop();
});

type Delivery = { body: Buffer; signed: boolean; secrets: string[] };

/** A random word that could only come from this test's deliveries. */
const marker = (prefix: string) => fc.string({ minLength: 1, maxLength: 40 }).map((s) => `${prefix}${s.replace(/[\s"\\]/g, '')}`);

const delivery: fc.Arbitrary<Delivery> = fc.oneof(
  // A sale of a random plan.
  { weight: 5, arbitrary: fc.tuple(fc.nat(), marker('PlanoZ9-')).map(([n, plan]) => sale('order_approved', n, plan)) },
  // A type nobody knows.
  { weight: 3, arbitrary: fc.tuple(fc.nat(), marker('tipoZ9_'), marker('PlanoZ9-')).map(([n, type, plan]) => sale(type, n, plan)) },
  // A type Kiwify sends that no flow handles.
  {
    weight: 1,
    arbitrary: fc.tuple(fc.nat(), fc.constantFrom(...KIWIFY_EVENT_TYPES), marker('PlanoZ9-')).map(([n, type, plan]) => sale(type, n, plan)),
  },
  // A wrong signature, a body that is not an event.
  {
    weight: 1,
    arbitrary: fc.tuple(fc.nat(), marker('PlanoZ9-')).map(([n, plan]) => ({ ...sale('order_approved', n, plan), signed: false })),
  },
  { weight: 1, arbitrary: marker('corpoZ9-').map((text) => ({ body: Buffer.from(text), signed: true, secrets: [] })) },
);

function sale(type: string, n: number, plan: string): Delivery {
  const payload = approvedSale(n % 50_000, { webhook_event_type: type, order_id: randomUUID() });
  payload.Product = { ...payload.Product, product_name: plan };
  payload.Subscription = { plan: { name: plan } };
  return { body: bodyOf(payload), signed: true, secrets: [payload.order_id as string, type, plan] };
}

async function post({ body, signed }: Delivery): Promise<number> {
  const signature = signKiwify(body, signed ? TOKEN : 'not-the-token');
  const res = await fetch(`${base}/webhook?signature=${signature}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

describe('label sets after 1,000 random deliveries', () => {
  let samples: Sample[];
  let text: string;
  const secrets: string[] = [];

  beforeAll(async () => {
    const deliveries = fc.sample(delivery, { numRuns: DELIVERIES, seed: 20261130 });
    // Repeat a few: duplicates too.
    deliveries.push(...deliveries.slice(0, 20));
    // The random words and the order ids (the known types may show, as labels).
    for (const d of deliveries) secrets.push(...d.secrets.filter((s) => /Z9/.test(s) || /^[0-9a-f-]{36}$/.test(s)));
    const statuses: number[] = [];
    for (let i = 0; i < deliveries.length; i += 25) statuses.push(...(await Promise.all(deliveries.slice(i, i + 25).map(post))));
    expect(statuses.every((s) => s < 500)).toBe(true);
    const counted = async () => {
      const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      text = await res.text();
      samples = parseExposition(text);
      return samples.filter((s) => s.name === 'bridge_webhook_deliveries_total').reduce((n, s) => n + s.value, 0) === deliveries.length;
    };
    await waitFor(counted, 10_000, 'every delivery counted');
  }, 120_000);

  const combinations = (name: string) => new Set(samples.filter((s) => s.name === name).map((s) => JSON.stringify(s.labels)));

  it('webhook deliveries: type is a known type, outro or desconhecido; outcome one of six', () => {
    const types = new Set([...KIWIFY_EVENT_TYPES, 'revoke_access', 'outro', 'desconhecido']);
    const seen = [...combinations('bridge_webhook_deliveries_total')].map((l) => JSON.parse(l) as Record<string, string>);
    for (const labels of seen) {
      expect(Object.keys(labels).sort()).toEqual(['outcome', 'type']);
      expect(types.has(labels.type), labels.type).toBe(true);
      expect(OUTCOMES).toContain(labels.outcome);
    }
    // Every shape of delivery was sent, and they fold into a handful of series.
    expect(seen.map((l) => l.type)).toEqual(expect.arrayContaining(['order_approved', 'outro', 'desconhecido']));
    // At most: accepted or duplicate for each Kiwify type and `outro`; refused signature or body for `desconhecido`.
    expect(seen.length).toBeLessThanOrEqual(2 * (KIWIFY_EVENT_TYPES.length + 1) + 2);
    expect(combinations('bridge_events_finished_total').size).toBeLessThanOrEqual(KIWIFY_EVENT_TYPES.length + 1);
    expect(combinations('bridge_webhook_ack_duration_seconds_count').size).toBeLessThanOrEqual(OUTCOMES.length);
  });

  it('every bridge_ metric stays within a small number of series', () => {
    const series = samples.filter((s) => s.name.startsWith('bridge_'));
    expect(series.length).toBeLessThan(300);
    for (const s of series) for (const value of Object.values(s.labels)) expect(value).toMatch(/^[a-z0-9_.+-]{1,40}$|^\+Inf$/i);
  });

  it('no plan name, order id, event type or body a delivery carried shows in /metrics', () => {
    expect(secrets.length).toBeGreaterThan(DELIVERIES);
    expect(text).not.toContain('Z9');
    for (const secret of secrets) expect(text.includes(secret), secret).toBe(false);
  });
});
