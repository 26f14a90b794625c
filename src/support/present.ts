import { eventLabel } from '../domain/event-types.js';
import { formatTime } from '../domain/messages.js';
import { maskDigits } from '../domain/redaction.js';
import { buyerOf } from '../sales/buyer.js';
import { orderSchema } from '../intake/kiwify-payload.js';
import type { EventRow, HistoryRow } from '../store/store.js';
import { RESOLVABLE_STATUSES, RETRYABLE_STATUSES, WAITING_STATUSES, type EventStatus } from '../domain/inbox-event.js';
import { causeOf, isNotice, type Cause } from '../domain/causes.js';
import type { StepResults } from '../sales/steps.js';
import { describeStep, oneLine, type CourseNames } from './story.js';
import { canResendWelcome } from './welcome-resend.js';

/** How events look to people (admin API, admin page, CLI): pt-BR labels, personal data masked. */

export const STATUS_LABELS: Record<EventStatus, string> = {
  pending: 'na fila',
  processing: 'processando',
  retrying: 'aguardando nova tentativa',
  done: 'concluído',
  ignored: 'ignorado',
  failed: 'falhou',
  resolved: 'resolvido',
};

export interface EventSummary {
  id: number;
  type: string;
  label: string;
  status: EventStatus;
  statusLabel: string;
  /** Attempts of the current round (a retry by a person starts a new one). */
  attempts: number;
  /** Times a worker ran it, ever. */
  runs: number;
  orderRef: string | null;
  orderId: string | null;
  plan: string | null;
  customerName: string | null;
  customerEmail: string | null;
  receivedAt: string;
  nextRunAt: string | null;
  /** The last error, one line — only while it is the current state (not while the event runs again). */
  lastError: string | null;
  /** The code of the cause of a failure, and its short reason ("motivo"). */
  cause: string | null;
  reason: string | null;
  outcome: string | null;
  /** `webhook` (Kiwify's delivery) or `kiwify-api` (recovered by the reconciliation). */
  source: string;
  /** "webhook da Kiwify" / "conciliação (API da Kiwify)". */
  sourceLabel: string;
}

/** Where an event came from, as support says it. */
export const SOURCE_LABELS: Record<string, string> = {
  webhook: 'webhook da Kiwify',
  'kiwify-api': 'conciliação (API da Kiwify): o webhook não chegou',
};

export interface StoryEntry {
  at: string;
  /** `received`, `step`, or a history kind (`retry`, `failed`, `done`, `ignored`, `manual`, `resolved`, …). */
  kind: string;
  text: string;
}

/** What support can do about an event, and what the page should say. */
export interface EventActions {
  /** "Reprocessar": only when running it again can change the outcome. */
  retry: boolean;
  /** "Marcar como resolvido": a failure support settles by hand. */
  resolve: boolean;
  /** "Corrigir celular e reenviar boas-vindas". */
  resendWelcome: boolean;
  /** What to do, in support's words (for a failure). */
  todo: string | null;
}

export interface EventDetail extends EventSummary {
  subscriptionId: string | null;
  customer: { name: string | null; email: string | null; phone: string | null; cpf: string | null; cnpj: string | null };
  availableAt: string;
  finishedAt: string | null;
  parentId: number | null;
  story: StoryEntry[];
  /** The welcome, for a sale that got that far (null otherwise). */
  welcome: WelcomeState | null;
  /** Kept for the API's clients: whether "Reprocessar" is offered. */
  retryable: boolean;
  actions: EventActions;
}

const iso = (ms: number | null) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** A failure, or a sale done that still needs a person (a welcome not sent): it has a motivo. */
function needsAPerson(e: EventRow): { failing: boolean; noticed: boolean } {
  const failing = e.status === 'failed' || e.status === 'retrying';
  return { failing, noticed: e.status === 'done' && isNotice(e.last_error_code) };
}

