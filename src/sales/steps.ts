import type { HandlerContext } from '../worker/types.js';

/**
 * Every step the sale flows journal: its name, what its result holds, and what people call it.
 * A flow writes and reads the journal only through these names (typed), so renaming a step or
 * changing what it records is a compile error wherever it is used — the refund rule reads the
 * approval's `matricula`, housekeeping wipes the `cadastro`'s password.
 */

/** The student an approval found or created. */
export interface StudentStep {
  studentId: string;
  created: boolean;
  /** The password, sealed (never in clear); kept only until the welcome is sent or skipped, then wiped. */
  sealedPassword?: string;
  /** Created by an earlier attempt whose answer was lost: the generated password is unknown. */
  passwordUnknown?: boolean;
  /** The welcome never went out within PASSWORD_RETENTION_DAYS: the sealed password was wiped. */
  passwordExpired?: boolean;
  /** The EAD answered "já está em uso": the account was found by CPF instead of created. */
  recovered?: boolean;
}

/** What an approval's matrícula did. */
export interface Enrollment {
  /** The plan's courses the student did not have before this sale (what the sale granted). */
  enrolled: number[];
  /** The plan's courses the student already had. */
  alreadyHad: number[];
  /** Days of access sent with the matrícula (`dias`: a plan with time-limited access). */
  days?: number;
  /** The contract's end the EAD answered (`data_fim`, YYYY-MM-DD), when it said. */
  contractEnds?: string;
}

/** The end of access this event scheduled (a `revoke_access` event). */
export interface AccessEndStep {
  at: number;
  eventId: number;
  /** `trial`: the free trial's end plus the grace period; `access_days`: the plan's time-limited access. */
  why: 'trial' | 'access_days';
}

/** The channels a welcome goes by (WELCOME_CHANNELS), in the order they are tried. */
export type WelcomeChannel = 'whatsapp' | 'email';
export const WELCOME_CHANNELS: readonly WelcomeChannel[] = ['whatsapp', 'email'];

/** One channel's welcome: sent, or not for good (a retry would not change it). */
export interface WelcomeStep {
  sent: boolean;
  /** Why not (a key of WELCOME_SKIP_REASONS, or the upstream's error code). */
  reason?: string;
  /** The address it went (or was refused) to, masked: "b***@example.com" (e-mail only: the page shows the mobile). */
  to?: string;
  /** Sent by e-mail because WhatsApp could not take it. */
  fallback?: boolean;
  /** The upstream's refusal in one short line, personal data masked. */
  detail?: string;
}

/** The journal step of each channel's welcome. */
export const WELCOME_STEP = { whatsapp: 'welcome_whatsapp', email: 'welcome_email' } as const satisfies Record<WelcomeChannel, string>;

/**
 * Each channel's welcome as journaled: `welcome_whatsapp`, `welcome_email`; a journal of a
 * release before e-mail welcomes has `welcome` (WhatsApp's).
 */
export function welcomeResults(steps: { get(step: string): unknown }): Partial<Record<WelcomeChannel, WelcomeStep>> {
  const whatsapp = (steps.get(WELCOME_STEP.whatsapp) ?? steps.get('welcome')) as WelcomeStep | undefined;
  const email = steps.get(WELCOME_STEP.email) as WelcomeStep | undefined;
  return { ...(whatsapp && { whatsapp }), ...(email && { email }) };
}

/** The channels that delivered the welcome. */
export function welcomeDelivered(steps: { get(step: string): unknown }): WelcomeChannel[] {
  const results = welcomeResults(steps);
  return WELCOME_CHANNELS.filter((channel) => results[channel]?.sent === true);
}

/** What the refund rule (revocation/revocation-rule.ts) decides for a sale's courses. */
export interface Revocation {
  action: 'delete' | 'remove_courses' | 'nothing';
  /** This sale's courses the student still has and no other sale needs. */
  remove: number[];
  /** The student's courses that stay: not granted by this sale, or needed by another one. */
  keep: string[];
  /** Of those, the ones another active sale needs. */
  keptForOtherSales: number[];
  /** Why, in support's words (pt-BR). */
  reason: string;
}

/** A revocation's decision, with everything it rested on (a retry carries out the same one). */
export interface RevocationDecision extends Revocation {
  studentId: string | null;
  /** What this sale granted. */
  granted: number[];
  /** `journal`: what its approvals enrolled; `plan`: no approval received, the plan's courses. */
  grantedFrom: 'journal' | 'plan';
  /** The student's courses when the decision was made. */
  had: string[];
  /** The account is this sale's own (its approval created it) and no other sale is active. */
  accountCreatedBySale?: boolean;
}

export type RemoveCourseStep = `remove_course:${number}`;

export interface StepResults {
  find_student: { studentId: string | null };
  /** Committed before the cadastro is sent: if its answer is lost, the retry knows it was ours. */
  cadastro_requested: { at: number; existedBefore?: boolean };
  cadastro: StudentStep;
  courses_before: { courses: string[] | null };
  matricula: Enrollment;
  access_end: AccessEndStep;
  /** WhatsApp's welcome, as a release before e-mail welcomes journaled it (read as `welcome_whatsapp`). */
  welcome: WelcomeStep;
  welcome_whatsapp: WelcomeStep;
  welcome_email: WelcomeStep;
  /** WhatsApp's transient failures so far: after a few, with e-mail configured, the welcome goes by e-mail. */
  whatsapp_failures: { count: number };
  /** Support corrected the buyer's mobile (the welcome then goes by WhatsApp to it). */
  phone_correction: { phone: string };
  /** Support corrected the buyer's e-mail, or asked for the welcome by e-mail (it then goes to it). */
  email_correction: { email: string };
  decision: RevocationDecision;
  courses_before_delete: { courses: string[] | null };
  delete_student: { deleted: string };
  [removal: RemoveCourseStep]: { removed: number };
}

export type StepName = Extract<keyof StepResults, string>;

/** The context the sale flows run in: the worker's, with their steps typed. */
export type FlowContext = HandlerContext<StepResults>;

export const removeCourseStep = (courseId: number): RemoveCourseStep => `remove_course:${courseId}`;

const STEP_LABELS: Record<Exclude<StepName, RemoveCourseStep>, string> = {
  find_student: 'Busca do aluno por CPF',
  cadastro_requested: 'Cadastro solicitado ao EAD',
  cadastro: 'Cadastro no EAD',
  courses_before: 'Cursos que o aluno já tinha',
  matricula: 'Matrícula',
  access_end: 'Fim do acesso agendado',
  welcome: 'Boas-vindas por WhatsApp',
  welcome_whatsapp: 'Boas-vindas por WhatsApp',
  welcome_email: 'Boas-vindas por e-mail',
  whatsapp_failures: 'Falhas do WhatsApp nas boas-vindas',
  phone_correction: 'Celular corrigido pelo suporte',
  email_correction: 'E-mail corrigido pelo suporte',
  decision: 'Decisão de revogação',
  courses_before_delete: 'Cursos do aluno conferidos antes da exclusão',
  delete_student: 'Exclusão do aluno no EAD',
};

/** How people call a step (admin page, CLI); unknown names are shown as they are. */
export function stepLabel(step: string): string {
  const removal = /^remove_course:(\d+)$/.exec(step);
  if (removal) return `Remoção do curso ${removal[1]}`;
  return STEP_LABELS[step as keyof typeof STEP_LABELS] ?? step;
}
