/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the schema as it was then, not as
   Database describes it now: Kysely's own guidance is Kysely<any> in migrations. */
import { sql, type Kysely, type Migration } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/** Migrations 007–013, as they shipped (never edit one: add the next). */

export function m007CustomerSales(_types: ColumnTypes): Migration {
  return {
    async up(db) {
      // What the sale rules read of a customer: only sale events (never billets, pix, carts),
      // and one sale's events by its key — bounded by the sale, not the customer's history.
      // Written out as the queries wrote it then (rebuilt with more types by 015).
      const sales = `event_type in ('order_approved', 'order_refunded', 'chargeback', 'revoke_access')`;
      await sql`create index events_customer_sales on events (customer_key, id) where ${sql.raw(sales)}`.execute(db);
      await sql`create index events_customer_sale_key on events (customer_key, (coalesce(subscription_id, order_id))) where ${sql.raw(sales)}`.execute(
        db,
      );
    },
  };
}

export function m008PersonalDataRetention({ idType, serialPrimaryKey }: ColumnTypes): Migration {
  return {
    // LGPD: finished events lose their personal data after RETENTION_DAYS, or at once on the
    // holder's request; the purge reads only rows it has not stripped yet, oldest first.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('events').addColumn('personal_data_removed_at', 'bigint').execute();
      await sql`create index events_retention on events (finished_at)
        where personal_data_removed_at is null and status in ('done', 'ignored', 'resolved')`.execute(db);
      await db.schema
        .createTable('erasures')
        .addColumn('id', idType, serialPrimaryKey)
        .addColumn('at', 'bigint', (col) => col.notNull())
        .addColumn('events', 'integer', (col) => col.notNull())
        .addColumn('via', 'text', (col) => col.notNull())
        .addColumn('note', 'text')
        .execute();
      await db.schema
        .createTable('job_runs')
        .addColumn('name', 'text', (col) => col.primaryKey())
        .addColumn('last_run_at', 'bigint', (col) => col.notNull())
        .addColumn('count', 'integer', (col) => col.notNull())
        .execute();
    },
  };
}

export function m009Reconciliation(_types: ColumnTypes): Migration {
  return {
    // Sales found by asking Kiwify's API (the webhook never came) go through the same inbox;
    // each event says where it came from. One row holds the reconciliation's checkpoint and lease.
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('events')
        .addColumn('source', 'text', (col) => col.notNull().defaultTo('webhook'))
        .execute();
      await db.schema
        .createTable('reconciliation')
        .addColumn('name', 'text', (col) => col.primaryKey())
        .addColumn('checkpoint', 'bigint')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'bigint')
        .addColumn('last_run_at', 'bigint')
        .addColumn('last_from', 'bigint')
        .addColumn('last_to', 'bigint')
        .addColumn('last_found', 'integer')
        .addColumn('last_recovered', 'integer')
        .addColumn('last_error', 'text')
        .execute();
    },
  };
}

export function m010SeenInteractions(_types: ColumnTypes): Migration {
  return {
    // The Discord console's replay guard, shared by instances and kept across restarts: one
    // row per signed interaction received, deleted once its signature would be stale anyway.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('seen_interactions')
        .addColumn('key', 'text', (col) => col.primaryKey())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('seen_interactions_expiry').on('seen_interactions').column('expires_at').execute();
    },
  };
}

export function m012WelcomeNotSent(_types: ColumnTypes): Migration {
  return {
    // A sale done whose welcome did not go out carries a cause of its own (its motivo, a filter
    // on the list), read through a partial index; sales of earlier releases are marked from
    // their journal (only those whose welcome can still be resent: personal data kept).
    async up(db: Kysely<any>) {
      await sql`create index events_done_notice on events (last_error_code) where status = 'done' and last_error_code is not null`.execute(
        db,
      );
      await sql`update events set last_error_code = 'welcome_not_sent', last_error = 'Boas-vindas não enviadas.'
        where status = 'done' and event_type = 'order_approved' and personal_data_removed_at is null
          and id in (select event_id from event_steps where step = 'welcome' and result like '%"sent":false%')`.execute(db);
    },
  };
}

export function m013Leases(_types: ColumnTypes): Migration {
  return {
    // Every singleton lease (an alert channel's sender, the reconciliation, singleton jobs) in
    // one table, taken and given back by one module (leases.ts). A lease lives seconds to
    // minutes: the table starts empty, and a run under way elsewhere is at worst run twice
    // (its writes are idempotent). The old columns alert_channels.lease_owner/lease_until and
    // reconciliation.lease_owner/lease_until stay, unread by this release: an older instance
    // still running during a deploy keeps working on them until it stops; a later release may
    // drop them.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('leases')
        .addColumn('name', 'text', (col) => col.primaryKey())
        .addColumn('owner', 'text', (col) => col.notNull())
        .addColumn('until', 'bigint', (col) => col.notNull())
        .execute();
    },
  };
}