export function summarize(e: EventRow): EventSummary {
  const { failing, noticed } = needsAPerson(e);
  const told = failing || noticed;
  return {
    id: e.id,
    type: e.event_type,
    label: eventLabel(e.event_type),
    status: e.status,
    statusLabel: STATUS_LABELS[e.status],
    attempts: e.attempts,
    runs: e.runs,
    orderRef: e.order_ref,
    orderId: e.order_id,
    plan: e.plan_name,
    customerName: e.customer_name,
    customerEmail: e.customer_email,
    receivedAt: iso(e.received_at)!,
    nextRunAt: WAITING_STATUSES.includes(e.status) ? iso(e.next_run_at) : null,
    lastError: told && e.last_error ? oneLine(e.last_error) : null,
    cause: told ? e.last_error_code : null,
    reason: told ? causeOf(e.last_error_code).reason : null,
    outcome: e.outcome,
    source: e.source,
    sourceLabel: SOURCE_LABELS[e.source] ?? e.source,
  };
}

/** What to do: for a failure, the cause's remedy; while retries remain, when the next one runs. */
function todoFor(e: EventRow, cause: Cause): string {
  if (e.status !== 'retrying') return cause.todo;
  const next = `Nova tentativa automática em ${formatTime(e.next_run_at)}.`;
  return cause.retryHelps ? `${next} Para não esperar, use "Reprocessar".` : `${next} ${cause.todo}`;
}

/** A failure's remedy: whether running it again helps (an unmapped plan helps once it is mapped). */
function actionsFor(e: EventRow, steps: ReadonlyMap<string, unknown>, planMapped: boolean): EventActions {
  const cause = causeOf(e.last_error_code);
  const { failing, noticed } = needsAPerson(e);
  const helps = !failing || cause.retryHelps || (e.last_error_code === 'unmapped_plan' && planMapped);
  const resendWelcome = e.status !== 'processing' && e.personal_data_removed_at === null && canResendWelcome(e.event_type, steps);
  let todo: string | null = !failing || (e.last_error_code === 'unmapped_plan' && planMapped) ? null : todoFor(e, cause);
  if (noticed)
    todo = resendWelcome
      ? cause.todo
      : 'Os dados pessoais desta venda já foram apagados: avise o aluno por outro canal e marque como resolvido.';
  return {
    retry: RETRYABLE_STATUSES.includes(e.status) && helps && e.personal_data_removed_at === null,
    resolve: RESOLVABLE_STATUSES.includes(e.status) || noticed,
    resendWelcome,
    todo,
  };
}

/** The welcome of a sale: whether it went out, and to which number after support corrected it. */
export interface WelcomeState {
  sent: boolean;
  /** The mobile support corrected (the welcome goes, or went, to it). */
  correctedPhone: string | null;
}

function welcomeOf(steps: ReadonlyMap<string, unknown>): WelcomeState | null {
  const welcome = steps.get('welcome') as StepResults['welcome'] | undefined;
  const correction = steps.get('phone_correction') as StepResults['phone_correction'] | undefined;
  if (!welcome && !correction) return null;
  return { sent: welcome?.sent === true, correctedPhone: correction?.phone ?? null };
}

export interface DetailContext {
  /** Course names by id, from the EAD's catalog. */
  names: CourseNames;
  /** Whether the event's plan is mapped now (an unmapped-plan failure can then be replayed). */
  planMapped: boolean;
}

export function detail(
  e: EventRow,
  steps: Array<{ step: string; doneAt: number; result: unknown }>,
  history: HistoryRow[],
  context: DetailContext = { names: new Map(), planMapped: false },
): EventDetail {
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
    ...steps.flatMap((s) => {
      const text = describeStep(s.step, s.result, context.names);
      return text === null ? [] : [{ at: iso(s.doneAt)!, kind: 'step', text }];
    }),
    ...history.map((h) => ({ at: iso(h.at)!, kind: h.kind, text: oneLine(h.message, 600) })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const journal = new Map(steps.map((s) => [s.step, s.result]));
  const actions = actionsFor(e, journal, context.planMapped);
  const welcome = welcomeOf(journal);
  // After a correction the page shows the number the welcome goes to, not the one Kiwify sent.
  if (welcome?.correctedPhone) customer = { ...customer, phone: welcome.correctedPhone };
  return {
    ...summarize(e),
    subscriptionId: e.subscription_id,
    customer,
    availableAt: iso(e.available_at)!,
    finishedAt: iso(e.finished_at),
    parentId: e.parent_id,
    story,
    welcome,
    retryable: actions.retry,
    actions,
  };
}
