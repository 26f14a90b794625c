import { describe, expect, it } from 'vitest';
import { fixture, approvedSale } from '../helpers/kiwify.js';
import { captureLogs } from '../helpers/logs.js';
import { startSandboxedServer } from '../helpers/sandbox.js';

describe('a full run', () => {
  it('logs no CPF, e-mail, phone, name, password or token in clear', async () => {
    const logs = captureLogs();
    const server = await startSandboxedServer({ LOG_LEVEL: 'debug' }, logs.stream);
    const secrets = new Set<string>();
    try {
      const { sandbox, deliver, idle } = server;
      const sales = [fixture('order_approved.one_off'), fixture('order_approved.subscription'), approvedSale(1), approvedSale(2)];
      sales[3].Customer.mobile = '+1 202 555 0143';
      sandbox.chatpro.unregistered.add('5511987654321');
      sandbox.chatpro.unregistered.add('551187654321');
      sandbox.ead.faults.failNext('http_500', 2);
      sandbox.ead.missNextFinds = 1;
      sandbox.ead.addStudent({ cpf: approvedSale(1).Customer.CPF });
      for (const sale of sales) {
        const c = sale.Customer;
        for (const v of [c.CPF, c.email, c.mobile, c.full_name, c.mobile.replace(/\D/g, '')]) secrets.add(v);
        await deliver(sale);
      }
      const bad = approvedSale(3);
      bad.Customer.CPF = '12345678900';
      secrets.add('12345678900');
      await deliver(bad);
      await deliver(fixture('order_refunded'));
      await deliver(fixture('chargeback'));
      await deliver(fixture('abandoned_cart'));
      await idle();
      for (const student of sandbox.ead.students.values()) secrets.add(student.senha);
      for (const call of sandbox.chatpro.delivered) {
        const password = /Senha: (\S+)/.exec(call.message)?.[1];
        if (password && password.length > 4) secrets.add(password);
      }
      secrets.add(sandbox.ead.apiKey);
      secrets.add('tok-1');
    } finally {
      await server.close();
    }
    const text = logs.text();
    expect(logs.lines.length).toBeGreaterThan(30);
    for (const secret of secrets) expect(text, `log contains ${secret}`).not.toContain(secret);
    // Still useful: event ids, types and outcomes are there.
    expect(text).toContain('"eventType":"order_approved"');
    expect(text).toContain('evento concluído');
  });
});
