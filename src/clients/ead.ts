import type { AxiosInstance, AxiosResponse } from 'axios';
import { z } from 'zod';
import { cpfDigits } from '../domain/cpf.js';
import { PermanentError, TransientError } from '../domain/errors.js';
import { normalizeText, textOf } from '../domain/text.js';
import {
  classifyStatus,
  createHttp,
  parseJson,
  send,
  shorten,
  statusError,
  type CallLabel,
  type UpstreamObserver,
} from './upstream-http.js';
import { StudentAlreadyExistsError, type CreatedStudent, type EadApi, type EadStudent, type NewStudent } from './ead-api.js';

/**
 * Ouro Moderno EAD API v2 ("Meu App de Cursos"). Quirks handled here, nowhere else:
 * Basic auth `KEY:` on every call; write calls also carry the unit token (cached, refreshed once
 * when a write is refused for it); form-encoded bodies (JSON is not accepted); success is
 * `status: "true"` (a string); failures come as HTTP 200 with `status: "false"`, as 4xx, or as
 * an HTML page from the CDN.
 */

export interface EadConfig {
  baseUrl: string;
  apiKey: string;
  unitId: string;
  timeoutMs: number;
  /** Told of every call (the metrics). */
  observer?: UpstreamObserver;
}

/** The client's operations, as the metrics name them. */
type EadOperation =
  'token' | 'find_student' | 'create_student' | 'student_courses' | 'enroll' | 'remove_course' | 'delete_student' | 'unit_courses';

interface Envelope {
  ok: boolean;
  httpStatus: number;
  data: unknown;
  info: string;
}

const SYSTEM = 'EAD';
/** Characters of the EAD's `info` kept (its phrases are short; an answer may not be). */
const MAX_INFO = 2_000;
/** The rows of a list the EAD answers: records (an empty list may come as nothing, "" or {}: undocumented). */
const ROWS = z.union([z.array(z.looseObject({})), z.literal(''), z.strictObject({})]).nullish();

/** What the API says when a search finds nobody (its exact wording is undocumented). */
const NOT_FOUND = /nenhum|n[aã]o (foi |foram )?(encontrad|localizad)|sem registro|n[aã]o existe/i;

export class EadClient implements EadApi {
  private readonly http: AxiosInstance;
  private token: string | undefined;
  private tokenRequest: Promise<string> | undefined;

  constructor(private readonly config: EadConfig) {
    const basic = Buffer.from(`${config.apiKey}:`).toString('base64');
    this.http = createHttp(config.baseUrl, config.timeoutMs, { authorization: `Basic ${basic}`, accept: 'application/json' });
  }

  // --- plumbing -----------------------------------------------------------------------------

  private envelope(response: AxiosResponse<string>, allowEmpty = false): Envelope {
    const json = parseJson(response, SYSTEM) as { status?: unknown; data?: unknown; info?: unknown; message?: unknown } | undefined;
    const httpStatus = response.status;
    // The EAD's own "not found" is its envelope with HTTP 404; a 404 without it (an HTML page, or
    // another service's JSON) means the base URL points somewhere that is not the EAD API.
    const isEnvelope = typeof json === 'object' && json !== null && 'status' in json;
    if (httpStatus === 404 && !isEnvelope) {
      throw new PermanentError(
        `O endereço configurado para o EAD, ${this.config.baseUrl}, não é a API do EAD: HTTP 404 em ${response.config.url ?? '?'}. Confira EAD_BASE_URL (normalmente https://meuappdecursos.com.br/ws/v2).`,
        'ead_base_url',
      );
    }
    if (json === undefined || typeof json !== 'object' || json === null) {
      const empty = String(response.data ?? '').trim() === '';
      if (allowEmpty && empty && httpStatus >= 200 && httpStatus < 300) return { ok: true, httpStatus, data: undefined, info: '' };
      // An HTML page (Cloudflare) or garbage: the API itself did not answer.
      throw new TransientError(
        `${SYSTEM} respondeu HTTP ${httpStatus} sem JSON (provável página de erro do CDN): ${shorten(String(response.data ?? ''), 80)}`,
        `http_${httpStatus}`,
      );
    }
    const ok = (json.status === 'true' || json.status === true) && httpStatus >= 200 && httpStatus < 300;
    // What the EAD says is matched against its known phrases: the start of it is enough.
    return { ok, httpStatus, data: json.data, info: textOf(json.info ?? json.message).slice(0, MAX_INFO) };
  }

