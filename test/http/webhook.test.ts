import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signKiwify } from '../../src/intake/kiwify-signature.js';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import { testConfig, TOKEN } from '../helpers/config.js';
import { bodyOf, fixture, signedPath } from '../helpers/kiwify.js';

let runtime: Runtime;

beforeEach(async () => {
  // The app alone, worker not started: deliveries stay in the inbox for inspection.
  runtime = await createRuntime(testConfig({ KIWIFY_WEBHOOK_TOKEN: `old-token, ${TOKEN}` }));
});
afterEach(() => runtime.stop());

// superagent would JSON-encode a Buffer: send the bytes as a (UTF-8) string.
const post = (path: string, body: Buffer | string, contentType = 'application/json') =>
  request(runtime.app).post(path).set('content-type', contentType).send(body.toString());

async function stored() {
  return runtime.store.events.list({ limit: 500 });
}

/** The order an event carries, as stored. */
async function storedBody(eventId: number): Promise<unknown> {
  return JSON.parse((await runtime.store.events.getWithBody(eventId))!.bodyText);
}

describe('POST /webhook — signature', () => {
  it('stores a correctly signed delivery and answers with its event id', async () => {
    const body = bodyOf(fixture('order_approved.subscription'));
    const res = await post(signedPath(body), body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, eventId: expect.stringMatching(/^\d+$/), duplicate: false });
    const [event] = await stored();
    expect(event).toMatchObject({
      id: Number(res.body.eventId),
      eventType: 'order_approved',
      orderId: '0b7c6f1e-1111-4a2b-9c3d-000000000001',
      planName: 'Excel PRO',
      customerKey: 'cpf:52998224725',
      status: 'pending',
    });
    expect(await storedBody(event.id)).toEqual(fixture('order_approved.subscription'));
  });

  it('accepts any configured token (two webhooks, one URL)', async () => {
    const body = bodyOf(fixture('order_approved.one_off'));
    expect((await post(signedPath(body, 'old-token'), body)).status).toBe(200);
  });

  it.each([
    ['missing', (_body: Buffer) => '/webhook'],
    ['empty', (_body: Buffer) => '/webhook?signature='],
    ['wrong token', (body: Buffer) => signedPath(body, 'not-the-token')],
    ['short', (body: Buffer) => `/webhook?signature=${signKiwify(body, TOKEN).slice(0, 20)}`],
    ['odd length', (body: Buffer) => `/webhook?signature=${signKiwify(body, TOKEN)}a`],
    ['repeated', (body: Buffer) => `${signedPath(body)}&signature=${signKiwify(body, TOKEN)}`],
  ])('answers 401 and stores nothing when the signature is %s', async (_name, path) => {
    const body = bodyOf(fixture('order_approved.one_off'));
    const res = await post(path(body), body);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ ok: false, error: 'Assinatura ausente ou inválida.' });
    expect(await stored()).toHaveLength(0);
  });

  it('answers 401 when the body was changed by one byte after signing', async () => {
    const body = bodyOf(fixture('order_approved.one_off'));
    const path = signedPath(body);
    const tampered = Buffer.from(body);
    tampered[tampered.indexOf('Beltrana')] = 'C'.charCodeAt(0);
    expect((await post(path, tampered)).status).toBe(401);
    expect(await stored()).toHaveLength(0);
  });

  it('accepts an uppercase hex signature (same MAC)', async () => {
    const body = bodyOf(fixture('order_approved.one_off'));
    const res = await post(`/webhook?signature=${signKiwify(body, TOKEN).toUpperCase()}`, body);
    expect(res.status).toBe(200);
  });

  it('verifies accented bodies on the raw bytes', async () => {
    const sale = fixture('order_approved.one_off');
    sale.Customer.city = 'Balneário Camboriú';
    const body = bodyOf(sale);
    expect(body.toString()).toContain('Balneário Camboriú');
    expect((await post(signedPath(body), body)).status).toBe(200);
    const [event] = await stored();
    expect(((await storedBody(event.id)) as { Customer: { city: string } }).Customer.city).toBe('Balneário Camboriú');
  });
});

