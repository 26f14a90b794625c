import catalog from './data/ead-unit-courses.json' with { type: 'json' };
import express, { type Express, type Request, type Response } from 'express';
import { fakeApp, listenFake, type FakeServer } from './fake-server.js';
import { Faults } from './fake-faults.js';

/**
 * A loopback fake of the Ouro Moderno EAD API v2, faithful to its quirks: Basic auth `KEY:`,
 * a unit token on writes (which can be rotated to test refreshes), form-encoded bodies only,
 * `status: "true"` as a string, failures as HTTP 200 `status: "false"`, Cloudflare HTML pages
 * and timeouts on demand. Records every call.
 */

export interface EadCall {
  method: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string>;
  at: number;
  /** When the answer left (or the connection closed). */
  doneAt?: number;
}

export interface FakeStudent {
  id: string;
  nome: string;
  cpf: string;
  usuario: string;
  email: string;
  celular: string;
  senha: string;
  /** course id → contract ids (more than one = enrolled twice). */
  courses: Map<string, number[]>;
}

export interface FakeEadOptions {
  apiKey?: string;
  unitId?: string;
  port?: number;
}

export interface FakeEad extends FakeServer<EadCall> {
  apiKey: string;
  unitId: string;
  students: Map<string, FakeStudent>;
  faults: Faults;
  /** How GET /alunos?cpf= behaves: exact match, or the hazard of an ignored filter. */
  findMode: 'exact' | 'ignore_filter';
  /** What "no student with this CPF" looks like. */
  notFoundAs: 'empty' | 'status_false' | 'http_404';
  /** The next N finds answer "not found" whatever exists (a stale or partial search index). */
  missNextFinds: number;
  addStudent(s: { cpf: string; nome?: string; courses?: number[] }): FakeStudent;
  /** Invalidates the current unit token: the next write with it is refused. */
  rotateToken(): void;
  /** Rotates the unit token after every accepted write (constant rotation, for races). */
  rotateOnWrite: boolean;
  callsTo(method: string, pathPrefix: string): EadCall[];
  studentByCpf(cpf: string): FakeStudent | undefined;
}

const CATALOG = catalog as { data: Array<{ id: string; nome: string }> };
const COURSE_IDS = new Set(CATALOG.data.map((c) => c.id));

const REQUIRED_CADASTRO = ['nome', 'data_nascimento', 'email', 'doc_cpf', 'doc_rg', 'pais', 'uf', 'cidade', 'endereco', 'bairro', 'cep'];

const fail = (res: Response, status: number, info: string) => res.status(status).json({ status: 'false', info });

/** What the fake's routes share: the students, the unit token, the ids it hands out. */
interface EadState {
  apiKey: string;
  unitId: string;
  students: Map<string, FakeStudent>;
  token: string;
  tokenSeq: number;
  nextStudentId: number;
  nextContractId: number;
  /** The fake itself, once built (its switches: findMode, notFoundAs, rotateOnWrite…). */
  fake?: FakeEad;
}

const withToken = (state: EadState, req: Request, res: Response): boolean => {
  const given = (req.body as Record<string, string> | undefined)?.token;
  if (given !== state.token) {
    fail(res, 401, 'Token inválido ou expirado.');
    return false;
  }
  if (state.fake?.rotateOnWrite) state.fake.rotateToken();
  return true;
};

const studentOr404 = (state: EadState, req: Request, res: Response): FakeStudent | undefined => {
  const student = state.students.get(String(req.params.id));
  if (!student) fail(res, 404, 'Aluno não encontrado.');
  return student;
};

const publicStudent = (state: EadState, s: FakeStudent) => ({
  id: s.id,
  nome: s.nome,
  usuario: s.usuario,
  situacao: 'ativo',
  email: s.email,
  cpf: s.cpf,
  rg: '0',
  telefone: s.celular,
  celular: '',
  unidade: { id: state.unitId, nome: 'Unidade Sandbox' },
});

