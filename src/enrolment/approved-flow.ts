import { NotOnWhatsAppError } from '../clients/chatpro.js';
import { StudentAlreadyExistsError } from '../clients/ead-api.js';
import { WELCOME_NOT_SENT } from '../domain/causes.js';
import { TransientError } from '../domain/errors.js';
import { ORDER_APPROVED } from '../domain/event-types.js';
import { messages, welcomeMessage, welcomeSkipReason } from '../domain/messages.js';
import { normalizeBrazilianMobile } from '../domain/phone.js';
import type { Plan } from '../plans/plan-map.js';
import { orderSchema } from '../intake/kiwify-payload.js';
import type { Handler } from '../worker/types.js';
import { buyerOf, cadastroForm, requireCpf, type Buyer } from '../sales/buyer.js';
import type { FlowDeps } from '../sales/flow-deps.js';
import { planOf } from '../sales/plan-of-sale.js';
import { orderRefunded, saleKeyOf, saleKeysOf } from '../sales/sale-rules.js';
import type { Enrollment, FlowContext, StepResults, StudentStep, WelcomeStep } from '../sales/steps.js';

const seal = (deps: FlowDeps, password: string | undefined) => (password === undefined ? undefined : deps.secrets.seal(password));

/**
 * order_approved — the story of a sale:
 * the plan's courses → the buyer's CPF → the student (found, or created) → enrolment in the
 * courses they do not have yet → a WhatsApp welcome when something new happened → a note to
 * support. Every step is journaled, so a retry resumes where the last attempt stopped; a renewal
 * (everything already in place) creates nothing and sends nothing.
 */
export function approvedFlow(deps: FlowDeps): Handler<StepResults> {
  return async (ctx) => {
    const order = orderSchema.parse(ctx.body);
    // Refunded or charged back before this approval ran (a retry after an outage, a replay).
    if (orderRefunded(await deps.saleEvents(ctx.event.customerKey, saleKeysOf(ctx.event)), ctx.event.orderId)) {
      return { status: 'ignored', outcome: 'Pedido já reembolsado ou estornado: nada a matricular.' };
    }
    const plan = await planOf(order, deps, ctx.event.id);
    const buyer = buyerOf(order);
    // Support may have corrected the mobile (a welcome that could not be sent is then sent again).
    buyer.phone = ctx.journal('phone_correction')?.phone ?? buyer.phone;
    const cpf = requireCpf(buyer, 'enrol');

    const { value: found } = await ctx.step('find_student', async () => ({
      studentId: (await deps.ead.findStudentByCpf(cpf))?.id ?? null,
    }));
    const { student, createdNow } = found.studentId
      ? { student: { studentId: found.studentId, created: false }, createdNow: false }
      : await registerStudent(ctx, deps, buyer, cpf);
    const enrollment = await enroll(ctx, deps, student, createdNow, plan);
    const somethingNew = student.created || enrollment.enrolled.length > 0;
    if (!somethingNew) {
      return { outcome: `Aluno ${student.studentId} já tinha todos os cursos do plano: nada novo (renovação ou repetição).` };
    }

    const welcome = await sendWelcome(ctx, deps, buyer, plan, student);
    const welcomeText = welcome.sent ? 'enviadas' : `não enviadas (${welcomeSkipReason(welcome.reason)})`;
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
    const who = student.created ? `Aluno criado (id ${student.studentId})` : `Aluno ${student.studentId}`;
    const outcome = `${who} matriculado em ${enrollment.enrolled.join(', ') || 'nenhum curso novo'}; boas-vindas ${welcomeText}.`;
    // A welcome that did not go out is support's to fix (a corrected number): its own motivo.
    const notice = welcome.sent
      ? undefined
      : { code: WELCOME_NOT_SENT, message: `Boas-vindas não enviadas: ${welcomeSkipReason(welcome.reason)}.` };
    return { outcome, notice };
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
async function enroll(ctx: FlowContext, deps: FlowDeps, student: StudentStep, createdNow: boolean, plan: Plan): Promise<Enrollment> {
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
    if (toEnroll.length > 0) await deps.ead.enroll(student.studentId, toEnroll);
    return { enrolled: missing, alreadyHad: plan.courses.filter((id) => !missing.includes(id)) };
  });
  return value;
}

/** An earlier approval of the same subscription already gave access. */
async function isRenewal(ctx: FlowContext, deps: FlowDeps): Promise<boolean> {
  const key = saleKeyOf(ctx.event);
  if (!key) return false;
  const earlier = (await deps.saleEvents(ctx.event.customerKey, [key])).filter(
    (e) => e.eventType === ORDER_APPROVED && e.id < ctx.event.id && saleKeyOf(e) === key,
  );
  if (earlier.some((e) => e.status === 'done')) return true;
  // An earlier approval that failed after its matrícula (at the welcome, say) gave access too.
  const pending = earlier.map((e) => e.id);
  return pending.length > 0 && (await deps.journaled(pending, 'matricula')).size > 0;
}

async function sendWelcome(ctx: FlowContext, deps: FlowDeps, buyer: Buyer, plan: Plan, student: StudentStep): Promise<WelcomeStep> {
  const { value: welcome } = await ctx.step('welcome', async (): Promise<WelcomeStep> => {
    if (!deps.chatpro) return { sent: false, reason: 'chatpro_not_configured' };
    const phone = normalizeBrazilianMobile(buyer.phone);
    if (!phone.ok) return { sent: false, reason: phone.reason };
    const password = student.created && student.sealedPassword ? deps.secrets.open(student.sealedPassword) : undefined;
    const text = welcomeMessage({
      firstName: buyer.firstName,
      planName: plan.name,
      login: buyer.cpf,
      password,
      // A new account whose password we cannot tell: never received, wiped after
      // PASSWORD_RETENTION_DAYS, or sealed under a key that changed since.
      passwordUnknown: student.created && password === undefined,
      whatsappGroup: plan.whatsappGroup,
      settings: deps.settings.welcome,
    });
    try {
      await deps.chatpro.sendMessage(phone.number, text);
      return { sent: true };
    } catch (err) {
      if (err instanceof NotOnWhatsAppError) return { sent: false, reason: 'not_on_whatsapp' };
      throw err;
    }
  });
  // Delivered: the password has done its job and leaves the database now. Not delivered (no
  // WhatsApp, a wrong number): it stays sealed, for a corrected number, until housekeeping wipes
  // it after PASSWORD_RETENTION_DAYS.
  const cadastro = ctx.journal('cadastro');
  if (welcome.sent && cadastro?.sealedPassword !== undefined) await ctx.rewriteStep('cadastro', { ...cadastro, sealedPassword: undefined });
  if (!welcome.sent) {
    await ctx.alert(messages.welcomeSkipped(ctx.event, welcomeSkipReason(welcome.reason), deps.settings.panelUrl), 'welcome-skipped');
  }
  return welcome;
}
