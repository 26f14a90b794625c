import { eventLabel, eventTypeInfo } from '../domain/event-types.js';
import { formatTime } from '../domain/messages.js';
import { maskDigits } from '../domain/redaction.js';
import { buyerOf } from '../sales/buyer.js';
import { orderSchema } from '../intake/kiwify-payload.js';
import type { HistoryEntry, StoredEvent } from '../store/store.js';
import {
  hasNotice,
  isFailing,
  isResolvable,
  RETRYABLE_STATUSES,
  WAITING_STATUSES,
  type EventStatus,
  type InboxEvent,
} from '../domain/inbox-event.js';
import { causeOf, type Cause } from '../domain/causes.js';
import { welcomeDelivered, welcomeResults, type StepResults, type WelcomeChannel } from '../sales/steps.js';
import { describeStep, oneLine, type CourseNames } from './story.js';
import { canResendWelcome } from './welcome-resend.js';
import { canChangeAccess } from './access-actions.js';

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
  /** When the access this event gave ends (a time-limited plan, a trial): "acesso até". */
  accessUntil: string | null;
}

/** Where an event came from, as support says it. */
export const SOURCE_LABELS: Record<string, string> = {
  webhook: 'webhook da Kiwify',
  'kiwify-api': 'conciliação (API da Kiwify): o webhook não chegou',
};

/** Where an event came from, as its story opens: Kiwify's delivery, or the bridge's own work. */
function receivedText(e: InboxEvent): string {
  const label = eventLabel(e.eventType);
  if (eventTypeInfo(e.eventType)?.origin !== 'bridge') return `Recebido da Kiwify (${label}).`;
  return e.parentId === null ? `Criado pela ponte (${label}).` : `Criado pela ponte (${label}) a partir do evento #${e.parentId}.`;
}

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
  /** "Remover acesso" and "Devolver acesso" of the event's sale. */
  changeAccess: boolean;
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

export function summarize(e: InboxEvent): EventSummary {
  // A failure, or a sale done that still needs a person (a welcome not sent): it has a motivo.
  const told = isResolvable(e);
  return {
    id: e.id,
    type: e.eventType,
    label: eventLabel(e.eventType),
    status: e.status,
    statusLabel: STATUS_LABELS[e.status],
    attempts: e.attempts,
    runs: e.runs,
    orderRef: e.orderRef,
    orderId: e.orderId,
    plan: e.planName,
    customerName: e.customerName,
    customerEmail: e.customerEmail,
    receivedAt: iso(e.receivedAt)!,
    nextRunAt: WAITING_STATUSES.includes(e.status) ? iso(e.nextRunAt) : null,
    lastError: told && e.lastError ? oneLine(e.lastError) : null,
    cause: told ? e.lastErrorCode : null,
    reason: told ? causeOf(e.lastErrorCode).reason : null,
    outcome: e.outcome,
    source: e.source,
    sourceLabel: SOURCE_LABELS[e.source] ?? e.source,
    accessUntil: iso(e.accessUntil),
  };
}

/** What to do: for a failure, the cause's remedy; while retries remain, when the next one runs. */
function todoFor(e: InboxEvent, cause: Cause): string {
  if (e.status !== 'retrying') return cause.todo;
  const next = `Nova tentativa automática em ${formatTime(e.nextRunAt)}.`;
  return cause.retryHelps ? `${next} Para não esperar, use "Reprocessar".` : `${next} ${cause.todo}`;
}

