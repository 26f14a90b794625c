import type { KiwifyApi, SalesQuery } from '../clients/kiwify.js';
import { apiPlanName, deliveryOfSale, isSubscriptionSale } from '../kiwify/api-sale.js';
import type { Delivery } from '../kiwify/payload.js';
import type { Store } from '../store/index.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Kiwify answers at most 90 days between start_date and end_date (unverified: one day of margin). */
export const MAX_WINDOW_DAYS = 89;

export interface WindowQuery {
  /** Sales created in [createdFrom, createdTo] (ms), asked in chunks of at most 89 days. */
  createdFrom: number;
  createdTo: number;
  /** And updated in [updatedFrom, updatedTo] (ms), when given. */
  updatedFrom?: number;
  updatedTo?: number;
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
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** [from, to] cut in chunks of at most MAX_WINDOW_DAYS days (as `YYYY-MM-DD` dates, inclusive). */
export function chunks(from: number, to: number): Array<{ startDate: string; endDate: string }> {
  const out: Array<{ startDate: string; endDate: string }> = [];
  let start = Date.parse(`${day(from)}T00:00:00Z`);
  const last = Date.parse(`${day(to)}T00:00:00Z`);
  while (start <= last) {
    const end = Math.min(start + (MAX_WINDOW_DAYS - 1) * DAY_MS, last);
    out.push({ startDate: day(start), endDate: day(end) });
    start = end + DAY_MS;
  }
  return out;
}

/**
 * A subscription's sale may come without its plan in the list (the documented example has none):
 * the sale's full details are asked for once; with no plan there either, the product's name
 * stands in (the plan map is matched by it).
 */
async function withPlan(api: KiwifyApi, sale: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (!isSubscriptionSale(sale) || apiPlanName(sale) || typeof sale.id !== 'string') return sale;
  const detail = await api.sale(sale.id);
  return detail && apiPlanName(detail) ? { ...sale, ...detail } : sale;
}

export interface ReconcileOptions {
  dryRun?: boolean;
  /** Told of each event queued (the job alerts support, the CLI prints). */
  onQueued?: (eventId: number, delivery: Delivery) => Promise<void>;
}

/**
 * Asks Kiwify's API for the sales of a window and puts what the webhooks missed in the inbox —
 * the same inbox, with the same dedupe key (type + order id) as the webhook, so whichever comes
 * first wins and the other is a duplicate. Nothing the API returns is trusted more than a
 * webhook: each sale becomes the body Kiwify would have posted and goes through the same parser.
 */
export async function reconcileWindow(store: Store, api: KiwifyApi, window: WindowQuery, options: ReconcileOptions = {}) {
  const report: ReconcileReport = { found: 0, already: 0, queued: 0, ignoredByStatus: {}, invalid: {}, queuedIds: [] };
  const updated: Pick<SalesQuery, 'updatedFrom' | 'updatedTo'> = {
    updatedFrom: window.updatedFrom === undefined ? undefined : new Date(window.updatedFrom).toISOString(),
    updatedTo: window.updatedTo === undefined ? undefined : new Date(window.updatedTo).toISOString(),
  };
  for (const chunk of chunks(window.createdFrom, window.createdTo)) {
    for await (const listed of api.listSales({ ...chunk, ...updated })) {
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
      const parsed = deliveryOfSale(await withPlan(api, listed)) ?? first;
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
  }
  return report;
}
