/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the schema as it was then, not as
   Database describes it now: Kysely's own guidance is Kysely<any> in migrations. */
import { sql, type Kysely, type Migration } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/** Migrations from 014 on, as they shipped (never edit one: add the next). */

/** A string field of a stored order, if it is one (a number written out). */
function field(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() || null;
  return typeof value === 'number' ? String(value) : null;
}

const child = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;

/** The plan columns of a stored order (bounded as intake bounds them), read once by the migration. */
function planColumnsOfBody(body: string) {
  let order: unknown;
  try {
    order = JSON.parse(body);
  } catch {
    return undefined;
  }
  const id = (value: unknown) => {
    const text = field(value);
    return text !== null && text.length <= 200 ? text : null;
  };
  return {
    plan_id: id(child(child(child(order, 'Subscription'), 'plan'), 'id')),
    product_id: id(child(child(order, 'Product'), 'product_id')),
    product_name: field(child(child(order, 'Product'), 'product_name'))?.slice(0, 300) ?? null,
  };
}

export function m014PlanIds(_types: ColumnTypes): Migration {
  return {
    // A plan renamed in Kiwify keeps its ids: the plan map keeps them (learned from the first
    // sale matched by name, or set by support) and how many days of access a one-off plan gives;
    // events keep the ids their sale came with, captured at intake (no query more on the ack
    // path). The plans page counts sales per plan from one partial index over those columns.
    // Sales waiting for a plan (failed as unmapped) get their ids from their order, so a plan
    // saved with the ids of a renamed one runs them again; older sales keep their names alone
    // (read as before: by name).
    async up(db: Kysely<any>) {
      await db.schema.alterTable('events').addColumn('plan_id', 'text').execute();
      await db.schema.alterTable('events').addColumn('product_id', 'text').execute();
      await db.schema.alterTable('events').addColumn('product_name', 'text').execute();
      await db.schema.dropIndex('events_sales_by_plan').execute();
      await sql`create index events_sales_by_plan_keys on events (plan_name, plan_id, product_id, product_name, id)
        where event_type = 'order_approved'`.execute(db);
      await db.schema.alterTable('plans').addColumn('kiwify_plan_id', 'text').execute();
      await db.schema.alterTable('plans').addColumn('kiwify_product_id', 'text').execute();
      await db.schema.alterTable('plans').addColumn('access_days', 'integer').execute();
      await db.schema.createIndex('plans_kiwify_plan_id').unique().on('plans').column('kiwify_plan_id').execute();
      await db.schema.createIndex('plans_kiwify_product_id').on('plans').column('kiwify_product_id').execute();
      const waiting = await sql<{ id: number; body: string }>`select id, body from events
        where status = 'failed' and last_error_code = 'unmapped_plan'`.execute(db);
      for (const row of waiting.rows) {
        const columns = planColumnsOfBody(row.body);
        if (columns) await db.updateTable('events').set(columns).where('id', '=', row.id).execute();
      }
    },
  };
}

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

export function m016HealthPerInstance(_types: ColumnTypes): Migration {
  return {
    // Each instance's own last check of each system (health_checks keeps the state all of them
    // agree on, which decides the alerts): an instance with a wrong key no longer flips the view
    // of the others. A few rows per instance; those of instances gone are ignored once stale.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('health_instance_checks')
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('instance', 'text', (col) => col.notNull())
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('checked_at', 'bigint', (col) => col.notNull())
        .addColumn('detail', 'text')
        .addPrimaryKeyConstraint('health_instance_checks_pk', ['name', 'instance'])
        .execute();
    },
  };
}

export function m017ApprovalsByTime(_types: ColumnTypes): Migration {
  return {
    // A buyer's approvals around a moment (an order bump read with its main order): found by
    // time within the buyer's approvals, not by reading all of them — a buyer with 90,000 events
    // cost every approval of theirs 46 ms, now a few index entries (event-reads.ts approvalsNear).
    async up(db: Kysely<any>) {
      await sql`create index events_customer_approvals_at on events (customer_key, received_at) where event_type = 'order_approved'`.execute(
        db,
      );
    },
  };
}
