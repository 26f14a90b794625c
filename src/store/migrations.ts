import type { Migration } from 'kysely';
import type { ColumnTypes } from './column-types.js';
import {
  m001InboxAndAlerts,
  m002StepOrder,
  m003AdminSessions,
  m004HealthChecks,
  m005QueueHeads,
  m006PlansAndCauses,
} from './migrations-001-006.js';
import {
  m007CustomerSales,
  m008PersonalDataRetention,
  m009Reconciliation,
  m010SeenInteractions,
  m012WelcomeNotSent,
  m013Leases,
} from './migrations-007-013.js';
import { m014PlanIds, m015SalesOverTime, m016HealthPerInstance, m017ApprovalsByTime } from './migrations-014-on.js';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Versioned schema, applied at start-up by migrate.ts (Kysely's migrator, under an advisory lock
 * of our own on PostgreSQL), in the order of their names. Never edit a migration that has
 * shipped: add the next one (in the last migrations-NNN-NNN.ts file, or a new one).
 */
export function migrations(dialect: Dialect): Record<string, Migration> {
  const types: ColumnTypes = {
    idType: dialect === 'postgres' ? 'bigint' : 'integer',
    serialPrimaryKey: (col) =>
      dialect === 'postgres' ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement(),
  };
  return {
    '001_inbox_and_alerts': m001InboxAndAlerts(types),
    '002_step_order': m002StepOrder(types),
    '003_admin_sessions': m003AdminSessions(types),
    '004_health_checks': m004HealthChecks(types),
    '005_queue_heads': m005QueueHeads(types),
    '006_plans_and_causes': m006PlansAndCauses(types),
    '007_customer_sales': m007CustomerSales(types),
    '008_personal_data_retention': m008PersonalDataRetention(types),
    '009_reconciliation': m009Reconciliation(types),
    '010_seen_interactions': m010SeenInteractions(types),
    '012_welcome_not_sent': m012WelcomeNotSent(types),
    '013_leases': m013Leases(types),
    '014_plan_ids': m014PlanIds(types),
    '015_sales_over_time': m015SalesOverTime(types),
    '016_health_per_instance': m016HealthPerInstance(types),
    '017_approvals_by_time': m017ApprovalsByTime(types),
  };
}
