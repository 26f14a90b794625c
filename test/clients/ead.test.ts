import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EadClient } from '../../src/clients/ead.js';
import { StudentAlreadyExistsError } from '../../src/clients/ead-api.js';
import { PermanentError, TransientError } from '../../src/domain/errors.js';
import { startFakeEad, type FakeEad } from '../../src/sandbox/fake-ead.js';
import { fakeApp, listenFake } from '../../src/sandbox/fake-server.js';
import { cadastroForm, buyerOf } from '../../src/sales/buyer.js';
import { orderSchema } from '../../src/intake/kiwify-payload.js';
import { fixture } from '../helpers/kiwify.js';

let ead: FakeEad;
let client: EadClient;
beforeEach(async () => {
  ead = await startFakeEad();
  client = new EadClient({ baseUrl: ead.url, apiKey: ead.apiKey, unitId: ead.unitId, timeoutMs: 300 });
});
afterEach(() => ead.close());

const form = () => cadastroForm(buyerOf(orderSchema.parse(fixture('order_approved.one_off'))), '5521912345678', undefined);

describe('EAD client', () => {
  it('finds a student only by an exact CPF or login match', async () => {
    const s = ead.addStudent({ cpf: '11144477735' });
    expect(await client.findStudentByCpf('111.444.777-35')).toEqual({ id: s.id });
    ead.findMode = 'ignore_filter';
    expect(await client.findStudentByCpf('52998224725')).toBeNull();
    const other = ead.addStudent({ cpf: '' });
    other.usuario = '52998224725';
    expect(await client.findStudentByCpf('52998224725')).toEqual({ id: other.id });
  });

  it('refuses to choose between two students with the same CPF', async () => {
    ead.addStudent({ cpf: '11144477735' });
    ead.addStudent({ cpf: '11144477735' });
    await expect(client.findStudentByCpf('11144477735')).rejects.toMatchObject({ code: 'ambiguous_student', transient: false });
  });

  it('sends the cadastro form-encoded with the unit token and returns the generated password', async () => {
    const created = await client.createStudent(form());
    expect(created.password).toBe(ead.studentByCpf('11144477735')!.senha);
    const call = ead.callsTo('POST', '/alunos')[0];
    expect(call.form.token).toBe('tok-1');
    expect(call.form.doc_cpf).toBe('11144477735');
    await expect(client.createStudent(form())).rejects.toBeInstanceOf(StudentAlreadyExistsError);
  });

  it('fetches the unit token once and refreshes it once when a write is refused for it', async () => {
    const s = ead.addStudent({ cpf: '11144477735' });
    await client.enroll(s.id, [161]);
    await client.enroll(s.id, [197]);
    expect(ead.callsTo('GET', '/unidades/token/')).toHaveLength(1);
    ead.rotateToken();
    await client.enroll(s.id, [201]);
    expect(ead.callsTo('GET', '/unidades/token/')).toHaveLength(2);
    expect(ead.callsTo('POST', '/alunos/matricula/').map((c) => c.form.cursos)).toEqual(['161', '197', '201', '201']);
  });

  it('classifies failures: CDN pages, 500s and timeouts are transient; refusals are permanent', async () => {
    ead.faults.failNext('html_502');
    await expect(client.findStudentByCpf('11144477735')).rejects.toBeInstanceOf(TransientError);
    ead.faults.failNext('html_403');
    await expect(client.findStudentByCpf('11144477735')).rejects.toBeInstanceOf(TransientError);
    ead.faults.failNext('timeout');
    await expect(client.findStudentByCpf('11144477735')).rejects.toThrow('EAD: não respondeu a tempo.');
    const s = ead.addStudent({ cpf: '11144477735' });
    await expect(client.enroll(s.id, [999_999])).rejects.toMatchObject({ transient: false, code: 'ead_refused' });
    const wrongKey = new EadClient({ baseUrl: ead.url, apiKey: 'wrong', unitId: ead.unitId, timeoutMs: 300 });
    await expect(wrongKey.findStudentByCpf('11144477735')).rejects.toMatchObject({ code: 'ead_unauthorized' });
    const wrongUnit = new EadClient({ baseUrl: ead.url, apiKey: ead.apiKey, unitId: '999', timeoutMs: 300 });
    await expect(wrongUnit.enroll(s.id, [161])).rejects.toBeInstanceOf(PermanentError);
  });

  it('lists, removes and deletes', async () => {
    const s = ead.addStudent({ cpf: '11144477735', courses: [161, 197] });
    expect((await client.studentCourses(s.id)).sort()).toEqual(['161', '197']);
    await client.removeCourse(s.id, 161);
    expect(await client.studentCourses(s.id)).toEqual(['197']);
    await client.deleteStudent(s.id);
    expect(ead.students.has(s.id)).toBe(false);
    expect((await client.unitCourses()).find((c) => c.id === '161')?.nome).toBe('Excel 2019');
  });

  it('a search refused with any other words is not "not found": it is retried', async () => {
    const app = fakeApp();
    app.get('/alunos', (_req, res) => res.json({ status: 'false', info: 'Erro interno, tente novamente.' }));
    const server = await listenFake(app);
    try {
      const c = new EadClient({ baseUrl: server.url, apiKey: 'k', unitId: '1', timeoutMs: 300 });
      await expect(c.findStudentByCpf('11144477735')).rejects.toBeInstanceOf(TransientError);
    } finally {
      await server.close();
    }
  });

  it('accepts an empty 2xx body as a successful delete, and refuses an empty 5xx', async () => {
    let status = 204;
    const app = fakeApp();
    app.delete('/alunos/:id', (_req, res) => res.status(status).end());
    const server = await listenFake(app);
    try {
      const c = new EadClient({ baseUrl: server.url, apiKey: 'k', unitId: '1', timeoutMs: 300 });
      await expect(c.deleteStudent('1')).resolves.toBeUndefined();
      status = 503;
      await expect(c.deleteStudent('1')).rejects.toBeInstanceOf(TransientError);
    } finally {
      await server.close();
    }
  });

  it('a success whose rows are not records ({"data":[null]}) is a passing fault of the EAD, in Portuguese, never "no rows"', async () => {
    const app = fakeApp();
    let data: unknown = [null];
    for (const path of ['/alunos', '/alunos/cursos/:id', '/unidades/cursos/:id'])
      app.get(path, (_req, res) => res.json({ status: 'true', data }));
    const server = await listenFake(app);
    try {
      const c = new EadClient({ baseUrl: server.url, apiKey: 'k', unitId: '1', timeoutMs: 300 });
      for (const bad of [[null], [1], ['x'], [[{ id: '1' }]], 'texto', { id: '1' }]) {
        data = bad;
        for (const call of [() => c.findStudentByCpf('11144477735'), () => c.studentCourses('9'), () => c.unitCourses()]) {
          const err = await call().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(TransientError);
          expect(err).toMatchObject({ code: 'ead_bad_answer', message: expect.stringContaining('formato inesperado') });
          expect((err as Error).message).not.toMatch(/Cannot read|undefined|null/);
        }
      }
      // An empty list, however it comes, is no rows.
      for (const empty of [[], '', {}, null]) {
        data = empty;
        expect(await c.findStudentByCpf('11144477735')).toBeNull();
        expect(await c.unitCourses()).toEqual([]);
      }
    } finally {
      await server.close();
    }
  });
});
