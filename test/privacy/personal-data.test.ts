import { describe, expect, it } from 'vitest';
import { CustomerKeys } from '../../src/privacy/customer-keys.js';
import { ERASED, personalValuesOf, scrubberFor, scrubJson, strippedBody } from '../../src/privacy/personal-data.js';
import { fixture } from '../helpers/kiwify.js';

describe('personal data removal', () => {
  it('keeps of an order only what the rules and an audit need', () => {
    const order = fixture('order_approved.subscription');
    const kept = strippedBody(order);
    expect(kept).toEqual({
      webhook_event_type: 'order_approved',
      order_id: order.order_id,
      order_ref: order.order_ref,
      order_status: 'paid',
      product_type: 'membership',
      payment_method: 'credit_card',
      sale_type: 'producer',
      installments: 1,
      store_id: order.store_id,
      created_at: order.created_at,
      updated_at: order.updated_at,
      approved_date: order.approved_date,
      refunded_at: null,
      subscription_id: order.subscription_id,
      Product: order.Product,
      Subscription: {
        start_date: order.Subscription.start_date,
        next_payment: order.Subscription.next_payment,
        status: 'active',
        customer_access: order.Subscription.customer_access,
        plan: order.Subscription.plan,
      },
    });
    expect(JSON.stringify(kept)).not.toMatch(/Fulano|fulano@|52998224725|98765|4242|203\.0\.113/);
  });

  it('keeps of an abandoned cart only its product and dates', () => {
    const cart = fixture('abandoned_cart');
    expect(JSON.stringify(strippedBody(cart))).not.toMatch(/Fulano|fulano@|52998224725|98765/);
    expect(strippedBody(cart)).toMatchObject({ id: cart.id, status: 'abandoned', product_name: cart.product_name });
  });

  it('scrubs the values a delivery carried, in any form the bridge writes them', () => {
    const order = fixture('order_approved.one_off');
    const scrub = scrubberFor(personalValuesOf(order));
    const c = order.Customer;
    const text = `Aluno ${c.full_name} (${c.email}, CPF *********${c.CPF.slice(-2)}, ${c.mobile}) — Olá ${c.first_name}! ${c.email.toUpperCase()}`;
    const scrubbed = scrub(text);
    expect(scrubbed).not.toContain(c.first_name);
    expect(scrubbed.toLowerCase()).not.toContain(c.email.toLowerCase());
    expect(scrubbed).not.toContain(c.CPF.slice(-2) + ',');
    expect(scrubbed).toContain(ERASED);
    // Journal results: personal keys erased whole, numbers and ids as they were.
    expect(scrubJson({ phone: '11 98765-4321', enrolled: [161, 197], studentId: '42', at: 1_795_991_673_302 }, scrub)).toEqual({
      phone: ERASED,
      enrolled: [161, 197],
      studentId: '42',
      at: 1_795_991_673_302,
    });
  });

  it('hashes personal customer keys with the secret, and leaves the others', () => {
    const keys = new CustomerKeys('a-secret-of-sixteen-chars');
    const hashed = keys.hashed('cpf:52998224725');
    expect(hashed).toMatch(/^k:[\w-]{32}$/);
    expect(keys.hashed('cpf:52998224725')).toBe(hashed);
    expect(new CustomerKeys('another-secret-value!!').hashed('cpf:52998224725')).not.toBe(hashed);
    expect(keys.lookup('email:a@b.com')).toEqual(['email:a@b.com', keys.hashed('email:a@b.com')]);
    expect(keys.lookup('order:123')).toEqual(['order:123']);
  });

  it('matches whole values only: a house number never eats ids, references or prices', () => {
    const order = fixture('order_approved.one_off');
    order.Customer.number = '100';
    order.Customer.complement = 'apto 51';
    const scrub = scrubberFor(personalValuesOf(order));
    expect(scrub('Aluno criado (id 51003) matriculado em 1001; pedido R100X · Curso 100% Anual')).toBe(
      'Aluno criado (id 51003) matriculado em 1001; pedido R100X · Curso 100% Anual',
    );
  });

  it('finds the name without accents, by its first word alone, and the city', () => {
    const body = { Customer: { full_name: 'João da Silva Araújo', email: 'joao@example.com', CPF: '52998224725', city: 'São Gonçalo' } };
    const scrub = scrubberFor(personalValuesOf(body));
    for (const text of ['Olá João!', 'Cliente JOAO DA SILVA ARAUJO', 'joao da silva araujo respondeu', 'Endereço em Sao Goncalo']) {
      const out = scrub(text);
      expect(out, text).not.toMatch(/jo[aã]o|ara[uú]jo|gon[cç]alo/i);
      expect(out).toContain(ERASED);
    }
  });

  it('a huge value (a 200 KB "name") is replaced as plain text, without a giant pattern', () => {
    const name = `Nome ${'x'.repeat(200_000)}`;
    const scrub = scrubberFor(personalValuesOf({ Customer: { full_name: name } }));
    expect(scrub(`Aluno ${name} matriculado.`)).toBe(`Aluno ${ERASED} matriculado.`);
  });
});
