import { StudentAlreadyExistsError } from '../clients/ead-api.js';
import { WELCOME_NOT_SENT } from '../domain/causes.js';
import { TransientError } from '../domain/errors.js';
import { ACCESS_RESTORED_BY_SUPPORT, startsSale } from '../domain/event-types.js';
import { formatDay, messages } from '../domain/messages.js';
import { normalizeBrazilianMobile } from '../domain/phone.js';
import type { Plan } from '../plans/plan-map.js';
import { orderSchema } from '../intake/kiwify-payload.js';
import type { Handler, HandlerResult } from '../worker/types.js';
import { buyerOf, cadastroForm, requireCpf, type Buyer } from '../sales/buyer.js';
import type { FlowDeps } from '../sales/flow-deps.js';
import { planOf } from '../sales/plan-of-sale.js';
import { orderRefunded, saleKeyOf, saleKeysOf } from '../sales/sale-rules.js';
import type { Enrollment, FlowContext, StepResults, StudentStep } from '../sales/steps.js';
import { accessPeriod, periodText, scheduleAccessEnd, tellAccessMoved } from './access-period.js';
import { passwordSentWith, withBumpHint } from './order-bumps.js';
import { deliverWelcome, welcomeSummary, whyNotSent, type EnrolmentDeps } from './welcome-delivery.js';

const seal = (deps: FlowDeps, password: string | undefined) => (password === undefined ? undefined : deps.secrets.seal(password));

const REFUNDED: HandlerResult = { status: 'ignored', outcome: 'Pedido já reembolsado ou estornado: nada a matricular.' };

/** Refunded or charged back (a retry after an outage, a replay; or while this approval waited for the EAD). */
async function refunded(ctx: FlowContext, deps: FlowDeps): Promise<boolean> {
  // Access support gives back by hand overrides the refund (a chargeback dispute the school won).
  if (ctx.event.eventType === ACCESS_RESTORED_BY_SUPPORT) return false;
  return orderRefunded(await deps.saleEvents(ctx.event.customerKey, saleKeysOf(ctx.event)), ctx.event.orderId);
}

/**
 * order_approved (and the starts handled like it: subscription_renewed, a free trial's start,
 * access support gives back) — the story of a sale:
 * the plan's courses → the buyer's CPF → the student (found, or created) → enrolment in the
 * courses they do not have yet (with `dias` where the plan's access is time-limited) → the end of
 * that access scheduled (a trial, `accessDays`) → a welcome (WhatsApp, e-mail: welcome-delivery.ts)
 * when something new happened → a note to support. Every step is journaled, so a retry resumes
 * where the last attempt stopped; a renewal (everything already in place) creates nothing and
 * sends nothing, but moves a time-limited access's end.
 */
