import type { Generated } from 'kysely';
import type { EventSource, EventStatus } from '../domain/inbox-event.js';

/** Table shapes shared by the SQLite and PostgreSQL stores. Times are epoch milliseconds. */

export interface EventsTable {
  id: Generated<number>;
  dedupe_key: string;
  event_type: string;
  customer_key: string;
  order_id: string | null;
  order_ref: string | null;
  subscription_id: string | null;
  plan_name: string | null;
  /** Kiwify's plan id (`Subscription.plan.id`), product id and product name, as received (014_plan_ids). */
  plan_id: string | null;
  product_id: string | null;
  product_name: string | null;
  customer_name: string | null;
  customer_email: string | null;
  /** Lower-case, accent-free text the admin search matches against. */
  search_text: string;
  /** The order object as received (JSON text). */
  body: string;
  status: EventStatus;
  attempts: number;
  /** When the event may first run: arrival, or a future time for scheduled work. */
  available_at: number;
  next_run_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  /** The code of the last error (FlowError.code: `unmapped_plan`, `invalid_cpf`, `http_503`…): its cause. */
  last_error_code: string | null;
  /** Times a worker ran it, ever (attempts start again at a retry by a person; this never does). */
  runs: Generated<number>;
  outcome: string | null;
  /** The event that scheduled this one, if any. */
  parent_id: number | null;
  received_at: number;
  updated_at: number;
  finished_at: number | null;
  /** When its personal data was removed (retention or erasure): the row keeps only what the rules need. */
  personal_data_removed_at: number | null;
  /** Where it came from: `webhook` (Kiwify's delivery) or `kiwify-api` (found by the reconciliation). */
  source: Generated<EventSource>;
  /** The access this event gave ends then (a plan's time-limited access, a free trial); null: no end known. */
  access_until: number | null;
}

/**
 * The reconciliation with Kiwify's API: its checkpoint (sales updated up to here were seen) and
 * its last run for people (one instance runs it at a time: the lease `reconciliation:kiwify`).
 * Its columns lease_owner and lease_until of before 013_leases stay in the table, unread.
 */
export interface ReconciliationTable {
  name: string;
  /** Sales updated before this time (ms) were all seen; null before the first run. */
  checkpoint: number | null;
  last_run_at: number | null;
  /** The update window of the last run (ms). */
  last_from: number | null;
  last_to: number | null;
  last_found: number | null;
  last_recovered: number | null;
  /** The last run's error, null when it went well. */
  last_error: string | null;
}

/** The journal: one row per completed step, so a retried event skips what already happened. */
export interface EventStepsTable {
  event_id: number;
  step: string;
  result: string;
  done_at: number;
  /** 1, 2, 3… in the order the event's steps were first done. */
  seq: number;
}

/** The story of an event, for people: attempts, errors, retries, manual actions. */
export interface EventHistoryTable {
  id: Generated<number>;
  event_id: number;
  at: number;
  kind: string;
  message: string;
}

export type AlertStatus = 'pending' | 'sent' | 'failed';

/** The alert outbox: one row per alert and channel. */
export interface AlertsTable {
  id: Generated<number>;
  channel: string;
  dedupe_key: string | null;
  event_id: number | null;
  text: string;
  status: AlertStatus;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
  sent_at: number | null;
  last_error: string | null;
}

/**
 * Per-channel pacing and how the last send went (one sender talks to a channel at a time: the
 * lease `alerts:<channel>`). Its columns lease_owner and lease_until of before 013_leases stay in
 * the table, unread.
 */
export interface AlertChannelsTable {
  channel: string;
  next_send_at: number;
  last_ok_at: number | null;
  last_error_at: number | null;
  last_error: string | null;
}

/** Admin page sessions: the cookie is a random value; only its keyed hash is stored. */
export interface AdminSessionsTable {
  id_hash: string;
  created_at: number;
  expires_at: number;
}

/** The last result of each connection check (EAD, ChatPro), shared by every instance. */
export interface HealthChecksTable {
  name: string;
  status: 'ok' | 'failing';
  /** When the current status began. */
  since: number;
  checked_at: number;
  detail: string | null;
}

/** One instance's last check of one system (health_checks holds the state they agree on). */
export interface HealthInstanceChecksTable {
  name: string;
  instance: string;
  status: 'ok' | 'failing';
  checked_at: number;
  detail: string | null;
}

/**
 * The queue's front: one row per customer with work that may run, naming the event that runs
 * next (its earliest open, available event — or the one running) and when it may (its next run,
 * or while it runs, the end of its lease). A claim reads only due rows of this table.
 */
export interface QueueHeadsTable {
  customer_key: string;
  event_id: number;
  run_at: number;
}

/** The plan map: which EAD courses each Kiwify plan (or product) gives. The source of truth. */
export interface PlansTable {
  /** The name as compared: lower case, no accents, single spaces (normalizeText). */
  name_key: string;
  /** The name as shown (as Kiwify sends it). */
  name: string;
  /** Course ids, JSON array of numbers. */
  courses: string;
  whatsapp_group: string | null;
  /** Kiwify's ids of this plan and its product: learned from the first sale matched by name, or set by support (014_plan_ids). */
  kiwify_plan_id: string | null;
  kiwify_product_id: string | null;
  /** Days of access a one-off plan gives (null: no limit). */
  access_days: number | null;
  updated_at: number;
}

/** Every change of the plan map: when, what, from where. */
export interface PlanChangesTable {
  id: Generated<number>;
  at: number;
  name: string;
  /** `learn`: the Kiwify ids learned from a sale (via: "da venda #N"). */
  action: 'set' | 'remove' | 'import' | 'learn';
  /** The plan after the change (JSON), null when removed. */
  plan: string | null;
  /** Who or what made it: "painel", "API", "linha de comando", "na primeira inicialização do servidor (PLANS_FILE)". */
  via: string;
}

/** An erasure on the holder's request (LGPD Art. 18): when, how much, who asked — never whose data. */
export interface ErasuresTable {
  id: Generated<number>;
  at: number;
  events: number;
  /** "painel", "API", "linha de comando". */
  via: string;
  /** Free text from support (a ticket number, say): never the CPF. */
  note: string | null;
}

/** The last run of each periodic job shared by every instance (the retention purge). */
export interface JobRunsTable {
  name: string;
  last_run_at: number;
  /** What the run did (e.g. events whose personal data it removed). */
  count: number;
}

/**
 * Signed Discord interactions already received (a hash of timestamp + body), until their
 * signature would be refused as stale anyway: a replay is refused on any instance, after restarts.
 */
export interface SeenInteractionsTable {
  key: string;
  expires_at: number;
}

/** Leases: one holder at a time of a shared piece of work (leases.ts). */
export interface LeasesTable {
  /** `alerts:<channel>`, `reconciliation:kiwify`, `job:<name>`. */
  name: string;
  owner: string;
  /** Until when it is held (epoch ms, in lease time: the database's on PostgreSQL). */
  until: number;
}

export interface Database {
  events: EventsTable;
  event_steps: EventStepsTable;
  event_history: EventHistoryTable;
  alerts: AlertsTable;
  alert_channels: AlertChannelsTable;
  admin_sessions: AdminSessionsTable;
  health_checks: HealthChecksTable;
  health_instance_checks: HealthInstanceChecksTable;
  queue_heads: QueueHeadsTable;
  plans: PlansTable;
  plan_changes: PlanChangesTable;
  erasures: ErasuresTable;
  job_runs: JobRunsTable;
  reconciliation: ReconciliationTable;
  seen_interactions: SeenInteractionsTable;
  leases: LeasesTable;
}
