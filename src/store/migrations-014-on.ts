/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the schema as it was then, not as
   Database describes it now: Kysely's own guidance is Kysely<any> in migrations. */
import { sql, type Kysely, type Migration } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/** Migrations 014 and later (never edit one that shipped: add the next). */

/** The sale types as migration 015 wrote them (the registry's order; event-types.ts). */
const SALES_015 = `event_type in ('order_approved', 'order_refunded', 'chargeback', 'subscription_renewed', 'subscription_trial_started', 'subscription_trial_canceled', 'revoke_access', 'access_removed_by_support', 'access_restored_by_support')`;

export function m015SalesOverTime(_types: ColumnTypes): Migration {
  return {
    // More events start and end sales: renewals by `subscription_renewed`, free trials (their
    // start and cancel), support removing or giving back a sale's access. The partial indexes the
    // sale rules read are rebuilt with them, written as the queries write them (event-reads.ts
    // SALE_TYPES, from the registry), for SQLite to use them. And an event may give access for
    // a time (a plan's `accessDays`, a trial): when it ends, for the list and the event's page.
    async up(db: Kysely<any>) {
      await sql`drop index if exists events_customer_sales`.execute(db);
      await sql`drop index if exists events_customer_sale_key`.execute(db);
      await sql`create index events_customer_sales on events (customer_key, id) where ${sql.raw(SALES_015)}`.execute(db);
      await sql`create index events_customer_sale_key on events (customer_key, (coalesce(subscription_id, order_id))) where ${sql.raw(SALES_015)}`.execute(
        db,
      );
      await db.schema.alterTable('events').addColumn('access_until', 'bigint').execute();
    },
  };
}
