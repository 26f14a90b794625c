/**
 * Every event type the bridge knows, in one place: Kiwify's webhook types and the bridge's own
 * scheduled work. Each says how support calls it (pt-BR), what it does to a sale, whether a
 * flow acts on it and whether that flow needs the EAD. Every list of event types in the code is
 * derived from this registry; the names are written out only here (and in shipped SQL
 * migrations, which never change).
 *
 * The handlers live higher up (src/app/sale-handlers.ts): they import the flows, which import
 * this file, so the registry cannot hold them. The handler map is typed by `HandledEventType`
 * instead: a type marked `handled` without a handler, or a handler for any other type, does not
 * compile.
 */

export const ORDER_APPROVED = 'order_approved';
export const ORDER_REFUNDED = 'order_refunded';
export const CHARGEBACK = 'chargeback';
export const SUBSCRIPTION_CANCELED = 'subscription_canceled';
export const SUBSCRIPTION_RENEWED = 'subscription_renewed';
export const SUBSCRIPTION_LATE = 'subscription_late';
export const BILLET_CREATED = 'billet_created';
export const PIX_CREATED = 'pix_created';
export const ORDER_REJECTED = 'order_rejected';
export const ABANDONED_CART = 'abandoned_cart';
export const SUBSCRIPTION_TRIAL_STARTED = 'subscription_trial_started';
export const SUBSCRIPTION_TRIAL_CANCELED = 'subscription_trial_canceled';
/**
 * A scheduled end of access: of a cancelled subscription (cancel flow), of a free trial that
 * lapsed with no charge, of a plan's time-limited access (`accessDays`).
 */
export const REVOKE_ACCESS = 'revoke_access';
/** Support took a sale's access away by hand (page, API, CLI, Discord). */
export const ACCESS_REMOVED_BY_SUPPORT = 'access_removed_by_support';
/** Support gave a sale's access back by hand. */
export const ACCESS_RESTORED_BY_SUPPORT = 'access_restored_by_support';

/**
 * What an event does to a sale, as the refund rule weighs it: `starts` (an approval, a renewal, a
 * free trial, access given back by support), `ends` (a refund, a chargeback, a cancelled trial),
 * `endsOnceDone` (a scheduled end of access, access removed by support: once it ran), `other`.
 */
export type SaleRole = 'starts' | 'ends' | 'endsOnceDone' | 'other';

export interface EventTypeInfo {
  /** How support calls it. */
  label: string;
  /** Who sends it: Kiwify's webhook, or the bridge itself (scheduled work). */
  origin: 'kiwify' | 'bridge';
  role: SaleRole;
  /** A flow acts on it; the others are recorded as ignored. */
  handled: boolean;
  /** Its flow calls the EAD: it waits, attempts untouched, while the EAD's connection check fails. */
  needsEad: boolean;
  /** The statuses of Kiwify's sales API that stand for it (the reconciliation queues those sales as this type). */
  apiStatuses: readonly string[];
}

const KIWIFY_DEFAULTS = { origin: 'kiwify', role: 'other', handled: false, needsEad: false, apiStatuses: [] } as const;

/** A Kiwify type: nothing but a label unless said otherwise (literal types kept, so `handled` types the handler map). */
const kiwify = <const M extends Partial<EventTypeInfo>>(label: string, more?: M) => ({ ...KIWIFY_DEFAULTS, label, ...(more as M) });

/** A type of the bridge's own work (scheduled, or asked by support): never taken from a webhook. */
const bridge = <const R extends SaleRole>(label: string, role: R) =>
  ({ label, origin: 'bridge', role, handled: true, needsEad: true, apiStatuses: [] }) as const;

/**
 * The registry. The order of the sale types (approved, refunded, chargeback, renewed, the trial's
 * start and cancel, the scheduled end of access, support's removal and restoration) is the order
 * of migration 015's partial indexes events_customer_sales and events_customer_sale_key, which
 * the store's queries must write exactly as the indexes do.
 */