describe('POST /webhook — body shapes', () => {
  it('unwraps {"order": ...} signed over the whole body', async () => {
    const body = bodyOf(fixture('order_approved.wrapped'));
    const res = await post(signedPath(body), body);
    expect(res.status).toBe(200);
    const [event] = await stored();
    expect(event).toMatchObject({ eventType: 'order_approved', planName: 'Excel PRO', customerKey: 'cpf:52998224725' });
    expect(await storedBody(event.id)).toEqual(fixture('order_approved.wrapped').order);
  });

  it('refuses a wrapped body signed over its order alone: the signature must cover the bytes received', async () => {
    const wrapped = fixture('order_approved.wrapped');
    const orderOnly = signKiwify(JSON.stringify(wrapped.order), TOKEN);
    expect((await post(`/webhook?signature=${orderOnly}`, bodyOf(wrapped))).status).toBe(401);
    expect(await stored()).toHaveLength(0);
  });

  it('treats the wrapped and the bare form of one event as the same event', async () => {
    const bare = bodyOf(fixture('order_approved.subscription'));
    const wrapped = bodyOf(fixture('order_approved.wrapped'));
    const first = await post(signedPath(bare), bare);
    const second = await post(signedPath(wrapped), wrapped);
    expect(second.body).toEqual({ ok: true, eventId: first.body.eventId, duplicate: true });
  });

  it.each([
    ['not JSON', '{"order_id": ', 'O corpo não é um JSON válido.'],
    ['empty', '', 'O corpo não é um JSON válido.'],
    ['an array', '[1,2]', 'O corpo deve ser um objeto JSON.'],
    ['a string', '"order_approved"', 'O corpo deve ser um objeto JSON.'],
    ['null', 'null', 'O corpo deve ser um objeto JSON.'],
    ['a wrapper whose order is not an object', '{"order":[1]}', 'O campo "order" deve ser um objeto JSON.'],
    ['an object with no event type', '{"order_id":"x"}', 'Evento não reconhecido: campo webhook_event_type ausente.'],
  ])('answers 400 with a pt-BR message when the body is %s', async (_name, text, message) => {
    const body = Buffer.from(text, 'utf8');
    const res = await post(signedPath(body), body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ ok: false, error: message });
    expect(await stored()).toHaveLength(0);
  });

  it('answers 413 above 1 MB, before looking at the signature', async () => {
    const sale = fixture('order_approved.one_off');
    sale.padding = 'x'.repeat(1024 * 1024);
    const body = bodyOf(sale);
    const res = await post(signedPath(body), body);
    expect(res.status).toBe(413);
    expect(res.body.ok).toBe(false);
    expect(await stored()).toHaveLength(0);
  });

  it('tolerates nulls, numbers and absent optional fields', async () => {
    const sale = fixture('order_approved.one_off');
    sale.Customer.mobile = null;
    sale.Customer.CPF = 11144477735; // a number instead of a string
    delete sale.Customer.street;
    sale.Product = null;
    // eslint-disable-next-line no-loss-of-precision -- Kiwify's dashboard sends this 20-digit id as a JSON number
    sale.payment_merchant_id = 10000000000000000002;
    sale.Subscription = 'unexpected';
    const body = bodyOf(sale);
    expect((await post(signedPath(body), body)).status).toBe(200);
    const [event] = await stored();
    expect(event).toMatchObject({ customerKey: 'cpf:11144477735', planName: null });
  });

  it('accepts any content type (the raw bytes are what is signed)', async () => {
    const body = bodyOf(fixture('order_approved.one_off'));
    expect((await post(signedPath(body), body, 'text/plain')).status).toBe(200);
  });
});

describe('POST /webhook — types no flow acts on', () => {
  it.each(['billet_created', 'pix_created', 'order_rejected', 'subscription_late', 'revoke_access'])(
    '%s is recorded as ignored at once, with no worker pass',
    async (type) => {
      const body = bodyOf({ ...fixture('order_approved.subscription'), webhook_event_type: type });
      const res = await post(signedPath(body), body);
      expect(res.status).toBe(200);
      // The worker never started here: the row was stored finished.
      expect(await runtime.store.events.get(Number(res.body.eventId))).toMatchObject({
        status: 'ignored',
        outcome: 'Evento registrado; nenhuma ação para este tipo.',
        attempts: 0,
      });
    },
  );

  it('an approval is queued, not ignored', async () => {
    const body = bodyOf(fixture('order_approved.one_off'));
    const res = await post(signedPath(body), body);
    expect((await runtime.store.events.get(Number(res.body.eventId)))!.status).toBe('pending');
  });
});