  /**
   * The rows of a successful answer. A success whose rows are not records (`"data":[null]`) is
   * the EAD's own fault, most likely passing (a PHP error mid-answer): a TransientError
   * `ead_bad_answer`, retried with backoff like an outage and alerted when attempts run out —
   * never read as "no rows" (a refund would end as "nothing to revoke"), never a crash.
   */
  private rows(env: Envelope, what: string): Array<Record<string, unknown>> {
    const parsed = ROWS.safeParse(env.data);
    if (parsed.success) return Array.isArray(parsed.data) ? parsed.data : [];
    throw new TransientError(
      `${SYSTEM} confirmou ${what}, mas a resposta veio num formato inesperado (itens que não são registros): provável falha passageira do EAD.`,
      'ead_bad_answer',
    );
  }

  /** Turns a failed envelope into the right error (classifyStatus), naming what to fix when it can. */
  private failure(what: string, env: Envelope): never {
    const detail = env.info ? `: ${shorten(env.info)}` : '';
    const status = env.httpStatus;
    if (classifyStatus(status) === 'transient') throw statusError(`${SYSTEM} falhou ao ${what} (HTTP ${status})${detail}`, status);
    if (status === 401) throw new PermanentError(`${SYSTEM} recusou a chave da API (EAD_API_KEY) ao ${what}${detail}`, 'ead_unauthorized');
    if (status === 403) throw new PermanentError(`${SYSTEM} negou acesso ao ${what} (HTTP 403)${detail}`, 'ead_forbidden');
    throw new PermanentError(`${SYSTEM} recusou ${what} (HTTP ${status})${detail}`, 'ead_refused');
  }

  private label(operation: EadOperation): CallLabel {
    return { observer: this.config.observer, system: 'ead', operation };
  }

  private get(operation: EadOperation, path: string, params?: Record<string, string>) {
    return send(SYSTEM, () => this.http.get<string>(path, { params }), 'EAD_BASE_URL', this.label(operation));
  }

  private async unitToken(): Promise<string> {
    if (this.token) return this.token;
    this.tokenRequest ??= (async () => {
      try {
        const env = this.envelope(await this.get('token', `/unidades/token/${encodeURIComponent(this.config.unitId)}`));
        const token = (env.data as { token?: unknown } | undefined)?.token;
        if (!env.ok || typeof token !== 'string' || !token) {
          const status = env.httpStatus;
          if (status === 401 || status === 403 || classifyStatus(status) === 'transient') this.failure('obter o token da unidade', env);
          throw new PermanentError(
            `O EAD não reconhece a unidade ${this.config.unitId}${env.info ? ` (${shorten(env.info)})` : ''}: confira EAD_UNIT_ID.`,
            'ead_unit',
          );
        }
        this.token = token;
        return token;
      } finally {
        this.tokenRequest = undefined;
      }
    })();
    return this.tokenRequest;
  }

  private static refusedForToken(env: Envelope): boolean {
    return !env.ok && (env.httpStatus === 401 || env.httpStatus === 403 || /token/i.test(env.info));
  }

  /**
   * A write call: form fields plus the unit token. A refusal for the token refreshes it once (only
   * if no concurrent write already did); refused again — another write rotated it meanwhile — is
   * worth a retry later, never a failed sale.
   */
  private async write(operation: EadOperation, path: string, fields: Record<string, string>): Promise<Envelope> {
    const attempt = async () => {
      const token = await this.unitToken();
      const body = new URLSearchParams({ token, ...fields });
      const env = this.envelope(await send(SYSTEM, () => this.http.post<string>(path, body), 'EAD_BASE_URL', this.label(operation)));
      if (EadClient.refusedForToken(env) && this.token === token) this.token = undefined;
      return env;
    };
    let env = await attempt();
    if (EadClient.refusedForToken(env)) env = await attempt();
    if (EadClient.refusedForToken(env)) {
      throw new TransientError(
        `${SYSTEM} recusou o token da unidade mesmo depois de renová-lo (provável troca simultânea do token): nova tentativa em breve.`,
        'ead_unit_token',
      );
    }
    return env;
  }

  // --- operations ---------------------------------------------------------------------------

  /**
   * The student whose CPF (or login) is exactly this CPF. Rows for other people are ignored —
   * the API has been seen to return unrelated students — and two matches is an error, never a
   * guess.
   */
  async findStudentByCpf(cpf: string): Promise<EadStudent | null> {
    const wanted = cpfDigits(cpf);
    const response = await this.get('find_student', '/alunos', { cpf: wanted });
    const env = this.envelope(response);
    if (!env.ok) {
      // "Not found" only when the API says so: any other refusal on a refund would end it as
      // "nothing to revoke" while the student keeps access. A search is safe to retry.
      if (env.httpStatus === 404 || (env.httpStatus < 500 && NOT_FOUND.test(env.info))) return null;
      if (env.httpStatus >= 200 && env.httpStatus < 300) {
        throw new TransientError(`${SYSTEM} não confirmou a busca por CPF: ${shorten(env.info) || 'sem detalhe'}`, 'ead_search_unclear');
      }
      this.failure('buscar aluno por CPF', env);
    }
    const matches = new Map<string, EadStudent>();
    for (const row of this.rows(env, 'a busca por CPF')) {
      if (cpfDigits(row.cpf) === wanted || cpfDigits(row.usuario) === wanted) {
        const id = textOf(row.id);
        if (id) matches.set(id, { id });
      }
    }
    if (matches.size > 1) {
      throw new PermanentError(
        `A busca por CPF no EAD encontrou ${matches.size} alunos com este CPF (ids ${[...matches.keys()].join(', ')}): resolva manualmente.`,
        'ambiguous_student',
      );
    }
    return matches.values().next().value ?? null;
  }

