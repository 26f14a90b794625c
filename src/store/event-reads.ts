import { systemClock, type Clock } from '../timing/clock.js';
import { sql, type Kysely } from 'kysely';
import { isNotice } from '../domain/causes.js';
import { normalizeText } from '../domain/text.js';
import { ORDER_APPROVED, SALE_EVENT_TYPES } from '../domain/event-types.js';
import type { ListFilter, StoredEvent } from './rows.js';
import type { EventStatus, InboxEvent, NearbyApproval, SaleEvent } from '../domain/inbox-event.js';
import { EVENT_COLUMNS, fromEventRow, toInboxEvent } from './event-row.js';
import type { Database } from './schema.js';

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const PLAN_COLUMNS = ['plan_name', 'plan_id', 'product_id', 'product_name'] as const;
const SALE_COLUMNS = ['id', 'event_type', 'status', 'order_id', 'subscription_id', ...PLAN_COLUMNS] as const;
/**
 * Literals written as the partial indexes write them (migrations 007: events_customer_sales,
 * 014: events_sales_by_plan_keys), so both databases use those indexes.
 */
export const SALE_TYPES = sql<boolean>`event_type in (${sql.join(SALE_EVENT_TYPES.map((t) => sql.lit(t)))})`;
export const APPROVALS = sql<boolean>`event_type = ${sql.lit(ORDER_APPROVED)}`;
/** Most approvals `approvalsNear` gives (a buyer's purchases within a minute are a few). */
const NEARBY_MAX = 50;

/** What approvals said of their plan, and how many said it (the latest's id too). */
export type SalesOfPlanKeys = Pick<InboxEvent, 'planName' | 'planId' | 'productId' | 'productName'> & { sales: number; lastId: number };

/** A failure needing attention, with what its sale said of its plan. */
export type FailedEvent = Pick<InboxEvent, 'id' | 'planName' | 'planId' | 'productId' | 'productName' | 'lastErrorCode'>;

