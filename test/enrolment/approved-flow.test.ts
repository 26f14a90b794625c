import { afterEach, describe, expect, it } from 'vitest';
import { savePlan } from '../../src/plans/plan-admin.js';
import { approvedSale, fixture } from '../helpers/kiwify.js';
import { captureLogs } from '../helpers/logs.js';
import { waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';
import type { Tuning } from '../../src/app/tuning.js';

let server: SandboxedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(env: Record<string, string | undefined> = {}, logs?: ReturnType<typeof captureLogs>, tuning: Partial<Tuning> = {}) {
  server = await startSandboxedServer(env, logs?.stream, { tuning });
  return server;
}

const ONE_OFF_CPF = '11144477735';
const SUB_CPF = '52998224725';

describe('order_approved', () => {
  it('a new buyer: one cadastro with every field, one matrícula of the plan, one welcome with login and password', async () => {
    const { sandbox, deliver, settled } = await start({
      SCHOOL_NAME: 'Escola Exemplo',
      PORTAL_URL: 'https://portal.example.com',
      SUPPORT_WHATSAPP: '(61) 3333-0000',
    });
    const res = await deliver(fixture('order_approved.one_off'));
    const event = await settled(res.body.eventId);

    const cadastros = sandbox.ead.callsTo('POST', '/alunos');
    expect(cadastros.filter((c) => c.path === '/alunos')).toHaveLength(1);
    expect(cadastros[0].form).toEqual({
      token: 'tok-1',
      nome: 'Beltrana Exemplo da Silva',
      data_nascimento: '2000-01-01',
      email: 'beltrana@example.com',
      fone: '21912345678',
      celular: '21912345678',
      doc_cpf: ONE_OFF_CPF,
      doc_rg: '0',
      pais: 'Brasil',
      uf: 'RJ',
      cidade: 'São João',
      endereco: 'Rua Exemplo, 100',
      complemento: 'Apto 1',
      bairro: 'Bairro Teste',
      cep: '20000000',
      login_info: 'CPF',
    });
    const student = sandbox.ead.studentByCpf(ONE_OFF_CPF)!;
    const matriculas = sandbox.ead.callsTo('POST', '/alunos/matricula/');
    expect(matriculas).toHaveLength(1);
    expect(matriculas[0].path).toBe(`/alunos/matricula/${student.id}`);
    expect(matriculas[0].form.cursos).toBe('254,751,169');
    expect([...student.courses.keys()].sort()).toEqual(['169', '254', '751']);

    expect(sandbox.chatpro.delivered).toHaveLength(1);
    const welcome = sandbox.chatpro.delivered[0];
    expect(welcome.number).toBe('5521912345678');
    expect(welcome.message).toContain('Olá, Beltrana!');
    expect(welcome.message).toContain('Sua matrícula no plano *Design Gráfico* está confirmada.');
    expect(welcome.message).toContain('Equipe Escola Exemplo');
    expect(welcome.message).toContain(`Login: ${ONE_OFF_CPF}`);
    expect(welcome.message).toContain(`Senha: ${student.senha}`);
    expect(welcome.message).toContain('https://portal.example.com');
    expect(welcome.message).toContain('(61) 3333-0000');

    expect(event.outcome).toBe(`Aluno criado (id ${student.id}) matriculado em 254, 751, 169; boas-vindas enviadas por WhatsApp.`);
    // The generated password left the database once delivered.
    const journal = await server!.runtime.store.journal.loadSteps(event.id);
    expect(journal.get('cadastro')).toEqual({ studentId: student.id, created: true });
    expect(JSON.stringify([...journal.values()])).not.toContain(student.senha);
    // Support gets a short note (ALERT_ON_SUCCESS), without the password.
    await waitFor(() => sandbox.callmebot.calls.length === 1, 5_000, 'support note');
    expect(sandbox.callmebot.calls[0].text).toMatch(/^✅ \*Matrícula:\* #\d+ venda aprovada · pedido GhI2jKl · Design Gráfico/);
    expect(sandbox.callmebot.calls[0].text).not.toContain(student.senha);
  });

  it('uses STUDENT_DEFAULT_PASSWORD when set', async () => {
    const { sandbox, deliver, settled } = await start({ STUDENT_DEFAULT_PASSWORD: 'Mudar@123' });
    await settled((await deliver(fixture('order_approved.one_off'))).body.eventId);
    expect(sandbox.ead.callsTo('POST', '/alunos')[0].form.senha).toBe('Mudar@123');
    expect(sandbox.chatpro.delivered[0].message).toContain('Senha: Mudar@123');
  });

  it('duplicate and concurrent deliveries still give one cadastro, one matrícula, one welcome', async () => {
    const { sandbox, deliver, idle } = await start({ WORKER_CONCURRENCY: '8' });
    const sale = fixture('order_approved.subscription');
    const wrapped = fixture('order_approved.wrapped');
    await Promise.all([...Array.from({ length: 10 }, () => deliver(sale)), ...Array.from({ length: 5 }, () => deliver(wrapped))]);
    await deliver(sale);
    await idle();
    expect(sandbox.ead.callsTo('POST', '/alunos').filter((c) => c.path === '/alunos')).toHaveLength(1);
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/')).toHaveLength(1);
    expect(sandbox.chatpro.delivered).toHaveLength(1);
  });

  it('an existing student gets no cadastro, only the missing courses, and is told to use their password', async () => {
    const { sandbox, deliver, settled } = await start();
    const existing = sandbox.ead.addStudent({ cpf: SUB_CPF, nome: 'Fulano de Tal', courses: [161] });
    const event = await settled((await deliver(fixture('order_approved.subscription'))).body.eventId);
    expect(sandbox.ead.callsTo('POST', '/alunos').filter((c) => c.path === '/alunos')).toHaveLength(0);
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/').map((c) => c.form.cursos)).toEqual(['197,201']);
    expect([...existing.courses.values()].every((contracts) => contracts.length === 1)).toBe(true);
    const message = sandbox.chatpro.delivered[0].message;
    expect(message).toContain('Senha: a mesma que você já usa');
    expect(event.outcome).toContain(`Aluno ${existing.id} matriculado em 197, 201`);
  });

  it('a renewal (new order of an enrolled subscription) creates nothing and sends nothing', async () => {
    const { sandbox, deliver, settled } = await start();
    const first = fixture('order_approved.subscription');
    await settled((await deliver(first)).body.eventId);
    const renewal = { ...first, order_id: '0b7c6f1e-1111-4a2b-9c3d-0000000000ff', order_ref: 'Renov01', approved_date: '2026-07-08 11:53' };
    const event = await settled((await deliver(renewal)).body.eventId);
    expect(sandbox.ead.callsTo('POST', '/alunos').filter((c) => c.path === '/alunos')).toHaveLength(1);
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/')).toHaveLength(1);
    expect(sandbox.chatpro.delivered).toHaveLength(1);
    expect(event.outcome).toMatch(/já tinha todos os cursos do plano/);
    // Only the first enrolment's note was ever queued.
    const alerts = await server!.runtime.store.alerts.countByStatus();
    expect(alerts.pending + alerts.sent + alerts.failed).toBe(1);
  });

  it('"já está em uso" on cadastro: finds the student again and carries on with that account', async () => {
    const { sandbox, deliver, settled } = await start();
    const existing = sandbox.ead.addStudent({ cpf: ONE_OFF_CPF });
    sandbox.ead.missNextFinds = 1;
    const event = await settled((await deliver(fixture('order_approved.one_off'))).body.eventId);
    expect(sandbox.ead.callsTo('POST', '/alunos').filter((c) => c.path === '/alunos')).toHaveLength(1);
    expect(sandbox.ead.students.size).toBe(1);
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/')[0].path).toBe(`/alunos/matricula/${existing.id}`);
    expect(sandbox.chatpro.delivered[0].message).toContain('Senha: a mesma que você já usa');
    expect(event.outcome).toContain(`Aluno ${existing.id} matriculado`);
  });

  it('"já está em uso" while the search misses: retried, and the account is never mistaken for a new one', async () => {
    const { sandbox, deliver, settled } = await start({ STUDENT_DEFAULT_PASSWORD: 'Mudar@123' });
    const existing = sandbox.ead.addStudent({ cpf: ONE_OFF_CPF });
    sandbox.ead.missNextFinds = 2; // the first find and the find after "em uso" both miss
    const event = await settled((await deliver(fixture('order_approved.one_off'))).body.eventId);
    expect(event.attempts).toBe(2);
    expect(sandbox.ead.students.size).toBe(1);
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/')[0].path).toBe(`/alunos/matricula/${existing.id}`);
    // The student had an account before this sale: never told a password they do not have.
    expect(sandbox.chatpro.delivered[0].message).toContain('Senha: a mesma que você já usa');
    expect(sandbox.chatpro.delivered[0].message).not.toContain('Mudar@123');
  });

  it('EAD down for several attempts: completes when it is back, with no repeated cadastro or matrícula', async () => {
    const { sandbox, deliver, settled } = await start({}, undefined, { maxAttempts: 20 });
    const ead = sandbox.ead;
    ead.faults.failNext('http_500', 2, (r) => r.path === '/alunos' && r.method === 'GET');
    ead.faults.failNext('html_502', 2, (r) => r.path === '/alunos' && r.method === 'POST');
    ead.faults.failNext('timeout_after_commit', 1, (r) => r.path === '/alunos' && r.method === 'POST');
    ead.faults.failNext('timeout', 1, (r) => r.path.startsWith('/alunos/matricula/'));
    ead.faults.failNext('timeout_after_commit', 1, (r) => r.path.startsWith('/alunos/matricula/'));
    const event = await settled((await deliver(fixture('order_approved.one_off'))).body.eventId);
    const student = ead.studentByCpf(ONE_OFF_CPF)!;
    expect(ead.students.size).toBe(1);
    expect([...student.courses.values()].map((contracts) => contracts.length)).toEqual([1, 1, 1]);
    expect(sandbox.chatpro.delivered).toHaveLength(1);
    expect(event.attempts).toBeGreaterThanOrEqual(7);
    const history = await server!.runtime.store.journal.history(event.id);
    expect(history.filter((h) => h.kind === 'retry').length).toBe(event.attempts - 1);
    // The cadastro that timed out after committing was recovered by "já está em uso" → find again:
    // the account is ours, but its generated password never reached us.
    expect(sandbox.chatpro.delivered[0].message).toContain('Senha: crie a sua em "Esqueci minha senha" no portal.');
    expect(event.outcome).toBe(`Aluno criado (id ${student.id}) matriculado em 254, 751, 169; boas-vindas enviadas por WhatsApp.`);
  });

  it('a matrícula whose answer was lost is not repeated, even when the course list cannot be read on the retry', async () => {
    const { sandbox, deliver, settled } = await start();
    const ead = sandbox.ead;
    ead.faults.failNext('timeout_after_commit', 1, (r) => r.path.startsWith('/alunos/matricula/'));
    ead.faults.failNext('http_500', 2, (r) => r.path.startsWith('/alunos/cursos/'));
    const event = await settled((await deliver(fixture('order_approved.one_off'))).body.eventId);
    const student = ead.studentByCpf(ONE_OFF_CPF)!;
    expect([...student.courses.values()].map((contracts) => contracts.length)).toEqual([1, 1, 1]);
    expect(ead.callsTo('POST', '/alunos/matricula/')).toHaveLength(1);
    const history = await server!.runtime.store.journal.history(event.id);
    expect(history.some((h) => h.message.includes('Não foi possível confirmar os cursos do aluno'))).toBe(true);
    expect(sandbox.chatpro.delivered).toHaveLength(1);
  });

  it('ChatPro failing: only the welcome is retried', async () => {
    const { sandbox, deliver, settled } = await start();
    sandbox.chatpro.faults.failNext('http_500', 2);
    sandbox.chatpro.faults.failNext('timeout', 1);
    const event = await settled((await deliver(fixture('order_approved.one_off'))).body.eventId);
    expect(event.attempts).toBe(4);
    expect(sandbox.ead.callsTo('GET', '/alunos').filter((c) => c.path === '/alunos')).toHaveLength(1);
    expect(sandbox.ead.callsTo('POST', '/alunos').filter((c) => c.path === '/alunos')).toHaveLength(1);
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/')).toHaveLength(1);
    expect(sandbox.chatpro.delivered).toHaveLength(1);
    // The password survived the retries until the welcome went out.
    expect(sandbox.chatpro.delivered[0].message).toContain(`Senha: ${sandbox.ead.studentByCpf(ONE_OFF_CPF)!.senha}`);
  });

  it('ChatPro refusing the token: failed with an alert; fixing it and retrying sends only the welcome', async () => {
    const { sandbox, deliver, settled, runtime } = await start({ CHATPRO_TOKEN: 'wrong' });
    const { eventId } = (await deliver(fixture('order_approved.one_off'))).body;
    const failed = await settled(eventId, 'failed');
    expect(failed.lastError).toMatch(/ChatPro recusou o token/);
    await waitFor(() => sandbox.callmebot.calls.some((c) => c.text.includes('ChatPro recusou o token')), 5_000, 'alert');
    expect(sandbox.chatpro.delivered).toHaveLength(0);
    expect(sandbox.ead.students.size).toBe(1);
    // The password is still journaled (the welcome has not gone out), sealed, never in clear.
    const journal = JSON.stringify(Object.fromEntries(await runtime.store.journal.loadSteps(failed.id)));
    expect(journal).toMatch(/"sealedPassword":"v1\./);
    expect(journal).not.toContain(sandbox.ead.studentByCpf(ONE_OFF_CPF)!.senha);
  });

  it('an unmapped plan fails with an alert naming it; once support maps it, the sale completes by itself', async () => {
    const { sandbox, deliver, settled, runtime } = await start();
    const sale = approvedSale(1);
    sale.Product.product_name = 'Curso Novo de Photoshop';
    const { eventId } = (await deliver(sale)).body;
    const failed = await settled(eventId, 'failed');
    expect(failed.lastError).toBe(
      'O plano "Curso Novo de Photoshop" não está no mapa de planos. Cadastre-o em Planos (/admin/plans): a venda é reprocessada sozinha.',
    );
    expect(failed.lastErrorCode).toBe('unmapped_plan');
    await waitFor(() => sandbox.callmebot.calls.length === 1, 5_000, 'alert');
    expect(sandbox.callmebot.calls[0].text).toContain('Curso Novo de Photoshop');
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/')).toHaveLength(0);

    const saved = await savePlan(
      runtime.store,
      runtime.catalog,
      { name: 'Curso novo de  PHOTOSHOP', courses: [169, 254], whatsappGroup: 'https://chat.whatsapp.com/abc' },
      'no teste',
    );
    expect(saved).toMatchObject({ ok: true, requeued: 1 });
    runtime.worker.wake();
    await settled(eventId);
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/')[0].form.cursos).toBe('169,254');
    expect(sandbox.chatpro.delivered[0].message).toContain('https://chat.whatsapp.com/abc');
  });

  it('a buyer with a CNPJ fails for a person to handle, with an alert', async () => {
    const { sandbox, deliver, settled } = await start();
    const sale = approvedSale(2);
    delete sale.Customer.CPF;
    sale.Customer.cnpj = '11222333000181';
    const failed = await settled((await deliver(sale)).body.eventId, 'failed');
    expect(failed.lastError).toMatch(/^Compra feita com CNPJ/);
    expect(sandbox.ead.calls).toHaveLength(0);
    await waitFor(() => sandbox.callmebot.calls.some((c) => c.text.includes('CNPJ')), 5_000, 'alert');
  });

  it('an invalid CPF (dashboard test data) fails with a clear reason', async () => {
    const { deliver, settled } = await start();
    const failed = await settled(
      (await deliver(approvedSale(3, { Customer: { ...approvedSale(3).Customer, CPF: '12345678900' } }))).body.eventId,
      'failed',
    );
    expect(failed.lastError).toMatch(/CPF do comprador ausente ou inválido/);
  });

  it('a foreign phone: enrolled, no WhatsApp, support told', async () => {
    const { sandbox, deliver, settled } = await start();
    const sale = approvedSale(4);
    sale.Customer.mobile = '+1 202 555 0143';
    const event = await settled((await deliver(sale)).body.eventId);
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/')).toHaveLength(1);
    expect(sandbox.chatpro.calls).toHaveLength(0);
    expect(event.outcome).toContain('boas-vindas não enviadas (o celular informado não é brasileiro)');
    await waitFor(() => sandbox.callmebot.calls.some((c) => c.text.includes('⚠️ *Boas-vindas não enviadas:*')), 5_000, 'alert');
    // Not delivered: the password stays sealed for a corrected number, until housekeeping wipes it.
    const journal = JSON.stringify(Object.fromEntries(await server!.runtime.store.journal.loadSteps(event.id)));
    expect(journal).toMatch(/"sealedPassword":"v1\./);
    expect(journal).not.toContain(sandbox.ead.studentByCpf(sale.Customer.CPF)!.senha);
  });

  it('a number without WhatsApp: tries the other ninth-digit form once, then tells support', async () => {
    const { sandbox, deliver, settled } = await start();
    sandbox.chatpro.unregistered.add('5521912345678');
    sandbox.chatpro.unregistered.add('552112345678');
    const event = await settled((await deliver(fixture('order_approved.one_off'))).body.eventId);
    expect(sandbox.chatpro.calls.map((c) => c.number)).toEqual(['5521912345678', '552112345678']);
    expect(event.attempts).toBe(1);
    expect(event.outcome).toContain('não tem WhatsApp');
  });

  it('an old account without the ninth digit gets the welcome on the second form', async () => {
    const { sandbox, deliver, settled } = await start();
    sandbox.chatpro.unregistered.add('5521912345678');
    await settled((await deliver(fixture('order_approved.one_off'))).body.eventId);
    expect(sandbox.chatpro.delivered.map((c) => c.number)).toEqual(['552112345678']);
  });

  it('without ChatPro configured, welcomes are skipped and support is told', async () => {
    const { sandbox, deliver, settled } = await start({ CHATPRO_INSTANCE_ID: '', CHATPRO_TOKEN: '' });
    const event = await settled((await deliver(fixture('order_approved.one_off'))).body.eventId);
    expect(sandbox.chatpro.calls).toHaveLength(0);
    expect(event.outcome).toContain('ChatPro não configurado');
    await waitFor(() => sandbox.callmebot.calls.some((c) => c.text.includes('ChatPro não configurado')), 5_000, 'alert');
  });

  it('ALERT_ON_SUCCESS=false: no note per enrolment', async () => {
    const { sandbox, deliver, settled } = await start({ ALERT_ON_SUCCESS: 'false' });
    await settled((await deliver(fixture('order_approved.one_off'))).body.eventId);
    // The event is done and the outbox is empty: no note was ever queued.
    expect(await server!.runtime.store.alerts.countByStatus()).toEqual({ pending: 0, sent: 0, failed: 0 });
    expect(sandbox.callmebot.calls).toHaveLength(0);
  });

  it('refreshes a refused unit token once and carries on', async () => {
    const { sandbox, deliver, settled } = await start();
    await settled((await deliver(approvedSale(5))).body.eventId);
    sandbox.ead.rotateToken();
    const event = await settled((await deliver(approvedSale(6))).body.eventId);
    expect(event.attempts).toBe(1);
    expect(sandbox.ead.callsTo('GET', '/unidades/token/')).toHaveLength(2);
    expect(sandbox.ead.students.size).toBe(2);
  });

  it('a CPF sent as a number keeps its leading zero', async () => {
    const { sandbox, deliver, settled } = await start();
    const sale = approvedSale(1);
    sale.Customer.CPF = 39053344705; // fine as is
    const zero = approvedSale(2);
    zero.Customer.CPF = 1234567890; // "01234567890" lost its zero
    await settled((await deliver(sale)).body.eventId);
    const event = await settled((await deliver(zero)).body.eventId);
    expect(event.customerKey).toBe('cpf:01234567890');
    expect(sandbox.ead.studentByCpf('01234567890')).toBeDefined();
  });

  it('a renewal whose course list cannot be read waits instead of enrolling again', async () => {
    const { sandbox, deliver, settled } = await start();
    const first = fixture('order_approved.subscription');
    await settled((await deliver(first)).body.eventId);
    sandbox.ead.faults.failNext('http_500', 1, (r) => r.path.startsWith('/alunos/cursos/'));
    const renewal = { ...first, order_id: 'renewal-1', order_ref: 'Renov02' };
    const event = await settled((await deliver(renewal)).body.eventId);
    expect(event.attempts).toBe(2);
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/')).toHaveLength(1);
    expect(sandbox.chatpro.delivered).toHaveLength(1);
  });

  it('a wrapped payload goes through the whole flow', async () => {
    const { sandbox, deliver, settled } = await start();
    await settled((await deliver(fixture('order_approved.wrapped'))).body.eventId);
    expect(sandbox.ead.studentByCpf(SUB_CPF)).toBeDefined();
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/')[0].form.cursos).toBe('161,197,201');
    expect(sandbox.chatpro.delivered[0].number).toBe('5511987654321');
  });
});