  async createStudent(student: NewStudent): Promise<CreatedStudent> {
    const fields: Record<string, string> = { ...student, login_info: 'CPF' };
    if (!student.senha) delete fields.senha;
    const env = await this.write('create_student', '/alunos', fields);
    if (!env.ok) {
      if (normalizeText(env.info).includes('ja esta em uso')) throw new StudentAlreadyExistsError(env.info);
      this.failure('o cadastro do aluno', env);
    }
    const data = (env.data ?? {}) as { id?: unknown; senha?: unknown };
    const id = textOf(data.id);
    if (!id) throw new TransientError(`${SYSTEM} confirmou o cadastro sem informar o id do aluno.`, 'no_id');
    return { id, password: typeof data.senha === 'string' && data.senha ? data.senha : student.senha };
  }

  /** The student's course ids; a student the EAD does not know is a PermanentError `student_not_found`. */
  async studentCourses(studentId: string): Promise<string[]> {
    const env = this.envelope(await this.get('student_courses', `/alunos/cursos/${encodeURIComponent(studentId)}`));
    if (!env.ok) {
      if (env.httpStatus >= 200 && env.httpStatus < 300 && /nenhum|n[aã]o possui/i.test(env.info)) return [];
      if (env.httpStatus === 404) throw new PermanentError(`O EAD não encontrou o aluno ${studentId}.`, 'student_not_found');
      this.failure('listar os cursos do aluno', env);
    }
    return this.rows(env, 'a lista de cursos do aluno')
      .map((row) => textOf(row.id ?? row.id_curso))
      .filter(Boolean);
  }

  async enroll(studentId: string, courseIds: number[], days?: number): Promise<{ contractId?: string; endsOn?: string }> {
    const form: Record<string, string> = { cursos: courseIds.join(',') };
    if (days !== undefined) form.dias = String(days);
    const env = await this.write('enroll', `/alunos/matricula/${encodeURIComponent(studentId)}`, form);
    if (!env.ok) this.failure('a matrícula', env);
    const data = env.data as { id?: unknown; data_fim?: unknown } | undefined;
    const endsOn = textOf(data?.data_fim);
    return {
      contractId: data?.id === undefined ? undefined : textOf(data.id),
      endsOn: /^\d{4}-\d{2}-\d{2}$/.test(endsOn) ? endsOn : undefined,
    };
  }

  /** Idempotent: a course the student no longer has counts as removed (a retry after a lost answer). */
  async removeCourse(studentId: string, courseId: number): Promise<void> {
    const env = await this.write('remove_course', `/alunos/removercurso/${encodeURIComponent(studentId)}/${courseId}`, {});
    if (!env.ok && !(env.httpStatus < 500 && /n[aã]o possui/i.test(env.info))) this.failure(`a remoção do curso ${courseId}`, env);
  }

  /** Idempotent: a student already gone (404) counts as deleted (a retry after a lost answer). */
  async deleteStudent(studentId: string): Promise<void> {
    const response = await send(
      SYSTEM,
      () => this.http.delete<string>(`/alunos/${encodeURIComponent(studentId)}`),
      'EAD_BASE_URL',
      this.label('delete_student'),
    );
    const env = this.envelope(response, true);
    if (!env.ok && env.httpStatus !== 404) this.failure('a exclusão do aluno', env);
  }

  /** Connection check: a fresh unit token (proves EAD_BASE_URL, EAD_API_KEY and EAD_UNIT_ID at once). */
  async checkConnection(): Promise<void> {
    this.token = undefined;
    await this.unitToken();
  }

  async unitCourses(): Promise<Array<{ id: string; nome: string }>> {
    const env = this.envelope(await this.get('unit_courses', `/unidades/cursos/${encodeURIComponent(this.config.unitId)}`));
    if (!env.ok) this.failure('listar os cursos da unidade', env);
    return this.rows(env, 'a lista de cursos da unidade').map((row) => ({ id: textOf(row.id), nome: textOf(row.nome) }));
  }
}
