import type { KiwifyApi } from '../clients/kiwify-api.js';
import { apiPlanName, deliveryOfSale, isSubscriptionSale } from './api-sale.js';
import type { NewEvent } from '../domain/inbox-event.js';
import type { EventQueries } from '../store/event-reads.js';
import type { Inbox } from '../store/inbox.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Kiwify answers at most 90 days between start_date and end_date: a window's end is at most 89 days after its start. */
export const MAX_WINDOW_DAYS = 89;

export interface WindowQuery {
  /** Sales created in [createdFrom, createdTo] (ms), asked in windows of at most 89 days (`chunks`). */
  createdFrom: number;
  createdTo: number;
  /**
   * And updated since `updatedFrom` (ms), when given. There is no upper bound on purpose: a sale
   * updated while the pages are read stays in the result set (a bound would drop it and shift
   * every later sale one place earlier, so the first sale of the next page would never be seen);
   * the set can only grow, and what is read twice is absorbed by the dedupe key.
   */
  updatedFrom?: number;
}

export interface ReconcileReport {
  /** Sales Kiwify listed. */
  found: number;
  /** Already in the inbox (the webhook came, or an earlier run found them). */
  already: number;
  /** New events queued (or, in a dry run, that would be). */
  queued: number;
  /** Sales whose status starts or ends nothing (pending, refused, waiting_payment…), by status. */
  ignoredByStatus: Record<string, number>;
  /** Sales the webhook's parser refused (reason → count): reported, never queued. */
  invalid: Record<string, number>;
  /** Ids of the events queued. */
  queuedIds: number[];
  /** Subscription sales whose details call failed: taken as listed (the product's name stands in for the plan). */
  detailsFailed: number;
  /** The run stopped once `maxRecovered` sales were queued: the rest of the window was not read. */
  limitReached: boolean;
}

const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const addDays = (date: string, days: number) => utcDate(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS);

