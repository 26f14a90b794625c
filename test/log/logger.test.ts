import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { maskName, scrubText } from '../../src/domain/redaction.js';
import { createLogger } from '../../src/log/logger.js';
import { createRuntime } from '../../src/app/runtime.js';
import { signKiwify } from '../../src/intake/kiwify-signature.js';
import { testConfig, TOKEN } from '../helpers/config.js';
import { bodyOf, fixture } from '../helpers/kiwify.js';
import { captureLogs } from '../helpers/logs.js';
import { ADMIN, adminAuth } from '../helpers/admin.js';

describe('logs', () => {
  it('mask the signature query parameter and carry a request id', async () => {
    const logs = captureLogs();
    const runtime = await createRuntime(testConfig({ LOG_LEVEL: 'info' }), { logDestination: logs.stream });
    try {
      const body = bodyOf(fixture('order_approved.one_off'));
      const signature = signKiwify(body, TOKEN);
      await request(runtime.app).post(`/webhook?signature=${signature}`).set('content-type', 'application/json').send(body.toString());
      await request(runtime.app)
        .post(`/webhook?signature=${'0'.repeat(40)}`)
        .set('content-type', 'application/json')
        .send(body.toString());
    } finally {
      await runtime.stop();
    }
    const text = logs.text();
    expect(text).not.toContain(signature());
    expect(text).not.toContain('0'.repeat(40));
    expect(text).toContain('signature=[redacted]');
    const requests = logs.entries().filter((e) => e.req);
    expect(requests.length).toBeGreaterThanOrEqual(2);
    for (const entry of requests) expect(entry.req.id).toMatch(/^[0-9a-f-]{36}$/);
    for (const secret of ['52998224725', '11144477735', 'beltrana@example.com', '5521912345678', 'Beltrana Exemplo']) {
      expect(text).not.toContain(secret);
    }
    function signature() {
      return signKiwify(bodyOf(fixture('order_approved.one_off')), TOKEN);
    }
  });

  it('redact personal fields wherever they appear in a log object', () => {
    const logs = captureLogs();
    const log = createLogger('info', logs.stream);
    log.info(
      {
        customer: { CPF: '52998224725', email: 'a@b.com', mobile: '+5511987654321', full_name: 'Fulano de Tal' },
        token: 'tok',
        password: 'senha123',
      },
      'x',
    );
    const text = logs.text();
    for (const secret of ['52998224725', 'a@b.com', '5511987654321', 'Fulano', 'tok"', 'senha123']) expect(text).not.toContain(secret);
  });

  it('scrub CPFs, phones and e-mails quoted in error texts from upstream services', () => {
    const logs = captureLogs();
    const log = createLogger('info', logs.stream);
    const err = new Error(
      'O número 5511987654321 não está cadastrado; CPF 529.982.247-25 já está em uso por fulano@example.com; tel (11) 98765-4321',
    );
    log.error({ err }, 'falhou');
    const text = logs.text();
    for (const secret of ['5511987654321', '529.982.247-25', 'fulano@example.com', '98765-4321']) expect(text).not.toContain(secret);
    expect(text).toContain('*******25');
  });

  it('scrub CPFs glued to words or after dates, and e-mails with accents', () => {
    for (const text of ['em 2024-05-01 529.982.247-25', 'CPF52998224725', 'cpf_52998224725', 'joão@exemplo.com.br']) {
      const scrubbed = scrubText(text);
      expect(scrubbed).not.toContain('52998224725');
      expect(scrubbed).not.toContain('529.982.247-25');
      expect(scrubbed).not.toContain('joão@');
    }
    expect(scrubText('em 2024-05-01 529.982.247-25')).toContain('2024-05-01');
  });

  it('hide every query value but a few harmless ones, and log the full path', async () => {
    const logs = captureLogs();
    const runtime = await createRuntime(testConfig({ LOG_LEVEL: 'info', ADMIN_TOKEN: ADMIN }), {
      logDestination: logs.stream,
    });
    try {
      await request(runtime.app).get('/admin/api/events?q=maria.silva%40example.com&status=done').set(adminAuth);
      await request(runtime.app).get('/admin?q=529.982.247-25');
    } finally {
      await runtime.stop();
    }
    const text = logs.text();
    expect(text).toContain('"url":"/admin/api/events?q=[redacted]&status=done"');
    expect(text).toContain('"url":"/admin?q=[redacted]"');
    expect(text).not.toContain('maria.silva');
    expect(text).not.toContain('529.982.247-25');
  });

  it('scrubbing leaves order ids, refs, dates and amounts readable', () => {
    expect(scrubText('pedido 0b7c6f1e-1111-4a2b-9c3d-000000000001 ref AbC1dEf')).toBe(
      'pedido 0b7c6f1e-1111-4a2b-9c3d-000000000001 ref AbC1dEf',
    );
    expect(scrubText('cursos 161,197,201 em 2026-06-08')).toBe('cursos 161,197,201 em 2026-06-08');
    expect(maskName('Beltrana Exemplo da Silva')).toBe('Beltrana E. d. S.');
  });
});