function addStudentTo(
  state: EadState,
  s: { cpf: string; nome?: string; courses?: number[]; email?: string; celular?: string; senha?: string },
): FakeStudent {
  const student: FakeStudent = {
    id: String(state.nextStudentId++),
    nome: s.nome ?? 'Aluno Existente',
    cpf: s.cpf,
    usuario: s.cpf,
    email: s.email ?? '',
    celular: s.celular ?? '',
    senha: s.senha ?? 'senha-antiga',
    courses: new Map((s.courses ?? []).map((c) => [String(c), [state.nextContractId++]])),
  };
  state.students.set(student.id, student);
  return student;
}

/** Records every call (and when its answer left), checks Basic auth and refuses JSON bodies. */
function recordAndAuthorize(app: Express, state: EadState, calls: EadCall[], faults: Faults): void {
  const basic = `Basic ${Buffer.from(`${state.apiKey}:`).toString('base64')}`;
  app.use(express.urlencoded({ extended: false }));
  app.use((req, res, next) => {
    const call: EadCall = {
      method: req.method,
      path: req.path,
      query: { ...(req.query as Record<string, string>) },
      form: req.is('application/x-www-form-urlencoded') ? { ...(req.body as Record<string, string>) } : {},
      at: Date.now(),
    };
    calls.push(call);
    state.fake?.onCall?.(call);
    res.on('close', () => {
      call.doneAt = Date.now();
    });
    next();
  });
  app.use(faults.middleware());
  app.use((req, res, next) => {
    if (req.headers.authorization !== basic) return fail(res, 401, 'Acesso não autorizado: API KEY inválida.');
    if (req.is('application/json')) return fail(res, 400, 'Formato de dados inválido.');
    next();
  });
}

/** The unit: its token, the token check, its course catalog. */
function unitRoutes(app: Express, state: EadState): void {
  app.get('/unidades/token/check/:token', (req, res) => {
    if (req.params.token !== state.token) return fail(res, 200, 'Token inválido.');
    res.json({ status: 'true', data: state.token });
  });
  app.get('/unidades/token/:unit', (req, res) => {
    if (req.params.unit !== state.unitId) return fail(res, 404, 'Unidade não encontrada.');
    res.json({ status: 'true', data: { id: state.unitId, nome: 'Unidade Sandbox', token: state.token } });
  });
  app.get('/unidades/cursos/:unit', (req, res) => {
    if (req.params.unit !== state.unitId) return fail(res, 404, 'Unidade não encontrada.');
    res.json({ status: 'true', data: CATALOG.data, total: CATALOG.data.length });
  });
}

/** Finding a student by CPF (with the ignored-filter hazard on demand) and the cadastro. */
function studentRoutes(app: Express, state: EadState): void {
  app.get('/alunos', (req, res) => {
    const fake = state.fake!;
    const cpf = typeof req.query.cpf === 'string' ? req.query.cpf : '';
    const all = [...state.students.values()];
    let rows = fake.findMode === 'ignore_filter' || !cpf ? all : all.filter((s) => s.cpf.replace(/\D/g, '') === cpf);
    if (fake.missNextFinds > 0) {
      fake.missNextFinds -= 1;
      rows = [];
    }
    if (rows.length === 0) {
      if (fake.notFoundAs === 'status_false') return fail(res, 200, 'Nenhum aluno encontrado.');
      if (fake.notFoundAs === 'http_404') return fail(res, 404, 'Nenhum aluno encontrado.');
    }
    res.json({
      status: 'true',
      data: rows.slice(0, 1000).map((s) => publicStudent(state, s)),
      pagina: { total: String(rows.length), page: 1, size: 1000 },
    });
  });

  app.post('/alunos', (req, res) => {
    if (!withToken(state, req, res)) return;
    const form = req.body as Record<string, string>;
    const missing = REQUIRED_CADASTRO.filter((f) => !form[f]);
    if (missing.length) return fail(res, 400, `Campos obrigatórios não informados: ${missing.join(', ')}.`);
    const cpf = form.doc_cpf.replace(/\D/g, '');
    if ([...state.students.values()].some((s) => s.cpf === cpf)) return fail(res, 200, `O CPF ${cpf} já está em uso.`);
    const senha = form.senha || `Gen${Math.random().toString(36).slice(2, 8)}`;
    const student = addStudentTo(state, { cpf, nome: form.nome, email: form.email, celular: form.celular, senha });
    res.json({
      status: 'true',
      data: { id: student.id, nome: student.nome, usuario: cpf, senha, unidade: { id: state.unitId, nome: 'Unidade Sandbox' } },
    });
  });

  app.delete('/alunos/:id', (req, res) => {
    const student = studentOr404(state, req, res);
    if (!student) return;
    state.students.delete(student.id);
    res.json({ status: 'true', data: { id: student.id } });
  });
}