const SAO_PAULO_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/Sao_Paulo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The calendar date of `ms` in São Paulo (Kiwify's time), as `YYYY-MM-DD`. */
export function saoPauloDate(ms: number): string {
  return SAO_PAULO_DATE.format(ms);
}

/**
 * [from, to] as windows of Kiwify's `start_date`/`end_date` (`YYYY-MM-DD`) that surely hold every
 * sale created in it, whatever Kiwify makes of a bare date — midnight in São Paulo or in UTC, an
 * end included or excluded (its documentation does not say; one client reports equal dates
 * refused):
 * - the first start is `from`'s date in São Paulo (never after its date in UTC);
 * - the last end is the day after `to`'s date in UTC — São Paulo's tomorrow, or from 21:00 there
 *   (UTC's date already the next), the day after: a sale made a minute ago, late in the evening
 *   too, is before it however it is read, and no window ends on its start;
 * - each window ends at most MAX_WINDOW_DAYS days after its start, and the next starts on that
 *   end: an end read as excluded loses no day (a sale read twice is one: its dedupe key).
 */
export function chunks(from: number, to: number): Array<{ startDate: string; endDate: string }> {
  const last = addDays(utcDate(Math.max(from, to)), 1);
  const out: Array<{ startDate: string; endDate: string }> = [];
  let start = saoPauloDate(from);
  for (;;) {
    const bound = addDays(start, MAX_WINDOW_DAYS);
    const end = bound < last ? bound : last;
    out.push({ startDate: start, endDate: end });
    if (end === last) return out;
    start = end;
  }
}

/**
 * Every sale of [createdFrom, createdTo] (updated since `updatedFrom`), window after window
 * (`chunks`). Two windows share a day: a sale of that day the previous window listed (in the same
 * status) is not listed again, so a report counts each sale once.
 */
export async function* salesOfWindows(
  api: KiwifyApi,
  window: WindowQuery,
  options: Pick<ReconcileOptions, 'signal' | 'onPage'> = {},
): AsyncGenerator<Record<string, unknown>> {
  const updatedFrom = window.updatedFrom === undefined ? undefined : new Date(window.updatedFrom).toISOString();
  const keyOf = (sale: Record<string, unknown>) => `${String(sale.id)}:${String(sale.status)}`;
  let previous = new Set<string>();
  for (const chunk of chunks(window.createdFrom, window.createdTo)) {
    const listed = new Set<string>();
    for await (const sale of api.listSales({ ...chunk, updatedFrom }, options)) {
      const key = keyOf(sale);
      listed.add(key);
      if (!previous.has(key)) yield sale;
    }
    previous = listed;
  }
}

/**
 * A subscription's sale may come without its plan in the list (the documented example has none):
 * the sale's full details are asked for once; with no plan there either — or when that call
 * fails (5xx, timeout) — the sale is taken as listed and the product's name stands in (the plan
 * map is matched by it): one sale Kiwify will not detail does not stop the run. The listed id and
 * status always win: they chose the event and its dedupe key.
 */
export async function withPlan(
  api: KiwifyApi,
  sale: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<{ sale: Record<string, unknown>; detailFailed: boolean }> {
  if (!isSubscriptionSale(sale) || apiPlanName(sale) || typeof sale.id !== 'string') return { sale, detailFailed: false };
  let detail: Record<string, unknown> | undefined;
  try {
    detail = await api.sale(sale.id, { signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    return { sale, detailFailed: true };
  }
  if (!detail || !apiPlanName(detail)) return { sale, detailFailed: false };
  return { sale: { ...sale, ...detail, id: sale.id, status: sale.status }, detailFailed: false };
}

/** What a window's reconciliation reads and writes: whether a sale is in the inbox, and the inbox's door. */
export interface WindowStore {
  events: Pick<EventQueries, 'byDedupeKey'>;
  inbox: Pick<Inbox, 'insert'>;
}

export interface ReconcileOptions {
  dryRun?: boolean;
  /** Told of each event queued (the job alerts support, the CLI prints). */
  onQueued?: (eventId: number, delivery: NewEvent) => Promise<void>;
  /** Ends the run at once with its reason (shutdown, deadline): checked between pages and during waits. */
  signal?: AbortSignal;
  /** Called after each page (the job renews its lease; throwing stops the run). */
  onPage?: () => Promise<void>;
  /**
   * Most sales one run queues (the reconciler's DEFAULT_MAX_RECOVERED): past it the run stops reading, with
   * `limitReached` (a list that pages for ever must not fill the inbox). Unset: no bound.
   */
  maxRecovered?: number;
}

/**
 * Asks Kiwify's API for the sales of a window and puts what the webhooks missed in the inbox —
 * the same inbox, with the same dedupe key (type + order id) as the webhook, so whichever comes
 * first wins and the other is a duplicate. Nothing the API returns is trusted more than a
 * webhook: each sale becomes the body Kiwify would have posted and goes through the same parser.
 */
export async function reconcileWindow(store: WindowStore, api: KiwifyApi, window: WindowQuery, options: ReconcileOptions = {}) {
  const report: ReconcileReport = {
    found: 0,
    already: 0,
    queued: 0,
    ignoredByStatus: {},
    invalid: {},
    queuedIds: [],
    detailsFailed: 0,
    limitReached: false,
  };
  const atLimit = () => options.maxRecovered !== undefined && report.queued >= options.maxRecovered;
  const { signal, onPage } = options;
  for await (const listed of salesOfWindows(api, window, { signal, onPage })) {
    if (atLimit()) {
      // Stopping here (not after the last one queued) tells a list that ended from one that goes on.
      report.limitReached = true;
      return report;
    }
    report.found += 1;
    const first = deliveryOfSale(listed);
    if (!first) {
      const status = typeof listed.status === 'string' ? listed.status.slice(0, 40) : 'sem status';
      report.ignoredByStatus[status] = (report.ignoredByStatus[status] ?? 0) + 1;
      continue;
    }
    if (first.ok && (await store.events.byDedupeKey(first.delivery.dedupeKey))) {
      report.already += 1;
      continue;
    }
    const full = await withPlan(api, listed, signal);
    if (full.detailFailed) report.detailsFailed += 1;
    // Parsed again only when the details changed the sale (its plan).
    const parsed = full.sale === listed ? first : (deliveryOfSale(full.sale) ?? first);
    if (!parsed.ok) {
      report.invalid[parsed.message] = (report.invalid[parsed.message] ?? 0) + 1;
      continue;
    }
    const d = parsed.delivery;
    if (options.dryRun) {
      report.queued += 1;
      continue;
    }
    const { id, duplicate } = await store.inbox.insert({ ...d, source: 'kiwify-api' });
    if (duplicate) {
      report.already += 1; // the webhook arrived meanwhile
      continue;
    }
    report.queued += 1;
    report.queuedIds.push(id);
    await options.onQueued?.(id, d);
  }
  return report;
}
