import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { UpstreamCall } from '../clients/upstream-http.js';
import { channelLabel, EventTypeLabels, operationLabel, systemLabel } from './metric-labels.js';
import type { AlertDropReason, DeliveryOutcome, FinalStatus, MetricsRecorder } from './metrics-recorder.js';
import { registerStoreGauges, type GaugeReads } from './store-gauges.js';

/**
 * The metrics of one app: its own registry (never prom-client's global one, so a process may
 * hold several apps — the tests do), the counters and histograms of what this instance saw, the
 * store's gauges read at scrape time, and the process's default metrics.
 */
export interface Metrics {
  registry: Registry;
  /** What the webhook, the worker, the alerts and the clients call. */
  recorder: MetricsRecorder;
  /** Event types some handler acts on (beside Kiwify's): each gets its own `type` label. */
  addEventTypes(types: Iterable<string>): void;
  /** The Prometheus text of a scrape. */
  render(): Promise<{ contentType: string; text: string }>;
}

export interface MetricsOptions {
  /** Its gauges (events by status, oldest waiting event, alerts waiting, failures) are read at each scrape. */
  store?: GaugeReads;
  /** Shown as `bridge_build_info{version}`. */
  version?: string;
  /** prom-client's process metrics (CPU, memory, event loop, GC). Default true. */
  processMetrics?: boolean;
}

/** Answers the webhook gives: from a millisecond to Kiwify's ~5 s patience. */
const ACK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Upstream calls: tens of milliseconds to UPSTREAM_TIMEOUT_MS (15 s). */
const UPSTREAM_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

let processRegistry: Registry | undefined;

/**
 * Process metrics describe the process, not an app: collected once per process into a registry
 * of their own (each collection starts an event-loop monitor that is never stopped), then shared
 * by every app's registry.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

type Registers = Registry[];

/** Deliveries answered and runs of events, by event type (a bounded label: EventTypeLabels). */
function eventMetrics(
  registers: Registers,
  types: EventTypeLabels,
): Pick<MetricsRecorder, 'webhookDelivery' | 'eventAttempt' | 'eventRetry' | 'eventFinished'> {
  const deliveries = new Counter({
    name: 'bridge_webhook_deliveries_total',
    help: 'Webhook deliveries answered by this instance, by event type and outcome.',
    labelNames: ['type', 'outcome'] as const,
    registers,
  });
  const ackDuration = new Histogram({
    name: 'bridge_webhook_ack_duration_seconds',
    help: 'Time from the start of a webhook request to its answer, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: ACK_BUCKETS,
    registers,
  });
  const attempts = new Counter({
    name: 'bridge_event_attempts_total',
    help: 'Handler runs started by this instance (first attempts and retries), by event type.',
    labelNames: ['type'] as const,
    registers,
  });
  const retries = new Counter({
    name: 'bridge_event_retries_total',
    help: 'Runs that failed with a transient error and were scheduled again, by event type.',
    labelNames: ['type'] as const,
    registers,
  });
  const finished = new Counter({
    name: 'bridge_events_finished_total',
    help: 'Events this instance saw reach a final status (done, ignored, failed), by event type.',
    labelNames: ['type', 'status'] as const,
    registers,
  });
  return {
    webhookDelivery(eventType: string | undefined, outcome: DeliveryOutcome, seconds: number) {
      deliveries.inc({ type: types.of(eventType), outcome });
      ackDuration.observe({ outcome }, seconds);
    },
    eventAttempt(eventType: string) {
      attempts.inc({ type: types.of(eventType) });
    },
    eventRetry(eventType: string) {
      retries.inc({ type: types.of(eventType) });
    },
    eventFinished(eventType: string, status: FinalStatus) {
      finished.inc({ type: types.of(eventType), status });
    },
  };
}

/** Calls to external systems, by system and operation. */
function upstreamMetrics(registers: Registers): Pick<MetricsRecorder, 'upstreamCall'> {
  const upstreamCalls = new Counter({
    name: 'bridge_upstream_requests_total',
    help: 'Calls to external systems (HTTP; SMTP for mail), by system, operation and outcome (ok, http_4xx, http_5xx, smtp_4xx, smtp_5xx, timeout, network).',
    labelNames: ['system', 'operation', 'outcome'] as const,
    registers,
  });
  const upstreamDuration = new Histogram({
    name: 'bridge_upstream_request_duration_seconds',
    help: 'Duration of calls to external systems, by system and operation.',
    labelNames: ['system', 'operation'] as const,
    buckets: UPSTREAM_BUCKETS,
    registers,
  });
  return {
    upstreamCall(call: UpstreamCall) {
      const system = systemLabel(call.system);
      const operation = operationLabel(call.operation);
      upstreamCalls.inc({ system, operation, outcome: call.outcome });
      upstreamDuration.observe({ system, operation }, call.seconds);
    },
  };
}

/** Support alerts sent, failed and dropped, by channel. */
function alertMetrics(registers: Registers): Pick<MetricsRecorder, 'alertsSent' | 'alertSendFailed' | 'alertsDropped'> {
  const alertsSent = new Counter({
    name: 'bridge_alerts_sent_total',
    help: 'Support alerts delivered, by channel (merged alerts count one each).',
    labelNames: ['channel'] as const,
    registers,
  });
  const alertFailures = new Counter({
    name: 'bridge_alert_send_failures_total',
    help: 'Failed sends to an alert channel (their alerts are tried again, or dropped).',
    labelNames: ['channel'] as const,
    registers,
  });
  const alertsDropped = new Counter({
    name: 'bridge_alerts_dropped_total',
    help: 'Support alerts that will never be delivered, by channel and reason (not_queued, refused, exhausted).',
    labelNames: ['channel', 'reason'] as const,
    registers,
  });
  return {
    alertsSent(channel: string, count: number) {
      alertsSent.inc({ channel: channelLabel(channel) }, count);
    },
    alertSendFailed(channel: string) {
      alertFailures.inc({ channel: channelLabel(channel) });
    },
    alertsDropped(channel: string, count: number, reason: AlertDropReason) {
      alertsDropped.inc({ channel: channelLabel(channel), reason }, count);
    },
  };
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const own = new Registry();
  const registers = [own];
  const types = new EventTypeLabels();
  const recorder: MetricsRecorder = {
    ...eventMetrics(registers, types),
    ...upstreamMetrics(registers),
    ...alertMetrics(registers),
  };
  const buildInfo = new Gauge({
    name: 'bridge_build_info',
    help: 'Always 1; the version of the running bridge.',
    labelNames: ['version'] as const,
    registers,
  });
  buildInfo.set({ version: options.version ?? 'unknown' }, 1);

  if (options.store) registerStoreGauges(own, options.store);
  // Last: merging copies the metrics registered so far.
  const registry = (options.processMetrics ?? true) ? Registry.merge([own, processMetrics()]) : own;

  return {
    registry,
    recorder,
    addEventTypes: (eventTypes) => types.add(eventTypes),
    render: async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
  };
}