/** A student's courses: the list, the matrícula, the removal of one course. */
function courseRoutes(app: Express, state: EadState): void {
  app.get('/alunos/cursos/:id', (req, res) => {
    const student = studentOr404(state, req, res);
    if (!student) return;
    const data = [...student.courses.entries()].map(([id, contracts]) => ({
      id,
      nome: CATALOG.data.find((c) => c.id === id)?.nome ?? `Curso ${id}`,
      contrato: { id: String(contracts[0]) },
    }));
    res.json({ status: 'true', data });
  });

  app.post('/alunos/matricula/:id', (req, res) => {
    if (!withToken(state, req, res)) return;
    const student = studentOr404(state, req, res);
    if (!student) return;
    const form = req.body as Record<string, string>;
    const ids = String(form.cursos ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (ids.length === 0) return fail(res, 400, 'Informe os cursos.');
    const unknown = ids.filter((id) => !COURSE_IDS.has(id));
    if (unknown.length) return fail(res, 400, `Curso(s) não encontrado(s) na unidade: ${unknown.join(', ')}.`);
    const days = form.dias === undefined ? undefined : Number(form.dias);
    if (days !== undefined && !(Number.isInteger(days) && days > 0)) return fail(res, 400, 'Informe os dias do contrato.');
    const contract = state.nextContractId++;
    // Enrolling twice in a course is undocumented upstream; here it creates a second contract, which tests look for.
    for (const id of ids) student.courses.set(id, [...(student.courses.get(id) ?? []), contract]);
    // The contract's end: `dias` (recorded with the call) from today, else the platform's default.
    const end = days ? new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10) : '2027-12-31';
    res.json({ status: 'true', data: { id: contract, data_fim: end } });
  });

  app.post('/alunos/removercurso/:id/:course', (req, res) => {
    if (!withToken(state, req, res)) return;
    const student = studentOr404(state, req, res);
    if (!student) return;
    if (!student.courses.delete(String(req.params.course))) return fail(res, 200, 'O aluno não possui este curso.');
    res.json({ status: 'true', data: { idaluno: student.id, idcurso: String(req.params.course) } });
  });
}

export async function startFakeEad(options: FakeEadOptions = {}): Promise<FakeEad> {
  const state: EadState = {
    apiKey: options.apiKey ?? 'sandbox-ead-key',
    unitId: options.unitId ?? '1',
    students: new Map(),
    token: 'tok-1',
    tokenSeq: 1,
    nextStudentId: 294141,
    nextContractId: 433915,
  };
  const calls: EadCall[] = [];
  const faults = new Faults();
  const app = fakeApp();
  recordAndAuthorize(app, state, calls, faults);
  unitRoutes(app, state);
  studentRoutes(app, state);
  courseRoutes(app, state);

  const server = await listenFake(app, options.port);
  const fake: FakeEad = {
    ...server,
    calls,
    apiKey: state.apiKey,
    unitId: state.unitId,
    students: state.students,
    faults,
    findMode: 'exact',
    notFoundAs: 'empty',
    missNextFinds: 0,
    rotateOnWrite: false,
    addStudent: (s) => addStudentTo(state, s),
    rotateToken() {
      state.tokenSeq += 1;
      state.token = `tok-${state.tokenSeq}`;
    },
    callsTo: (method, prefix) => calls.filter((c) => c.method === method && c.path.startsWith(prefix)),
    studentByCpf: (cpf) => [...state.students.values()].find((s) => s.cpf === cpf),
  };
  state.fake = fake;
  return fake;
}