export function approvedFlow(deps: EnrolmentDeps): Handler<StepResults> {
  return async (ctx) => {
    const order = orderSchema.parse(ctx.body);
    if (await refunded(ctx, deps)) return REFUNDED;
    const plan = await planOf(order, deps, ctx.event.id).catch((err: unknown) => withBumpHint(err, ctx, deps, order));
    const buyer = buyerOf(order);
    // Support may have corrected the mobile or the e-mail (a welcome that could not be sent is then sent again).
    buyer.phone = ctx.journal('phone_correction')?.phone ?? buyer.phone;
    buyer.email = ctx.journal('email_correction')?.email ?? buyer.email;
    const cpf = requireCpf(buyer, 'enrol');

    const { value: found } = await ctx.step('find_student', async () => ({
      studentId: (await deps.ead.findStudentByCpf(cpf))?.id ?? null,
    }));
    const { student, createdNow } = found.studentId
      ? { student: { studentId: found.studentId, created: false }, createdNow: false }
      : await registerStudent(ctx, deps, buyer, cpf);
    // A refund that came while this approval waited or ran stops it before it enrols anyone.
    if (!ctx.journal('matricula') && (await refunded(ctx, deps))) return REFUNDED;
    const period = accessPeriod(ctx.event.eventType, order, plan, deps.clock());
    const enrollment = await enroll(ctx, deps, student, createdNow, plan, period.days);
    const end = await scheduleAccessEnd(ctx, period);
    const until = periodText(period, end);
    const somethingNew = student.created || enrollment.enrolled.length > 0;
    await tellAccessMoved(ctx, period, end, somethingNew);
    if (!somethingNew) {
      return {
        outcome: `Aluno ${student.studentId} já tinha todos os cursos do plano: nada novo (renovação ou repetição)${until}.`,
        accessUntil: end?.at,
      };
    }

    // Bought together with another plan whose approval created the account: its welcome told the password.
    const sentWith = student.created ? undefined : await passwordSentWith(ctx, deps, order, student.studentId);
    const trialUntil = period.trialEnd === undefined ? undefined : formatDay(period.trialEnd);
    const welcome = await deliverWelcome(ctx, deps, { buyer, plan, student, passwordSentWith: sentWith, trialUntil });
    const welcomeText = welcomeSummary(welcome);
    if (deps.settings.alertOnSuccess) {
      await ctx.alert(
        messages.enrolled(ctx.event, {
          studentId: student.studentId,
          created: student.created,
          courses: enrollment.enrolled,
          welcome: welcomeText,
        }),
        'enrolled',
      );
    }
    const who = !student.created
      ? `Aluno ${student.studentId}`
      : ctx.event.eventType === ACCESS_RESTORED_BY_SUPPORT
        ? `Aluno recriado no EAD (id ${student.studentId}; a conta dele tinha sido excluída)`
        : `Aluno criado (id ${student.studentId})`;
    const outcome = `${who} matriculado em ${enrollment.enrolled.join(', ') || 'nenhum curso novo'}${until}; boas-vindas ${welcomeText}.`;
    // A welcome that reached the student by no channel is support's to fix (a corrected number or address): its own motivo.
    const notice =
      welcome.delivered.length > 0
        ? undefined
        : { code: WELCOME_NOT_SENT, message: `Boas-vindas não enviadas: ${whyNotSent(welcome.results)}.` };
    return { outcome, notice, accessUntil: end?.at };
  };
}

/**
 * A cadastro for a buyer the EAD does not know. Marked as requested before it is sent, so a retry
 * after a lost answer knows the account is ours. Returns the student, and whether the account was
 * created in this very attempt (then it has no courses yet).
 */
async function registerStudent(ctx: FlowContext, deps: FlowDeps, buyer: Buyer, cpf: string) {
  const earlier = ctx.journal('cadastro_requested');
  const requestedEarlier = earlier !== undefined && !earlier.existedBefore;
  const { value: requested } = await ctx.step('cadastro_requested', () => Promise.resolve({ at: deps.clock() }));
  const { value: student, ranNow } = await ctx.step('cadastro', async () => {
    const phone = normalizeBrazilianMobile(buyer.phone);
    const form = cadastroForm(buyer, phone.ok ? phone.number : undefined, deps.settings.defaultPassword);
    try {
      const created = await deps.ead.createStudent(form);
      return { studentId: created.id, created: true, sealedPassword: seal(deps, created.password) };
    } catch (err) {
      if (!(err instanceof StudentAlreadyExistsError)) throw err;
      if (!requestedEarlier) await ctx.rewriteStep('cadastro_requested', { ...requested, existedBefore: true });
      return recoverLostCadastro(deps, cpf, err, requestedEarlier);
    }
  });
  return { student, createdNow: ranNow && student.created && !student.recovered };
}

/**
 * The EAD says the CPF is "já em uso": registered meanwhile, by an earlier attempt of ours whose
 * answer was lost (then the account is ours, its password unknown unless STUDENT_DEFAULT_PASSWORD)
 * or before this sale (then it is an existing student).
 */
