import { PermanentError, TransientError } from '../domain/errors.js';
import { messages } from '../domain/messages.js';
import { maskDigits } from '../domain/redaction.js';
import { orderSchema, planNameOf, type KiwifyOrder } from '../intake/kiwify-payload.js';
import type { InboxEvent, SaleEvent } from '../domain/inbox-event.js';
import type { Handler, HandlerResult } from '../worker/types.js';
import { buyerOf, requireCpf } from '../sales/buyer.js';
import type { FlowDeps } from '../sales/flow-deps.js';
import { mappedPlan } from '../sales/plan-of-sale.js';
import { decideRevocation } from './revocation-rule.js';
import { activeSales, endedSince, newerPurchase, saleKeyOf, saleStarts, type ActiveSale } from '../sales/sale-rules.js';
import { removeCourseStep, type Enrollment, type FlowContext, type RevocationDecision, type StepResults } from '../sales/steps.js';

/** What this sale granted, and how we know. */
interface Grant {
  courses: number[];
  from: RevocationDecision['grantedFrom'];
  planName?: string;
  /** The student ids whose account this sale's approvals created (journaled `cadastro`, `created: true`). */
  createdAccounts: string[];
}

/** The starts among a customer's sale events (approvals, renewals, trials, restorations): whose matrículas the rule weighs. */
const approvalIds = (events: SaleEvent[]) => saleStarts(events).map((e) => e.id);

/**
 * order_refunded, chargeback, and the end of a cancelled subscription — the story of taking a
 * sale's access away, and only that sale's:
 * what the sale granted (what its approvals journaled; with no approval received, its plan's
 * courses; an unmapped plan → nothing is touched and support checks by hand) → the student, by
 * CPF → the courses they have now (unreadable → try later, never decide blind) → remove this
 * sale's courses that no other active sale needs; delete the account only when REVOKE_MODE=delete
 * and nothing else of theirs would be left. The decision is journaled before anything is done.
 */
export function revokeFlow(deps: FlowDeps): Handler<StepResults> {
  return (ctx) => revokeSale(ctx, deps);
}

export async function revokeSale(ctx: FlowContext, deps: FlowDeps): Promise<HandlerResult> {
  const order = orderSchema.parse(ctx.body);
  const cpf = requireCpf(buyerOf(order), 'revoke');
  const events = await deps.customerSales(ctx.event.customerKey);
  const enrollments = await deps.journaled(approvalIds(events), 'matricula');

  const grant = await grantOf(ctx.event, order, events, enrollments, deps);
  if (!grant) {
    const product = planNameOf(order) ?? 'sem nome';
    await ctx.alert(messages.revokeUnmapped(ctx.event, product, maskDigits(cpf)), 'revoke-unmapped');
    return { outcome: `Produto sem mapa ("${product}"): nada revogado. Confira o acesso do aluno manualmente.` };
  }

  const { value: decision, ranNow: decidedNow } = await ctx.step('decision', async (): Promise<RevocationDecision> => {
    const base = { granted: grant.courses, grantedFrom: grant.from };
    const student = await deps.ead.findStudentByCpf(cpf);
    if (!student)
      return {
        ...base,
        studentId: null,
        had: [],
        ...decideRevocation({ granted: [], has: [], neededByOtherSales: new Set(), mode: deps.settings.revokeMode }),
      };
    const had = await coursesOf(deps, student.id);
    if (had === null)
      throw new TransientError(`O EAD encontrou o aluno ${student.id} pelo CPF, mas não os cursos dele.`, 'courses_unreadable');
    const key = saleKeyOf(ctx.event);
    const otherSales = activeSales(events, enrollments, key);
    const neededByOtherSales = await neededByOthers(otherSales, events, enrollments, deps);
    const accountCreatedBySale = grant.createdAccounts.includes(student.id) && otherSales.length === 0;
    return {
      ...base,
      studentId: student.id,
      had,
      ...(accountCreatedBySale ? { accountCreatedBySale } : {}),
      ...decideRevocation({ granted: grant.courses, has: had, neededByOtherSales, mode: deps.settings.revokeMode, accountCreatedBySale }),
    };
  });

  const what = await carryOut(ctx, deps, decision, decidedNow);
  const source = grant.from === 'plan' ? ` Sem aprovação registrada desta venda: considerados os cursos do plano "${grant.planName}".` : '';
  const outcome = `${what}${source}`;
  await ctx.alert(messages.revoked(ctx.event, outcome), 'revoked');
  return { outcome };
}

/**
 * What this sale granted: the courses its approvals (same subscription or order, received
 * before this event: approvals, renewals, its trial, access support gave back) journaled as
 * enrolled — none, if they never got that far — and the accounts they created. With no approval
 * received at all (a sale from before the bridge, a lost webhook), its plan's courses; undefined
 * when that plan is not mapped either.
 */
