import { eventLabel } from '../domain/messages.js';
import { isSecretKey, maskDigits } from '../domain/privacy.js';
import { buyerOf } from '../flows/buyer.js';
import { stepLabel } from '../flows/steps.js';
import { orderSchema } from '../kiwify/payload.js';
import type { EventRow, EventStatus, HistoryRow } from '../store/index.js';
import { RETRYABLE_STATUSES, WAITING_STATUSES } from '../store/schema.js';

/** How events look to people (admin API, admin page, CLI): pt-BR labels, personal data masked. */

export const STATUS_LABELS: Record<EventStatus, string> = {
  pending: 'na fila',
  processing: 'processando',
  retrying: 'aguardando nova tentativa',
  done: 'concluído',
  ignored: 'ignorado',
  failed: 'falhou',
};

export interface EventSummary {
  id: number;
  type: string;
  label: string;
  status: EventStatus;
  statusLabel: string;
  attempts: number;
  orderRef: string | null;
  orderId: string | null;
  plan: string | null;
  customerName: string | null;
  customerEmail: string | null;
  receivedAt: string;
  nextRunAt: string | null;
  lastError: string | null;
  outcome: string | null;
}

export interface StoryEntry {
  at: string;
  /** `received`, `step`, or a history kind (`retry`, `failed`, `done`, `ignored`, `manual`, …). */
  kind: string;
  text: string;
  detail?: unknown;
}

export interface EventDetail extends EventSummary {
  subscriptionId: string | null;
  customer: { name: string | null; email: string | null; phone: string | null; cpf: string | null; cnpj: string | null };
  availableAt: string;
  finishedAt: string | null;
  parentId: number | null;
  story: StoryEntry[];
  retryable: boolean;
}

const iso = (ms: number | null) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export function summarize(e: EventRow): EventSummary {
  return {
    id: e.id,
    type: e.event_type,
    label: eventLabel(e.event_type),
    status: e.status,
    statusLabel: STATUS_LABELS[e.status],
    attempts: e.attempts,
    orderRef: e.order_ref,
    orderId: e.order_id,
    plan: e.plan_name,
    customerName: e.customer_name,
    customerEmail: e.customer_email,
    receivedAt: iso(e.received_at)!,
    nextRunAt: WAITING_STATUSES.includes(e.status) ? iso(e.next_run_at) : null,
    lastError: e.last_error,
    outcome: e.outcome,
  };
}

/** Journaled values that must never be shown (a password waiting for its welcome). */
function hideSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hideSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretKey(k) && v ? '[oculta]' : hideSecrets(v)]));
  }
  return value;
}

export function detail(e: EventRow, steps: Array<{ step: string; doneAt: number; result: unknown }>, history: HistoryRow[]): EventDetail {
  let customer: EventDetail['customer'] = { name: e.customer_name, email: e.customer_email, phone: null, cpf: null, cnpj: null };
  try {
    const buyer = buyerOf(orderSchema.parse(JSON.parse(e.body)));
    // Support contacts the buyer (name, e-mail, phone); the CPF is shown masked.
    customer = {
      name: buyer.name || e.customer_name,
      email: buyer.email ?? e.customer_email,
      phone: buyer.phone ?? null,
      cpf: buyer.cpf ? maskDigits(buyer.cpf) : null,
      cnpj: buyer.cnpj || null,
    };
  } catch {
    // not an order (abandoned cart): keep the stored columns
  }
  const story: StoryEntry[] = [
    { at: iso(e.received_at)!, kind: 'received', text: `Recebido da Kiwify (${eventLabel(e.event_type)}).` },
    ...steps.map((s) => ({
      at: iso(s.doneAt)!,
      kind: 'step',
      text: `Etapa concluída: ${stepLabel(s.step)}.`,
      detail: hideSecrets(s.result),
    })),
    ...history.map((h) => ({ at: iso(h.at)!, kind: h.kind, text: h.message })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return {
    ...summarize(e),
    subscriptionId: e.subscription_id,
    customer,
    availableAt: iso(e.available_at)!,
    finishedAt: iso(e.finished_at),
    parentId: e.parent_id,
    story,
    retryable: RETRYABLE_STATUSES.includes(e.status),
  };
}