export const EVENT_TYPES = {
  [ORDER_APPROVED]: kiwify('venda aprovada', { role: 'starts', handled: true, needsEad: true, apiStatuses: ['paid', 'approved'] }),
  [ORDER_REFUNDED]: kiwify('reembolso', { role: 'ends', handled: true, needsEad: true, apiStatuses: ['refunded'] }),
  [CHARGEBACK]: kiwify('chargeback', { role: 'ends', handled: true, needsEad: true, apiStatuses: ['chargedback'] }),
  [BILLET_CREATED]: kiwify('boleto gerado'),
  [PIX_CREATED]: kiwify('PIX gerado'),
  [ORDER_REJECTED]: kiwify('compra recusada'),
  [SUBSCRIPTION_CANCELED]: kiwify('assinatura cancelada', { handled: true }),
  [SUBSCRIPTION_LATE]: kiwify('assinatura atrasada'),
  [SUBSCRIPTION_RENEWED]: kiwify('assinatura renovada', { role: 'starts', handled: true, needsEad: true }),
  [ABANDONED_CART]: kiwify('carrinho abandonado'),
  [SUBSCRIPTION_TRIAL_STARTED]: kiwify('teste grátis iniciado', { role: 'starts', handled: true, needsEad: true }),
  [SUBSCRIPTION_TRIAL_CANCELED]: kiwify('teste grátis cancelado', { role: 'ends', handled: true, needsEad: true }),
  [REVOKE_ACCESS]: bridge('fim do acesso agendado', 'endsOnceDone'),
  [ACCESS_REMOVED_BY_SUPPORT]: bridge('acesso removido pelo suporte', 'endsOnceDone'),
  [ACCESS_RESTORED_BY_SUPPORT]: bridge('acesso devolvido pelo suporte', 'starts'),
} as const satisfies Record<string, EventTypeInfo>;

export type EventType = keyof typeof EVENT_TYPES;

/** The types a flow acts on: the keys of the handler map, exactly. */
export type HandledEventType = {
  [T in EventType]: (typeof EVENT_TYPES)[T]['handled'] extends true ? T : never;
}[EventType];

const ALL = Object.keys(EVENT_TYPES) as EventType[];

/** The registry's types that `test` says yes to, in the registry's order. */
export function eventTypesWhere(test: (info: EventTypeInfo) => boolean): readonly EventType[] {
  return ALL.filter((type) => test(EVENT_TYPES[type]));
}

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_TYPES, type);
}

/** What the registry says of `type`; undefined for a type it does not know (Kiwify may add some). */
export function eventTypeInfo(type: string): EventTypeInfo | undefined {
  return isEventType(type) ? EVENT_TYPES[type] : undefined;
}

/** How support calls an event type; an unknown one is shown as it came. */
export function eventLabel(type: string): string {
  return eventTypeInfo(type)?.label ?? type;
}

/** What an event of `type` does to a sale (`other` for an unknown type). */
export function saleRoleOf(type: string): SaleRole {
  return eventTypeInfo(type)?.role ?? 'other';
}

/** Whether an event of `type` starts (or renews, or gives back) a sale's access. */
export function startsSale(type: string): boolean {
  return saleRoleOf(type) === 'starts';
}

/** Whether an event of `type` ends its sale for good: a refund, a chargeback, a cancelled trial. */
export function endsSaleForGood(type: string): boolean {
  return saleRoleOf(type) === 'ends';
}

/** A purchase by the buyer (an approval, a renewal, a trial), not access support gave back by hand. */
export function isPurchase(type: string): boolean {
  return startsSale(type) && eventTypeInfo(type)?.origin === 'kiwify';
}

/** The types Kiwify sends (its webhook documentation). */
export const KIWIFY_EVENT_TYPES = eventTypesWhere((t) => t.origin === 'kiwify');
/** The types that start or end a sale: all the refund rule ever reads of a customer's history. */
export const SALE_EVENT_TYPES = eventTypesWhere((t) => t.role !== 'other');
/** The types a flow acts on. */
export const HANDLED_EVENT_TYPES = eventTypesWhere((t) => t.handled) as readonly HandledEventType[];
/** The types whose flows need the EAD: they wait while its connection check fails. */
export const EAD_BOUND_EVENT_TYPES = eventTypesWhere((t) => t.needsEad);

/** The event type a status of Kiwify's sales API stands for; undefined when it starts or ends nothing. */
export function eventTypeOfApiStatus(status: string): EventType | undefined {
  return ALL.find((type) => (EVENT_TYPES[type].apiStatuses as readonly string[]).includes(status));
}
