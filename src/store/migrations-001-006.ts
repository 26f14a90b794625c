/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the schema as it was then, not as
   Database describes it now: Kysely's own guidance is Kysely<any> in migrations. */
import { sql, type Kysely, type Migration } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/** Migrations 001–006, as they shipped (never edit one: add the next). */

export function m001InboxAndAlerts({ idType, serialPrimaryKey }: ColumnTypes): Migration {
  return {
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
      await createAlertTables(db, { idType, serialPrimaryKey });
    },
  };
}

/** The alert outbox and its channels (part of 001). */
async function createAlertTables(db: Kysely<any>, { idType, serialPrimaryKey }: ColumnTypes): Promise<void> {
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
}

export function m002StepOrder(_types: ColumnTypes): Migration {
  return {
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
  };
}

export function m003AdminSessions(_types: ColumnTypes): Migration {
  return {
    // Sessions live in the database so "Sair" ends them for good, on every instance.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('admin_sessions')
        .addColumn('id_hash', 'text', (col) => col.primaryKey())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .execute();
    },
  };
}

export function m004HealthChecks(_types: ColumnTypes): Migration {
  return {
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
  };
}

export function m005QueueHeads({ idType }: ColumnTypes): Migration {
  return {
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
  };
}

export function m006PlansAndCauses({ idType, serialPrimaryKey }: ColumnTypes): Migration {
  return {
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
  };
}
