import { ALERT_INTERVAL_MS } from '../alerts/dispatcher.js';
import { UPSTREAM_TIMEOUT_MS } from '../clients/upstream-http.js';
import { FAILING_INTERVAL_MS, HEALTHY_INTERVAL_MS } from '../health/connection-checks.js';
import { REQUEST_TIMEOUT_MS } from '../http/http-server.js';
import { INTERVAL_MS as RECONCILE_INTERVAL_MS } from '../reconciliation/reconciler.js';
import { LEASE_MS, MAX_ATTEMPTS, POLL_INTERVAL_MS, RETRY_BASE_MS, RETRY_MAX_MS } from '../worker/timings.js';

/**
 * The runtime's timings. Each is a constant of the module that uses it, explained there: no
 * school or operator has a reason to change them, so they are not configuration. Tools and tests
 * that run the whole server and cannot wait production's pace (the demo, the drill, the bench,
 * flow tests) pass other values here, explicitly: `createRuntime(config, { tuning })`.
 */
export interface Tuning {
  /** Attempts before an event ends failed (worker.ts MAX_ATTEMPTS). */
  maxAttempts: number;
  /** The first retry's wait, doubling per attempt (RETRY_BASE_MS). */
  retryBaseMs: number;
  /** The longest wait between attempts (RETRY_MAX_MS). */
  retryMaxMs: number;
  /** How long a claimed event is a worker's, renewed while it runs (LEASE_MS). */
  leaseMs: number;
  /** How often the worker looks for due events unwoken (POLL_INTERVAL_MS). */
  pollMs: number;
  /** How long a stop waits for running steps (SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs: number;
  /** Every outbound call's deadline (upstream-http.ts UPSTREAM_TIMEOUT_MS). */
  upstreamTimeoutMs: number;
  /** A whole request must arrive within this (http-server.ts REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** At most one alert message per channel this often (dispatcher.ts ALERT_INTERVAL_MS). */
  alertIntervalMs: number;
  /** Between connection checks while all answer, and while one fails (connection-checks.ts). */
  checkIntervalMs: number;
  recheckIntervalMs: number;
  /** Between reconciliation runs (reconciler.ts INTERVAL_MS). */
  reconcileIntervalMs: number;
}

/** How long a stop waits for running steps: within Render's 30 s between SIGTERM and SIGKILL. */
export const SHUTDOWN_TIMEOUT_MS = 20_000;

/** The modules' own values: what production runs with. */
export const PRODUCTION_TUNING: Readonly<Tuning> = {
  maxAttempts: MAX_ATTEMPTS,
  retryBaseMs: RETRY_BASE_MS,
  retryMaxMs: RETRY_MAX_MS,
  leaseMs: LEASE_MS,
  pollMs: POLL_INTERVAL_MS,
  shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
  upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
  requestTimeoutMs: REQUEST_TIMEOUT_MS,
  alertIntervalMs: ALERT_INTERVAL_MS,
  checkIntervalMs: HEALTHY_INTERVAL_MS,
  recheckIntervalMs: FAILING_INTERVAL_MS,
  reconcileIntervalMs: RECONCILE_INTERVAL_MS,
};