/** A failure's remedy: whether running it again helps (an unmapped plan helps once it is mapped). */
function actionsFor(e: InboxEvent, steps: ReadonlyMap<string, unknown>, planMapped: boolean): EventActions {
  const cause = causeOf(e.lastErrorCode);
  const failing = isFailing(e);
  const noticed = hasNotice(e);
  const helps = !failing || cause.retryHelps || (e.lastErrorCode === 'unmapped_plan' && planMapped);
  const resendWelcome = e.status !== 'processing' && e.personalDataRemovedAt === null && canResendWelcome(e.eventType, steps);
  let todo: string | null = !failing || (e.lastErrorCode === 'unmapped_plan' && planMapped) ? null : todoFor(e, cause);
  if (noticed)
    todo = resendWelcome
      ? cause.todo
      : 'Os dados pessoais desta venda já foram apagados: avise o aluno por outro canal e marque como resolvido.';
  return {
    retry: RETRYABLE_STATUSES.includes(e.status) && helps && e.personalDataRemovedAt === null,
    resolve: isResolvable(e),
    resendWelcome,
    changeAccess: canChangeAccess(e),
    todo,
  };
}

/** The welcome of a sale: whether it went out and by which channels, and where to after support corrected it. */
export interface WelcomeState {
  sent: boolean;
  /** The channels that delivered it. */
  channels: WelcomeChannel[];
  /** The mobile support corrected (the WhatsApp welcome goes, or went, to it). */
  correctedPhone: string | null;
  /** The address support gave (the e-mail welcome goes, or went, to it). */
  correctedEmail: string | null;
}

function welcomeOf(steps: ReadonlyMap<string, unknown>): WelcomeState | null {
  const results = welcomeResults(steps);
  const phone = steps.get('phone_correction') as StepResults['phone_correction'] | undefined;
  const email = steps.get('email_correction') as StepResults['email_correction'] | undefined;
  if (!results.whatsapp && !results.email && !phone && !email) return null;
  const channels = welcomeDelivered(steps);
  return { sent: channels.length > 0, channels, correctedPhone: phone?.phone ?? null, correctedEmail: email?.email ?? null };
}

export interface DetailContext {
  /** Course names by id, from the EAD's catalog. */
  names: CourseNames;
  /** Whether the event's plan is mapped now (an unmapped-plan failure can then be replayed). */
  planMapped: boolean;
}

export function detail(
  { event: e, bodyText }: StoredEvent,
  steps: Array<{ step: string; doneAt: number; result: unknown }>,
  history: HistoryEntry[],
  context: DetailContext = { names: new Map(), planMapped: false },
): EventDetail {
  let customer: EventDetail['customer'] = { name: e.customerName, email: e.customerEmail, phone: null, cpf: null, cnpj: null };
  try {
    const buyer = buyerOf(orderSchema.parse(JSON.parse(bodyText)));
    // Support contacts the buyer (name, e-mail, phone); the CPF is shown masked.
    customer = {
      name: buyer.name || e.customerName,
      email: buyer.email ?? e.customerEmail,
      phone: buyer.phone ?? null,
      cpf: buyer.cpf ? maskDigits(buyer.cpf) : null,
      cnpj: buyer.cnpj || null,
    };
  } catch {
    // not an order (abandoned cart): keep the stored columns
  }
  const story: StoryEntry[] = [
    { at: iso(e.receivedAt)!, kind: 'received', text: receivedText(e) },
    ...steps.flatMap((s) => {
      const text = describeStep(s.step, s.result, context.names);
      return text === null ? [] : [{ at: iso(s.doneAt)!, kind: 'step', text }];
    }),
    ...history.map((h) => ({ at: iso(h.at)!, kind: h.kind, text: oneLine(h.message, 600) })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const journal = new Map(steps.map((s) => [s.step, s.result]));
  const actions = actionsFor(e, journal, context.planMapped);
  const welcome = welcomeOf(journal);
  // After a correction the page shows where the welcome goes, not what Kiwify sent.
  if (welcome?.correctedPhone) customer = { ...customer, phone: welcome.correctedPhone };
  if (welcome?.correctedEmail) customer = { ...customer, email: welcome.correctedEmail };
  return {
    ...summarize(e),
    subscriptionId: e.subscriptionId,
    customer,
    availableAt: iso(e.availableAt)!,
    finishedAt: iso(e.finishedAt),
    parentId: e.parentId,
    story,
    welcome,
    retryable: actions.retry,
    actions,
  };
}
