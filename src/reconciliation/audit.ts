import type { EadApi } from '../clients/ead-api.js';
import type { KiwifyApi } from '../clients/kiwify-api.js';
import { cpfDigits } from '../domain/cpf.js';
import { planKeysOfEvent } from '../domain/plan-keys.js';
import { maskDigits } from '../domain/redaction.js';
import { ORDER_APPROVED, eventTypeOfApiStatus } from '../domain/event-types.js';
import { deliveryOfSale } from './api-sale.js';
import type { NewEvent } from '../domain/inbox-event.js';
import type { PlanStore } from '../plans/plan-store.js';
import { RETRYABLE_STATUSES } from '../domain/inbox-event.js';
import { retryEvent, type EventMoves } from '../replay/event-replay.js';
import { salesOfWindows, withPlan, type WindowQuery, type WindowStore } from './reconcile-window.js';

/** What the audit reads (the plan map, the inbox) and, with --fix, writes (the inbox, a replay). */
export type AuditStore = WindowStore & EventMoves & { plans: Pick<PlanStore, 'resolve'> };

export type Finding =
  /** Kiwify says paid; the student is missing from the EAD or lacks some of the plan's courses. */
  | 'paid_without_access'
  /** Kiwify says refunded or charged back; the student still has some of the plan's courses. */
  | 'refunded_with_access'
  /** The plan is not in the map: nothing to compare with. */
  | 'unmapped_plan'
  /** No valid CPF on the sale: the student cannot be looked up. */
  | 'no_cpf';

export const FINDING_LABELS: Record<Finding, string> = {
  paid_without_access: 'pago sem acesso',
  refunded_with_access: 'reembolsado com acesso',
  unmapped_plan: 'plano sem mapa',
  no_cpf: 'sem CPF válido',
};

export interface AuditRow {
  orderRef: string;
  status: string;
  plan: string;
  /** Masked. */
  cpf: string;
  finding: Finding;
  /** The plan's courses the student lacks (paid) or still has (refunded). */
  courses: number[];
  /** What --fix did (or would do). */
  fix?: string;
}

export interface AuditOptions {
  /** Queue what can be fixed: a sale missing from the inbox is queued; a failed one is replayed. */
  fix?: boolean;
}

/**
 * What Kiwify says versus what the EAD has, sale by sale: paid sales whose student lacks the
 * plan's courses, refunded or charged-back sales whose student still has them. Read-only unless
 * `fix`; one EAD call at a time (the EAD's pace).
 */
export async function auditWindow(store: AuditStore, api: KiwifyApi, ead: EadApi, window: WindowQuery, options: AuditOptions = {}) {
  const rows: AuditRow[] = [];
  let checked = 0;
  for await (const listed of salesOfWindows(api, window)) {
    const status = typeof listed.status === 'string' ? listed.status : '';
    const eventType = eventTypeOfApiStatus(status);
    if (!eventType) continue;
    // The listed id and status are kept; details that cannot be had leave the product's name as the plan.
    const { sale } = await withPlan(api, listed);
    checked += 1;
    const parsed = deliveryOfSale(sale);
    if (!parsed?.ok) continue;
    const d = parsed.delivery;
    const base = { orderRef: d.orderRef ?? d.orderId ?? '—', status, plan: d.planName ?? '—' };
    const cpf = cpfDigits((d.body.Customer as { CPF?: string } | undefined)?.CPF);
    if (cpf.length !== 11) {
      rows.push({ ...base, cpf: '—', finding: 'no_cpf', courses: [] });
      continue;
    }
    const plan = await store.plans.resolve(planKeysOfEvent(d));
    if (!plan) {
      rows.push({ ...base, cpf: maskDigits(cpf), finding: 'unmapped_plan', courses: [] });
      continue;
    }
    const student = await ead.findStudentByCpf(cpf);
    const has = new Set(student ? await ead.studentCourses(student.id) : []);
    const paid = eventType === ORDER_APPROVED;
    const wrong = paid ? plan.courses.filter((id) => !has.has(String(id))) : plan.courses.filter((id) => has.has(String(id)));
    if (wrong.length === 0) continue;
    const row: AuditRow = {
      ...base,
      cpf: maskDigits(cpf),
      finding: paid ? 'paid_without_access' : 'refunded_with_access',
      courses: wrong,
    };
    row.fix = await fixFor(store, d, options.fix === true);
    rows.push(row);
  }
  return { checked, rows };
}

/** What fixing one finding takes: the sale's event queued, or replayed; a processed one is for a person. */
async function fixFor(store: AuditStore, d: NewEvent, apply: boolean): Promise<string> {
  const existing = await store.events.byDedupeKey(d.dedupeKey);
  if (!existing) {
    if (!apply) return 'fila: a venda não está na caixa de entrada (use --fix)';
    const { id } = await store.inbox.insert({ ...d, source: 'kiwify-api' });
    return `enfileirada (evento #${id})`;
  }
  if (RETRYABLE_STATUSES.includes(existing.status)) {
    if (!apply) return `reprocessar o evento #${existing.id} (use --fix)`;
    const result = await retryEvent(store, existing.id, 'pela auditoria (npm run reconcile -- --audit --fix)');
    return result === 'queued' ? `evento #${existing.id} reprocessado` : `evento #${existing.id}: não foi possível reprocessar (${result})`;
  }
  return `evento #${existing.id} já ${existing.status === 'done' ? 'concluído' : 'na fila'}: confira à mão no EAD`;
}