async function recoverLostCadastro(deps: FlowDeps, cpf: string, refusal: Error, ours: boolean): Promise<StudentStep> {
  const existing = await deps.ead.findStudentByCpf(cpf);
  if (!existing) {
    throw new TransientError(`${refusal.message} Mas a busca por CPF ainda não encontra o aluno.`, 'student_exists_not_found');
  }
  if (!ours) return { studentId: existing.id, created: false, recovered: true };
  const password = deps.settings.defaultPassword;
  return {
    studentId: existing.id,
    created: true,
    recovered: true,
    sealedPassword: seal(deps, password),
    passwordUnknown: password === undefined,
  };
}

/**
 * Enrols the student in the plan's courses they lack. What they had before is journaled first,
 * so a retry after a matrícula whose answer was lost still knows what this sale added (and
 * welcomes the student), while looking again keeps it from enrolling twice.
 */
async function enroll(
  ctx: FlowContext,
  deps: FlowDeps,
  student: StudentStep,
  createdNow: boolean,
  plan: Plan,
  days: number | undefined,
): Promise<Enrollment> {
  const readCourses = async (): Promise<Set<string> | undefined> => {
    try {
      return new Set(await deps.ead.studentCourses(student.studentId));
    } catch (err) {
      ctx.log.warn({ err }, 'não foi possível ler os cursos do aluno; matriculando em todos os do plano');
      return undefined;
    }
  };
  const { value: before, ranNow: readNow } = await ctx.step('courses_before', async () => {
    // A student created in this very attempt has no courses yet.
    const courses = createdNow ? new Set<string>() : await readCourses();
    // Unreadable: the rule is to enrol in all — but not for a renewal, which would enrol (and
    // welcome) again a student who has everything.
    if (!courses && (await isRenewal(ctx, deps))) {
      throw new TransientError('Não foi possível ler os cursos do aluno para conferir a renovação.', 'courses_unreadable');
    }
    return { courses: courses ? [...courses] : null };
  });
  const had = new Set(before.courses ?? []);
  const missing = plan.courses.filter((id) => !had.has(String(id)));
  const { value } = await ctx.step('matricula', async () => {
    let toEnroll = missing;
    if (!readNow && missing.length > 0) {
      // A retry: the last attempt may have enrolled without hearing back. Enrolling again blind
      // could enrol twice, so an unreadable course list means "try later" here.
      const current = await readCourses();
      if (!current) {
        throw new TransientError(
          'Não foi possível confirmar os cursos do aluno depois de uma matrícula sem resposta.',
          'courses_unreadable',
        );
      }
      toEnroll = missing.filter((id) => !current.has(String(id)));
    }
    const answer = toEnroll.length > 0 ? await deps.ead.enroll(student.studentId, toEnroll, days) : undefined;
    return {
      enrolled: missing,
      alreadyHad: plan.courses.filter((id) => !missing.includes(id)),
      ...(days !== undefined && toEnroll.length > 0 ? { days } : {}),
      ...(answer?.endsOn ? { contractEnds: answer.endsOn } : {}),
    };
  });
  return value;
}

/** An earlier start of the same subscription (an approval, its free trial) already gave access. */
async function isRenewal(ctx: FlowContext, deps: FlowDeps): Promise<boolean> {
  const key = saleKeyOf(ctx.event);
  if (!key) return false;
  const earlier = (await deps.saleEvents(ctx.event.customerKey, [key])).filter(
    (e) => startsSale(e.eventType) && e.id < ctx.event.id && saleKeyOf(e) === key,
  );
  if (earlier.some((e) => e.status === 'done')) return true;
  // An earlier approval that failed after its matrícula (at the welcome, say) gave access too.
  const pending = earlier.map((e) => e.id);
  return pending.length > 0 && (await deps.journaled(pending, 'matricula')).size > 0;
}
