import { messages } from '../domain/messages.js';
import { normalizeText } from '../domain/text.js';
import { orderSchema } from '../kiwify/payload.js';
import type { Handler, HandlerContext, HandlerResult } from '../worker/types.js';
import { planOf, requireCpf } from './approved.js';
import { buyerOf } from './buyer.js';
import type { FlowDeps } from './deps.js';
import { activeSales, newerPurchase, saleKeyOf } from './sales.js';

interface Decision {
  studentId: string | null;
  action: 'delete' | 'remove_courses' | 'nothing';
  courses: number[];
  /** Courses kept because another active sale of this customer still needs them. */
  kept: number[];
}

/**
 * Takes a sale's access away — order_refunded, chargeback, and the end of a cancelled
 * subscription. Finds the student by CPF (not found → nothing to do, support is told). If the
 * same person has another active sale, only this sale's courses that no other sale needs are
 * removed and the account stays; otherwise REVOKE_MODE decides: delete the student (default) or
 * remove this sale's courses. The decision is journaled, so a retry carries out the same one.
 */
export function revokeFlow(deps: FlowDeps): Handler {
  return (ctx) => revokeSale(ctx, deps);
}

export async function revokeSale(ctx: HandlerContext, deps: FlowDeps): Promise<HandlerResult> {
  const order = orderSchema.parse(ctx.body);
  const cpf = requireCpf(buyerOf(order), 'revoke');

  const decision = await ctx.step<Decision>('decision', async () => {
    const student = await deps.ead.findStudentByCpf(cpf);
    if (!student) return { studentId: null, action: 'nothing', courses: [], kept: [] };
    const [events, enrolled] = await Promise.all([deps.customerEvents(ctx.event.customer_key), deps.enrolledEvents(ctx.event.customer_key)]);
    const others = activeSales(events, enrolled, saleKeyOf(ctx.event));
    if (others.length === 0 && deps.settings.revokeMode === 'delete') {
      return { studentId: student.id, action: 'delete', courses: [], kept: [] };
    }
    const needed = new Set(others.flatMap((sale) => deps.plans.resolve(sale.planName ?? undefined)?.courses ?? []));
    const planCourses = planOf(order, deps).courses;
    const courses = planCourses.filter((id) => !needed.has(id));
    return {
      studentId: student.id,
      action: courses.length > 0 ? 'remove_courses' : 'nothing',
      courses,
      kept: planCourses.filter((id) => needed.has(id)),
    };
  });

  const what = await carryOut(ctx, deps, decision);
  await ctx.alert(messages.revoked(ctx.event, what), 'revoked');
  return { outcome: what };
}

async function carryOut(ctx: HandlerContext, deps: FlowDeps, d: Decision): Promise<string> {
  if (!d.studentId) return 'Aluno não encontrado no EAD pelo CPF: nada a revogar.';
  const studentId = d.studentId;
  if (d.action === 'delete') {
    await ctx.step('delete_student', async () => {
      await deps.ead.deleteStudent(studentId);
      return { deleted: studentId };
    });
    return `Aluno ${studentId} excluído do EAD.`;
  }
  if (d.action === 'nothing') {
    return `Aluno ${studentId} mantido: os cursos deste plano (${d.kept.join(', ')}) são usados por outra venda ativa.`;
  }
  // Only the courses the student still has: removing one they lack is refused by some EADs.
  const current = await ctx.step('current_courses', async () => {
    try {
      return { courses: await deps.ead.studentCourses(studentId) };
    } catch (err) {
      ctx.log.warn({ err }, 'não foi possível ler os cursos do aluno; removendo todos os do plano');
      return { courses: null };
    }
  });
  const toRemove = current.courses ? d.courses.filter((id) => current.courses!.includes(String(id))) : d.courses;
  for (const courseId of toRemove) {
    await ctx.step(`remove_course:${courseId}`, async () => {
      await deps.ead.removeCourse(studentId, courseId);
      return { removed: courseId };
    });
  }
  const kept = d.kept.length ? ` Mantidos (outra venda ativa): ${d.kept.join(', ')}.` : '';
  return `Aluno ${studentId} mantido no EAD; cursos removidos: ${toRemove.join(', ') || 'nenhum (já não os tinha)'}.${kept}`;
}

/**
 * revoke_access — the scheduled end of a cancelled subscription. Skipped when the customer
 * bought the same plan again after cancelling.
 */
export function scheduledRevokeFlow(deps: FlowDeps): Handler {
  return async (ctx) => {
    const key = ctx.event.customer_key;
    const [events, enrolled] = await Promise.all([deps.customerEvents(key), deps.enrolledEvents(key)]);
    const newer = newerPurchase(events, enrolled, ctx.event.parent_id ?? ctx.event.id, normalizeText(ctx.event.plan_name ?? ''), normalizeText);
    if (newer) {
      return { status: 'ignored', outcome: `Acesso mantido: nova compra do mesmo plano (evento #${newer.id}) depois do cancelamento.` };
    }
    return revokeSale(ctx, deps);
  };
}
