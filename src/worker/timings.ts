/**
 * The worker's timings: constants, not configuration (no school has a reason to change them).
 * The runtime hands them to the worker (app/tuning.ts), where tools and tests that run the whole
 * server faster pass others explicitly.
 */

/** Attempts before an event ends `failed` (crashes count): with the waits below, about three hours of an upstream down. */
export const MAX_ATTEMPTS = 10;
/** The first retry's wait; doubling per attempt (±20 % jitter). */
export const RETRY_BASE_MS = 30_000;
/** The longest wait between two attempts. */
export const RETRY_MAX_MS = 60 * 60_000;
/**
 * How long a claimed event is this process's, renewed every third of it while it runs: a process
 * that dies frees its events within this (at once on a restart, or on PostgreSQL as soon as its
 * session is gone); far longer than a renewal can be late.
 */
export const LEASE_MS = 15_000;
/** How often due events are looked for when nothing woke the worker (deliveries and finished runs wake it). */
export const POLL_INTERVAL_MS = 1_000;
/**
 * PostgreSQL: how often each instance checks whether another one died holding events (its advisory
 * lock is free): a `kill -9` frees its work for the others within this. One indexed read while
 * nobody else holds events, plus one lock probe per other instance that does.
 */
export const DEAD_CHECK_MS = 400;