async function grantOf(
  event: InboxEvent,
  order: KiwifyOrder,
  events: SaleEvent[],
  enrollments: Map<number, Enrollment>,
  deps: FlowDeps,
): Promise<Grant | undefined> {
  const key = saleKeyOf(event);
  const approvals = saleStarts(events).filter((e) => e.id < event.id && key !== undefined && saleKeyOf(e) === key);
  if (approvals.length > 0) {
    const courses = new Set(approvals.flatMap((a) => enrollments.get(a.id)?.enrolled ?? []));
    const cadastros = await deps.journaled(
      approvals.map((a) => a.id),
      'cadastro',
    );
    const createdAccounts = [...cadastros.values()].filter((c) => c.created).map((c) => c.studentId);
    return { courses: [...courses], from: 'journal', createdAccounts };
  }
  const plan = await mappedPlan(order, deps);
  return plan && { courses: plan.courses, from: 'plan', planName: plan.name, createdAccounts: [] };
}

/** Courses the customer's other active sales need: their plans' courses and what they journaled. */
async function neededByOthers(
  otherSales: ActiveSale[],
  events: SaleEvent[],
  enrollments: Map<number, Enrollment>,
  deps: FlowDeps,
): Promise<Set<number>> {
  const needed = new Set<number>();
  for (const sale of otherSales) {
    for (const id of (await deps.plans.resolve(sale.plan))?.courses ?? []) needed.add(id);
    for (const e of events) {
      if (saleKeyOf(e) !== sale.key) continue;
      const journaled = enrollments.get(e.id);
      for (const id of [...(journaled?.enrolled ?? []), ...(journaled?.alreadyHad ?? [])]) needed.add(id);
    }
  }
  return needed;
}

/** The student's courses, or null when the EAD says the student does not exist. */
async function coursesOf(deps: FlowDeps, studentId: string): Promise<string[] | null> {
  try {
    return await deps.ead.studentCourses(studentId);
  } catch (err) {
    if (err instanceof PermanentError && err.code === 'student_not_found') return null;
    throw err;
  }
}

async function carryOut(ctx: FlowContext, deps: FlowDeps, d: RevocationDecision, decidedNow: boolean): Promise<string> {
  if (!d.studentId) return 'Aluno não encontrado no EAD pelo CPF: nada a revogar.';
  const studentId = d.studentId;
  const kept = d.keptForOtherSales.length ? ` Mantidos para outra venda ativa: ${d.keptForOtherSales.join(', ')}.` : '';
  if (d.action === 'nothing') return `Aluno ${studentId} mantido, nada removido: ${d.reason}.`;

  let action = d.action;
  if (action === 'delete' && !decidedNow) {
    // Decided in an earlier attempt: before the irreversible step, look again at what they have.
    const { value: now } = await ctx.step('courses_before_delete', async () => ({ courses: await coursesOf(deps, studentId) }));
    const others = now.courses?.filter((id) => !d.remove.map(String).includes(id)) ?? [];
    if (others.length > 0) {
      action = 'remove_courses';
      ctx.log.warn({ studentId }, 'aluno ganhou outros cursos desde a decisão: só os cursos desta venda serão removidos');
    }
  }
  if (action === 'delete') {
    await ctx.step('delete_student', async () => {
      await deps.ead.deleteStudent(studentId);
      return { deleted: studentId };
    });
    return `Aluno ${studentId} excluído do EAD: ${d.reason}.`;
  }
  for (const courseId of d.remove) {
    await ctx.step(removeCourseStep(courseId), async () => {
      await deps.ead.removeCourse(studentId, courseId);
      return { removed: courseId };
    });
  }
  const why = d.action === 'delete' ? 'aluno mantido: ganhou outros cursos depois da decisão' : d.reason;
  return `Aluno ${studentId}: cursos removidos ${d.remove.join(', ')}; ${why}.${kept}`;
}

/**
 * revoke_access — a scheduled end of access: of a cancelled subscription, of a free trial that
 * lapsed, of a plan's time-limited access. Skipped when the customer bought again after the event
 * that scheduled it (the same plan, or the same sale: a renewal, the first charge after a trial —
 * which scheduled its own end where the access is time-limited), or when the sale was already
 * ended since (a refund, a cancelled trial); otherwise the refund rule applies.
 */
export function scheduledRevokeFlow(deps: FlowDeps): Handler<StepResults> {
  return async (ctx) => {
    const { event } = ctx;
    const events = await deps.customerSales(event.customerKey);
    const enrolled = await deps.journaled(approvalIds(events), 'matricula');
    const after = event.parentId ?? event.id;
    const key = saleKeyOf(event);
    const newer = newerPurchase(events, enrolled, after, event, key);
    if (newer) {
      const why =
        key !== undefined && saleKeyOf(newer) === key
          ? `esta venda foi paga ou renovada depois do agendamento (evento #${newer.id})`
          : `nova compra do mesmo plano (evento #${newer.id}) depois do agendamento`;
      return { status: 'ignored', outcome: `Acesso mantido: ${why}.` };
    }
    const ended = key === undefined ? undefined : endedSince(events, enrolled, key, after, event.id);
    if (ended) {
      return { status: 'ignored', outcome: `Nada a fazer: o acesso desta venda já foi retirado pelo evento #${ended.id}.` };
    }
    return revokeSale(ctx, deps);
  };
}
