import type { Selectable } from 'kysely';
import type { InboxEvent } from '../domain/inbox-event.js';
import type { EventsTable } from './schema.js';

/**
 * The inbox's rows and the one mapping from them to what the rest of the server sees
 * (InboxEvent, camelCase). Row types never leave src/store.
 */

export type EventRow = Selectable<EventsTable>;

/** A row's column name in camelCase: `last_error_code` → `lastErrorCode`. */
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;
/** A row (or a pick of its columns) with its columns in camelCase. */
export type Camelized<R> = { [K in keyof R & string as CamelCase<K>]: R[K] };

/** The columns an InboxEvent is read from: all but the body (read only where it is used), the search text and the lease. */
export const EVENT_COLUMNS = [
  'id',
  'event_type',
  'dedupe_key',
  'customer_key',
  'order_id',
  'order_ref',
  'subscription_id',
  'plan_name',
  'plan_id',
  'product_id',
  'product_name',
  'customer_name',
  'customer_email',
  'status',
  'attempts',
  'runs',
  'available_at',
  'next_run_at',
  'last_error',
  'last_error_code',
  'outcome',
  'parent_id',
  'received_at',
  'updated_at',
  'finished_at',
  'personal_data_removed_at',
  'source',
  'access_until',
] as const satisfies ReadonlyArray<keyof EventRow>;

type EventColumns = Pick<EventRow, (typeof EVENT_COLUMNS)[number]>;

/** Compile-time proof that InboxEvent is exactly those columns, camelCased (a new column must be added to both). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: Same<Camelized<EventColumns>, InboxEvent> = true;
void sameShape;

const camel = (column: string) => column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * The one mapping from the inbox's rows to the server's events: every store read that returns
 * events (or some of their fields) goes through it.
 */
export function fromEventRow<R extends Partial<EventRow>>(row: R): Camelized<R> {
  const event: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) event[camel(column)] = value;
  return event as Camelized<R>;
}

/** A whole InboxEvent from a row read with EVENT_COLUMNS (or all of them: the rest is left out). */
export function toInboxEvent(row: EventColumns): InboxEvent {
  const picked: Partial<EventColumns> = {};
  for (const column of EVENT_COLUMNS) (picked as Record<string, unknown>)[column] = row[column];
  return fromEventRow(picked as EventColumns);
}