describe('POST /webhook — deduplication', () => {
  it('answers a redelivery with the first id and changes nothing', async () => {
    const body = bodyOf(fixture('order_approved.one_off'));
    const first = await post(signedPath(body), body);
    const before = await stored();
    const again = await post(signedPath(body), body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ok: true, eventId: first.body.eventId, duplicate: true });
    expect(await stored()).toEqual(before);
  });

  it('keys on event type + order id: a refund of the same order is a new event', async () => {
    const approved = bodyOf(fixture('order_approved.one_off'));
    const refunded = bodyOf(fixture('order_refunded'));
    const a = await post(signedPath(approved), approved);
    const r = await post(signedPath(refunded), refunded);
    expect(r.body.duplicate).toBe(false);
    expect(r.body.eventId).not.toBe(a.body.eventId);
  });

  it('keeps each subscription_late (it repeats legitimately), keyed with updated_at', async () => {
    const late = { ...fixture('order_approved.subscription'), webhook_event_type: 'subscription_late' };
    const first = bodyOf(late);
    const sameAgain = bodyOf(late);
    const nextDay = bodyOf({ ...late, updated_at: '2026-07-09 10:00' });
    expect((await post(signedPath(first), first)).body.duplicate).toBe(false);
    expect((await post(signedPath(sameAgain), sameAgain)).body.duplicate).toBe(true);
    expect((await post(signedPath(nextDay), nextDay)).body.duplicate).toBe(false);
  });

  it('dedupes abandoned carts (no order id) on the cart id, or on the body when there is none', async () => {
    const cart = fixture('abandoned_cart');
    const body = bodyOf(cart);
    const sameCartUpdated = bodyOf({ ...cart, checkout_link: 'Other' });
    const otherCart = bodyOf({ ...cart, id: 'another-cart' });
    const noId = { ...cart, id: undefined };
    expect((await post(signedPath(body), body)).body.duplicate).toBe(false);
    expect((await post(signedPath(body), body)).body.duplicate).toBe(true);
    expect((await post(signedPath(sameCartUpdated), sameCartUpdated)).body.duplicate).toBe(true);
    expect((await post(signedPath(otherCart), otherCart)).body.duplicate).toBe(false);
    expect((await post(signedPath(bodyOf(noId)), bodyOf(noId))).body.duplicate).toBe(false);
    expect((await post(signedPath(bodyOf(noId)), bodyOf(noId))).body.duplicate).toBe(true);
    const events = await stored();
    expect(events.map((e) => e.eventType)).toEqual(['abandoned_cart', 'abandoned_cart', 'abandoned_cart']);
    expect(events[0].customerKey).toBe('cpf:52998224725');
  });

  it('a signed order re-wrapped with other content is refused, not a new event', async () => {
    const order = { webhook_event_type: 'subscription_late', Customer: { CPF: '52998224725' } }; // no order id
    const signature = signKiwify(JSON.stringify(order), TOKEN);
    expect((await post(`/webhook?signature=${signature}`, JSON.stringify(order))).status).toBe(200);
    expect((await post(`/webhook?signature=${signature}`, JSON.stringify({ order, pad: 1 }))).status).toBe(401);
    expect(await stored()).toHaveLength(1);
  });
});

describe('routes', () => {
  it('answers unknown routes with a JSON 404', async () => {
    const res = await request(runtime.app).get('/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ ok: false, error: 'Rota não encontrada.' });
    expect((await request(runtime.app).get('/webhook')).status).toBe(404);
  });

  it("GET/HEAD /secure report liveness, and no counts (the school's business)", async () => {
    const body = bodyOf(fixture('order_approved.one_off'));
    await post(signedPath(body), body);
    const res = await request(runtime.app).get('/secure');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      version: expect.any(String),
      uptimeSeconds: expect.any(Number),
      store: 'sqlite',
    });
    expect(res.body).not.toHaveProperty('events');
    const head = await request(runtime.app).head('/secure');
    expect(head.status).toBe(200);
    expect(head.text ?? '').toBe('');
  });

  it('echoes a sane x-request-id and makes one up otherwise', async () => {
    const res = await request(runtime.app).get('/secure').set('x-request-id', 'abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
    const other = await request(runtime.app).get('/secure').set('x-request-id', 'bad id with spaces');
    expect(other.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