/** Reads of the inbox for people and flows: one event, lists and searches, counts, a customer's events. */
export class EventQueries {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock = systemClock,
  ) {}

  async get(eventId: number): Promise<InboxEvent | undefined> {
    const row = await this.db.selectFrom('events').select(EVENT_COLUMNS).where('id', '=', eventId).executeTakeFirst();
    return row && toInboxEvent(row);
  }

  /** One event and the order it carries (an event's page shows the buyer from it). */
  async getWithBody(eventId: number): Promise<StoredEvent | undefined> {
    const row = await this.db
      .selectFrom('events')
      .select([...EVENT_COLUMNS, 'body'])
      .where('id', '=', eventId)
      .executeTakeFirst();
    return row && { event: toInboxEvent(row), bodyText: row.body };
  }

  /** The event filed under a dedupe key (type + order id), if any: by its unique index. */
  async byDedupeKey(dedupeKey: string): Promise<Pick<InboxEvent, 'id' | 'status' | 'source'> | undefined> {
    return this.db.selectFrom('events').select(['id', 'status', 'source']).where('dedupe_key', '=', dedupeKey).executeTakeFirst();
  }

  /** Events newest first, without their bodies (a list never reads them). */
  async list(filter: ListFilter = {}): Promise<InboxEvent[]> {
    let query = this.db
      .selectFrom('events')
      .select(EVENT_COLUMNS)
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(filter.limit ?? 50, 1), 500));
    if (filter.status) query = query.where('status', '=', filter.status);
    // A cause filters the failures (a finished event may still carry the code of an old error),
    // or, for a notice (a welcome not sent), the sales done that carry it.
    if (filter.cause) {
      const status = filter.status ?? (isNotice(filter.cause) ? 'done' : 'failed');
      query = query.where('last_error_code', '=', filter.cause).where('status', '=', status);
    }
    if (filter.before) query = query.where('id', '<', filter.before);
    const q = filter.q ? normalizeText(filter.q) : '';
    if (q) query = query.where(sql<boolean>`search_text like ${`%${escapeLike(q)}%`} escape '\\'`);
    return (await query.execute()).map(toInboxEvent);
  }

  /**
   * How many sales (approvals) each plan or product had, by what they said of it (names as Kiwify
   * spelled them, and ids), with the latest of them: from the partial index events_sales_by_plan_keys
   * alone. One row per spelling, so a handful per plan, whatever the history's size.
   */
  async salesByPlanKeys(): Promise<Array<SalesOfPlanKeys>> {
    const rows = await this.db
      .selectFrom('events')
      .select([...PLAN_COLUMNS, (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max('id').as('last_id')])
      .where(APPROVALS)
      .groupBy([...PLAN_COLUMNS])
      .execute();
    return rows.map(({ n, last_id, ...keys }) => ({ ...fromEventRow(keys), sales: Number(n), lastId: Number(last_id) }));
  }

  /** Failures needing attention, by cause (the code of their last error). */
  async failuresByCause(): Promise<Array<{ code: string | null; count: number }>> {
    const rows = await this.db
      .selectFrom('events')
      .select(['last_error_code', (eb) => eb.fn.countAll<number>().as('n')])
      .where(sql<boolean>`status = 'failed'`)
      .groupBy('last_error_code')
      .execute();
    return rows.map((r) => ({ code: r.last_error_code, count: Number(r.n) }));
  }

  /** Sales done that still need a person (a welcome not sent), by cause: from the partial index events_done_notice. */
  async noticesByCause(): Promise<Array<{ code: string; count: number }>> {
    const rows = await this.db
      .selectFrom('events')
      .select(['last_error_code', (eb) => eb.fn.countAll<number>().as('n')])
      .where(sql<boolean>`status = 'done'`)
      .where('last_error_code', 'is not', null)
      .groupBy('last_error_code')
      .execute();
    return rows.map((r) => ({ code: r.last_error_code!, count: Number(r.n) }));
  }

  /** Failed events (of one cause, when given), with what they said of their plan: the failures needing attention. */
  async failedOfCause(code?: string): Promise<FailedEvent[]> {
    const rows = await this.db
      .selectFrom('events')
      .select(['id', ...PLAN_COLUMNS, 'last_error_code'])
      .where(sql<boolean>`status = 'failed'`)
      .$if(code !== undefined, (qb) => qb.where('last_error_code', '=', code!))
      .orderBy('id')
      .execute();
    return rows.map(fromEventRow);
  }

  async countByStatus(): Promise<Record<EventStatus, number>> {
    const rows = await this.db
      .selectFrom('events')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    const counts = { pending: 0, processing: 0, retrying: 0, done: 0, ignored: 0, failed: 0, resolved: 0 };
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  /**
   * How long the oldest work that could run has waited for a worker (0 when none): the queue's
   * heads that are due — events blocked behind a running one of their customer are not late.
   */
  async oldestDueWaitMs(): Promise<number> {
    const now = this.clock();
    const row = await this.db
      .selectFrom('queue_heads')
      .select((eb) => eb.fn.min('run_at').as('oldest'))
      .where('run_at', '<=', now)
      .executeTakeFirst();
    const oldest = row?.oldest == null ? null : Number(row.oldest);
    return oldest === null ? 0 : now - oldest;
  }

  /**
   * One customer's sale events (approvals, refunds, chargebacks, ends of access), oldest first:
   * what the refund rule weighs. Read from the partial index events_customer_sales, so a
   * customer's billets and pix never count.
   */
  async salesOf(customerKeys: string[]): Promise<SaleEvent[]> {
    const rows = await this.db
      .selectFrom('events')
      .select(SALE_COLUMNS)
      .where('customer_key', 'in', customerKeys)
      .where(SALE_TYPES)
      .orderBy('id')
      .execute();
    return rows.map(fromEventRow);
  }

  /**
   * The sale events whose sale (subscription, else order: `saleKeyOf`) is one of `keys`: what an
   * approval checks (a renewal? its order refunded already?) — by the index
   * events_customer_sale_key, whatever the size of the customer's history.
   */
  async saleEvents(customerKeys: string[], keys: string[]): Promise<SaleEvent[]> {
    if (keys.length === 0) return [];
    const rows = await this.db
      .selectFrom('events')
      .select(SALE_COLUMNS)
      .where('customer_key', 'in', customerKeys)
      .where(sql<string>`coalesce(subscription_id, order_id)`, 'in', keys)
      .where(SALE_TYPES)
      .orderBy('id')
      .execute();
    return rows.map(fromEventRow);
  }

  /**
   * One customer's approvals received between `from` and `to` (ms), or of one of `orderIds`:
   * the approvals that read as one purchase with another (an order bump and its main order).
   * The window by the index events_customer_approvals_at, the orders by their dedupe keys: a few
   * index entries whatever the customer's history (a scan of it cost a long one 46 ms a sale).
   */
  async approvalsNear(customerKeys: string[], from: number, to: number, orderIds: string[] = []): Promise<NearbyApproval[]> {
    const approvals = () =>
      this.db
        .selectFrom('events')
        .select([...SALE_COLUMNS, 'order_ref', 'received_at'])
        .where('customer_key', 'in', customerKeys)
        .where(APPROVALS);
    const [near, named] = await Promise.all([
      approvals().where('received_at', '>=', from).where('received_at', '<=', to).orderBy('received_at').limit(NEARBY_MAX).execute(),
      orderIds.length === 0
        ? []
        : approvals()
            .where(
              'dedupe_key',
              'in',
              orderIds.map((id) => `${ORDER_APPROVED}:${id}`),
            )
            .execute(),
    ]);
    const byId = new Map([...near, ...named].map((row) => [row.id, row]));
    return [...byId.values()]
      .sort((a, b) => a.id - b.id)
      .slice(0, NEARBY_MAX)
      .map(fromEventRow);
  }
}
