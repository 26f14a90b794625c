import type { UpstreamObserver } from '../clients/upstream-http.js';

/**
 * What the server tells the metrics as it works. The webhook, the worker, the alert dispatcher
 * and (through `UpstreamObserver`) the clients call it; `registry.ts` turns it into Prometheus
 * counters and histograms. Arguments are raw (an event type as received, a channel name): the
 * recorder maps them onto bounded label sets, so no caller can grow a metric without limit.
 * Nothing personal ever reaches it: no order id, no plan, no customer.
 */
export interface MetricsRecorder extends UpstreamObserver {
  /** A webhook delivery was answered; `eventType` is undefined when the body was never parsed. */
  webhookDelivery(eventType: string | undefined, outcome: DeliveryOutcome, seconds: number): void;
  /** A handler run began (a first attempt or a retry). */
  eventAttempt(eventType: string): void;
  /** A run failed and the event was scheduled to run again. */
  eventRetry(eventType: string): void;
  /** An event reached a final status (ignored at intake, or in the worker). */
  eventFinished(eventType: string, status: FinalStatus): void;
  /** Alerts that went out on a channel (several may travel merged in one message). */
  alertsSent(channel: string, count: number): void;
  /** One send to a channel failed (its alerts wait for the next try, or are dropped). */
  alertSendFailed(channel: string): void;
  /** Alerts that will never reach a channel. */
  alertsDropped(channel: string, count: number, reason: AlertDropReason): void;
}

/**
 * How a webhook delivery was answered: stored (`accepted`), a redelivery (`duplicate`), refused
 * for its signature (401) or its content (400, 413, 415), held back (429) or not stored (5xx).
 */
export type DeliveryOutcome = 'accepted' | 'duplicate' | 'rejected_signature' | 'rejected_body' | 'throttled' | 'error';

/** The statuses the server ends an event in (`resolved` is a person's doing on the admin page, not counted here). */
export type FinalStatus = 'done' | 'ignored' | 'failed';

/** Why alerts were dropped: never written to the outbox, refused by the channel for good, out of attempts. */
export type AlertDropReason = 'not_queued' | 'refused' | 'exhausted';

/** The recorder of an app or worker built without metrics. */
export const NO_METRICS: MetricsRecorder = {
  webhookDelivery: () => {},
  eventAttempt: () => {},
  eventRetry: () => {},
  eventFinished: () => {},
  upstreamCall: () => {},
  alertsSent: () => {},
  alertSendFailed: () => {},
  alertsDropped: () => {},
};
