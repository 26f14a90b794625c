/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the schema as it was then, not as
   Database describes it now: Kysely's own guidance is Kysely<any> in migrations. */
import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Versioned schema, applied at start-up by migrate.ts (Kysely's migrator, under an advisory lock
 * of our own on PostgreSQL). Never edit a migration that has shipped: add the next one.
 */
export function migrations(dialect: Dialect): Record<string, Migration> {
  const idType = dialect === 'postgres' ? 'bigint' : 'integer';
  const serialPrimaryKey = (col: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement();
  return {
    '001_inbox_and_alerts': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('events')
          .addColumn('id', idType, serialPrimaryKey)
          .addColumn('dedupe_key', 'text', (col) => col.notNull().unique())
          .addColumn('event_type', 'text', (col) => col.notNull())
          .addColumn('customer_key', 'text', (col) => col.notNull())
          .addColumn('order_id', 'text')
          .addColumn('order_ref', 'text')
          .addColumn('subscription_id', 'text')
          .addColumn('plan_name', 'text')
          .addColumn('customer_name', 'text')
          .addColumn('customer_email', 'text')
          .addColumn('search_text', 'text', (col) => col.notNull())
          .addColumn('body', 'text', (col) => col.notNull())
          .addColumn('status', 'text', (col) => col.notNull())
          .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('available_at', 'bigint', (col) => col.notNull())
          .addColumn('next_run_at', 'bigint', (col) => col.notNull())
          .addColumn('lease_owner', 'text')
          .addColumn('lease_until', 'bigint')
          .addColumn('last_error', 'text')
          .addColumn('outcome', 'text')
          .addColumn('parent_id', idType)
          .addColumn('received_at', 'bigint', (col) => col.notNull())
          .addColumn('updated_at', 'bigint', (col) => col.notNull())
          .addColumn('finished_at', 'bigint')
          .execute();
        await db.schema.createIndex('events_due').on('events').columns(['status', 'next_run_at']).execute();
        await db.schema.createIndex('events_customer').on('events').columns(['customer_key', 'id']).execute();

        await db.schema
          .createTable('event_steps')
          .addColumn('event_id', idType, (col) => col.notNull().references('events.id').onDelete('cascade'))
          .addColumn('step', 'text', (col) => col.notNull())
          .addColumn('result', 'text', (col) => col.notNull())
          .addColumn('done_at', 'bigint', (col) => col.notNull())
          .addPrimaryKeyConstraint('event_steps_pk', ['event_id', 'step'])
          .execute();

        await db.schema
          .createTable('event_history')
          .addColumn('id', idType, serialPrimaryKey)
          .addColumn('event_id', idType, (col) => col.notNull().references('events.id').onDelete('cascade'))
          .addColumn('at', 'bigint', (col) => col.notNull())
          .addColumn('kind', 'text', (col) => col.notNull())
          .addColumn('message', 'text', (col) => col.notNull())
          .execute();
        await db.schema.createIndex('event_history_event').on('event_history').columns(['event_id', 'id']).execute();

        await db.schema
          .createTable('alerts')
          .addColumn('id', idType, serialPrimaryKey)
          .addColumn('channel', 'text', (col) => col.notNull())
          .addColumn('dedupe_key', 'text', (col) => col.unique())
          .addColumn('event_id', idType)
          .addColumn('text', 'text', (col) => col.notNull())
          .addColumn('status', 'text', (col) => col.notNull())
          .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'bigint', (col) => col.notNull())
          .addColumn('created_at', 'bigint', (col) => col.notNull())
          .addColumn('sent_at', 'bigint')
          .addColumn('last_error', 'text')
          .execute();
        await db.schema.createIndex('alerts_due').on('alerts').columns(['channel', 'status', 'next_attempt_at']).execute();

        await db.schema
          .createTable('alert_channels')
          .addColumn('channel', 'text', (col) => col.primaryKey())
          .addColumn('next_send_at', 'bigint', (col) => col.notNull())
          .addColumn('lease_owner', 'text')
          .addColumn('lease_until', 'bigint')
          .addColumn('last_ok_at', 'bigint')
          .addColumn('last_error_at', 'bigint')
          .addColumn('last_error', 'text')
          .execute();
      },
    },
    '002_step_order': {
      // Steps done within one millisecond came back in name order; `seq` keeps the order they ran in.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('event_steps').addColumn('seq', 'integer').execute();
        await sql`
          update event_steps set seq = (
            select count(*) from event_steps earlier
            where earlier.event_id = event_steps.event_id
              and (earlier.done_at < event_steps.done_at
                   or (earlier.done_at = event_steps.done_at and earlier.step <= event_steps.step))
          )`.execute(db);
      },
    },
    '003_admin_sessions': {
      // Sessions live in the database so "Sair" ends them for good, on every instance.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('admin_sessions')
          .addColumn('id_hash', 'text', (col) => col.primaryKey())
          .addColumn('created_at', 'bigint', (col) => col.notNull())
          .addColumn('expires_at', 'bigint', (col) => col.notNull())
          .execute();
      },
    },
    '004_health_checks': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('health_checks')
          .addColumn('name', 'text', (col) => col.primaryKey())
          .addColumn('status', 'text', (col) => col.notNull())
          .addColumn('since', 'bigint', (col) => col.notNull())
          .addColumn('checked_at', 'bigint', (col) => col.notNull())
          .addColumn('detail', 'text')
          .execute();
      },
    },
    '005_queue_heads': {
      // Claims read one row per customer (queue_heads) instead of walking the events table, and
      // the lookups that keep those rows right only touch open events (partial indexes).
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('queue_heads')
          .addColumn('customer_key', 'text', (col) => col.primaryKey())
          .addColumn('event_id', idType, (col) => col.notNull())
          .addColumn('run_at', 'bigint', (col) => col.notNull())
          .execute();
        await db.schema.createIndex('queue_heads_due').on('queue_heads').columns(['run_at', 'event_id']).execute();
        // Every lookup by status now has a partial index of its own; a general one on status would
        // tempt SQLite's planner away from them (a waiting backlog walked on every claim).
        await db.schema.dropIndex('events_due').execute();
        await sql`create index events_waiting_customer on events (customer_key, id) where status in ('pending', 'retrying')`.execute(db);
        await sql`create index events_processing on events (customer_key) where status = 'processing'`.execute(db);
        await sql`create index events_scheduled on events (available_at) where status in ('pending', 'retrying') and available_at > received_at`.execute(
          db,
        );
        // The heads of an inbox that was already running: its running events, else each customer's
        // earliest waiting one (scheduled ones join when due, as at run time).
        await sql`insert into queue_heads (customer_key, event_id, run_at)
          select customer_key, min(id), 0 from events where status = 'processing' group by customer_key`.execute(db);
        await sql`insert into queue_heads (customer_key, event_id, run_at)
          select customer_key, min(id), 0 from events
          where status in ('pending', 'retrying') and available_at <= received_at group by customer_key
          on conflict (customer_key) do nothing`.execute(db);
        await sql`update queue_heads set run_at = (
          select case when e.status = 'processing' then coalesce(e.lease_until, 0) else e.next_run_at end
          from events e where e.id = queue_heads.event_id)`.execute(db);
      },
    },
    '006_plans_and_causes': {
      // The plan map moves into the database (edited from the admin page); events remember the
      // code of their last error (their cause, for support) and how many times they ran.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('plans')
          .addColumn('name_key', 'text', (col) => col.primaryKey())
          .addColumn('name', 'text', (col) => col.notNull())
          .addColumn('courses', 'text', (col) => col.notNull())
          .addColumn('whatsapp_group', 'text')
          .addColumn('updated_at', 'bigint', (col) => col.notNull())
          .execute();
        await db.schema
          .createTable('plan_changes')
          .addColumn('id', idType, serialPrimaryKey)
          .addColumn('at', 'bigint', (col) => col.notNull())
          .addColumn('name', 'text', (col) => col.notNull())
          .addColumn('action', 'text', (col) => col.notNull())
          .addColumn('plan', 'text')
          .addColumn('via', 'text', (col) => col.notNull())
          .execute();
        await db.schema.alterTable('events').addColumn('last_error_code', 'text').execute();
        await db.schema
          .alterTable('events')
          .addColumn('runs', 'integer', (col) => col.notNull().defaultTo(0))
          .execute();
        await sql`update events set runs = attempts`.execute(db);
        await sql`create index events_failed_cause on events (last_error_code) where status = 'failed'`.execute(db);
        // The plans page counts sales per name from the index alone, not the events' bodies.
        await sql`create index events_sales_by_plan on events (plan_name) where event_type = 'order_approved'`.execute(db);
      },
    },
    '007_customer_sales': {
      async up(db) {
        // What the sale rules read of a customer: only sale events (never billets, pix, carts),
        // and one sale's events by its key — bounded by the sale, not the customer's history.
        // Written out as the queries write it (rows.ts SALE_EVENT_TYPES), for SQLite to match it.
        const sales = `event_type in ('order_approved', 'order_refunded', 'chargeback', 'revoke_access')`;
        await sql`create index events_customer_sales on events (customer_key, id) where ${sql.raw(sales)}`.execute(db);
        await sql`create index events_customer_sale_key on events (customer_key, (coalesce(subscription_id, order_id))) where ${sql.raw(sales)}`.execute(
          db,
        );
      },
    },
    '008_personal_data_retention': {
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
    },
    '009_reconciliation': {
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
    },
    '010_seen_interactions': {
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
    },
    '012_welcome_not_sent': {
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
    },
  };
}
