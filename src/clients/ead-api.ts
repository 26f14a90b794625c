import { PermanentError } from '../domain/errors.js';
import { shorten } from './upstream-http.js';

/**
 * What the sale flows need of the EAD (Ouro Moderno): the operations, the shapes they take and
 * give, and the one refusal a flow acts on. The real client (ead.ts) and the tests' doubles
 * implement it.
 */

export interface EadStudent {
  id: string;
}

export interface NewStudent {
  nome: string;
  data_nascimento: string;
  email: string;
  fone: string;
  celular: string;
  doc_cpf: string;
  doc_rg: string;
  pais: string;
  uf: string;
  cidade: string;
  endereco: string;
  complemento: string;
  bairro: string;
  cep: string;
  senha?: string;
}

export interface CreatedStudent {
  id: string;
  /** The password set, or the one the platform generated. */
  password?: string;
}

/** The EAD refused the cadastro because something is "já está em uso" (its words are kept). */
export class StudentAlreadyExistsError extends PermanentError {
  constructor(info: string) {
    super(`O EAD recusou o cadastro: ${shorten(info, 160)}`, 'student_exists');
  }
}

/** The operations the flows need; the real client and test doubles implement it. */
export interface EadApi {
  findStudentByCpf(cpf: string): Promise<EadStudent | null>;
  createStudent(student: NewStudent): Promise<CreatedStudent>;
  studentCourses(studentId: string): Promise<string[]>;
  /** `days`: the contract's length (`dias`), for a plan with time-limited access; the answer's `data_fim` as `endsOn`. */
  enroll(studentId: string, courseIds: number[], days?: number): Promise<{ contractId?: string; endsOn?: string }>;
  removeCourse(studentId: string, courseId: number): Promise<void>;
  deleteStudent(studentId: string): Promise<void>;
  unitCourses(): Promise<Array<{ id: string; nome: string }>>;
}
