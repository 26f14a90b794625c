import { readFileSync } from 'node:fs';
import { packageFile } from '../domain/package-root.js';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import { createApp } from './create-app.js';
import { createHttpServer, MAX_CONNECTIONS_PER_ADDRESS } from '../http/http-server.js';
import type { AlertChannel } from '../alerts/channels.js';
import { AlertDispatcher } from '../alerts/dispatcher.js';
import { AlertOutbox } from '../alerts/outbox.js';
import type { Config } from '../config/config.js';
import { createLogger, type Logger } from '../log/logger.js';
import { createMetrics, type Metrics } from '../metrics/metrics-registry.js';
import { openStores, type Stores } from './feature-stores.js';
import { EAD_BOUND_EVENTS } from './sale-handlers.js';
import {
  alertChannelsFromConfig,
  buildHandlers,
  clientsFromConfig,
  connectionChecksFor,
  panelUrlOf,
  discordConsoleFromConfig,
  kiwifyApiFromConfig,
  type HandlerServices,
} from './wiring.js';
import { Reconciler } from '../reconciliation/reconciler.js';
import { ConnectionChecks } from '../health/connection-checks.js';
import { SecretBox } from '../domain/secret-box.js';
import { CustomerKeys } from '../privacy/customer-keys.js';
import { IntakeActivity } from '../http/intake-activity.js';
import { CourseCatalog } from '../plans/course-catalog.js';
import { seedPlanMap } from '../plans/plan-admin.js';
import { systemClock, type Clock } from '../timing/clock.js';

/** HKDF purpose of the key that seals passwords in the journal. */
const JOURNAL_SECRETS = 'journal-secrets';
import type { HandlerRegistry } from '../worker/types.js';
import { Housekeeping } from '../privacy/housekeeping.js';
import { Worker } from '../worker/worker.js';

export const VERSION: string = (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;

export interface RuntimeOptions {
  /** Replaces the event handlers (tests plug in their own). Default: the sale flows. */
  handlers?: HandlerRegistry | ((services: HandlerServices) => HandlerRegistry);
  /** Replaces the alert channels built from the configuration. */
  alertChannels?: AlertChannel[];
  logDestination?: DestinationStream;
  /** Periodic EAD/ChatPro connection checks. Default: on with the sale flows, off with test handlers. */
  connectionChecks?: boolean;
  /** The time everything reads (default: the system's). */
  clock?: Clock;
  /** The reconciliation with Kiwify's API (needs its credentials). Default: on with the sale flows, off with test handlers. */
  reconcile?: boolean;
}

/** Everything one server process runs: the HTTP app, the worker and the alert dispatcher. */
export interface Runtime {
  config: Config;
  log: Logger;
  store: Stores;
  worker: Worker;
  housekeeping: Housekeeping;
  /** Absent when the runtime runs test handlers. */
  checks?: ConnectionChecks;
  /** The reconciliation with Kiwify's API; absent without its credentials (or with test handlers, unless asked). */
  reconciler?: Reconciler;
  alerts: AlertOutbox;
  dispatcher: AlertDispatcher;
  /** The EAD's course catalog (the admin page's course picker and story names). */
  catalog: CourseCatalog;
  app: ReturnType<typeof createApp>;
  /** This instance's metrics (GET /metrics), fed by the app, the worker, the alerts and the clients. */
  metrics: Metrics;
  /** Starts the worker and the dispatcher and listens on `port` (0 = any free port). */
  listen(port?: number): Promise<Server>;
  url(): string;
  /** Graceful stop: no new requests or claims, running steps finish (bounded), then close. */
  stop(): Promise<void>;
}

export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const log = createLogger(config.LOG_LEVEL, options.logDestination);
  // Given no clock, leases on PostgreSQL follow the database's (every instance agrees); a given one is used as is.
  const store = await openStores(config, options.clock, (err) => log.warn({ err }, 'conexão ociosa com o PostgreSQL perdida'));
  const metrics = createMetrics({ store, version: VERSION });
  const channels = options.alertChannels ?? alertChannelsFromConfig(config, metrics.recorder, store);
  const dispatcher = new AlertDispatcher({
    store,
    channels,
    log,
    intervalMs: config.ALERT_INTERVAL_MS,
    // A send never outlives the lease that keeps other instances off the channel.
    leaseMs: Math.max(60_000, 3 * config.HTTP_TIMEOUT_MS),
    panelUrl: panelUrlOf(config),
    metrics: metrics.recorder,
    clock,
  });
  const alerts = new AlertOutbox(
    store,
    channels.map((c) => c.name),
    log,
    () => dispatcher.wake(),
    metrics.recorder,
  );
  try {
    await seedPlanMap(store, config.PLANS_FILE, log);
  } catch (err) {
    await store.close();
    throw err;
  }
  const clients = clientsFromConfig(config, metrics.recorder);
  const secrets = SecretBox.derive(config.SECRET_KEY ?? config.EAD_API_KEY, JOURNAL_SECRETS);
  const customerKeys = new CustomerKeys(config.SECRET_KEY ?? config.EAD_API_KEY);
  const makeHandlers = options.handlers ?? ((services: HandlerServices) => buildHandlers(config, services));
  let handlers: HandlerRegistry;
  try {
    handlers =
      typeof makeHandlers === 'function' ? makeHandlers({ store, alerts, log, clients, secrets, customerKeys, clock }) : makeHandlers;
  } catch (err) {
    await store.close();
    throw err;
  }
  const checks =
    (options.connectionChecks ?? !options.handlers)
      ? new ConnectionChecks({
          checks: connectionChecksFor(clients),
          store,
          alerts,
          log,
          healthyIntervalMs: config.HEALTH_CHECK_INTERVAL_MS,
          failingIntervalMs: config.HEALTH_RECHECK_INTERVAL_MS,
          panelUrl: panelUrlOf(config),
          onChange: () => worker.wake(),
        })
      : undefined;
  const intake = new IntakeActivity(clock);
  const worker = new Worker({
    intakeBusy: () => intake.busy(),
    pausedTypes: () => (checks?.isFailing('ead') ? EAD_BOUND_EVENTS : []),
    store,
    handlers,
    alerts,
    log,
    concurrency: config.WORKER_CONCURRENCY,
    maxAttempts: config.MAX_ATTEMPTS,
    retryBaseMs: config.RETRY_BASE_MS,
    retryMaxMs: config.RETRY_MAX_MS,
    leaseMs: config.LEASE_MS,
    pollMs: config.POLL_INTERVAL_MS,
    panelUrl: panelUrlOf(config),
    metrics: metrics.recorder,
    clock,
  });
  const catalog = new CourseCatalog(clients.ead, clock);
  const housekeeping = new Housekeeping({
    store,
    log,
    secrets,
    customerKeys,
    clock,
    passwordRetentionDays: config.PASSWORD_RETENTION_DAYS,
    retentionDays: config.RETENTION_DAYS,
  });
  const kiwifyApi = (options.reconcile ?? !options.handlers) ? kiwifyApiFromConfig(config, clock, metrics.recorder) : undefined;
  const reconciler = kiwifyApi
    ? new Reconciler({
        store,
        api: kiwifyApi,
        alerts,
        log,
        clock,
        intervalMs: config.RECONCILE_INTERVAL_MS,
        lookbackHours: config.RECONCILE_LOOKBACK_HOURS,
        maxRecovered: config.RECONCILE_MAX_RECOVERED,
        onQueued: () => worker.wake(),
      })
    : undefined;
  const app = createApp({
    log,
    store,
    webhookTokens: config.KIWIFY_WEBHOOK_TOKEN,
    version: VERSION,
    startedAt: clock(),
    clock,
    onEventStored: () => worker.wake(),
    adminToken: config.ADMIN_TOKEN,
    metrics,
    metricsToken: config.METRICS_TOKEN,
    catalog,
    customerKeys,
    retentionDays: config.RETENTION_DAYS,
    trustProxy: config.TRUST_PROXY,
    handledTypes: new Set(Object.keys(handlers)),
    intake,
    discord: discordConsoleFromConfig(config, metrics.recorder),
  });

  let server: Server | undefined;
  let stopping: Promise<void> | undefined;

  const closeServer = () =>
    new Promise<void>((resolve) => {
      if (!server?.listening) return resolve();
      const force = setTimeout(() => {
        server?.closeAllConnections();
        resolve();
      }, 5_000).unref();
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
    });

  return {
    config,
    log,
    store,
    worker,
    housekeeping,
    checks,
    reconciler,
    alerts,
    dispatcher,
    catalog,
    app,
    metrics,
    async listen(port = config.PORT) {
      // The port first: if it is taken, nothing else has started (deliveries that arrive before
      // the worker starts simply wait in the inbox).
      server = createHttpServer(app, {
        requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
        maxConnectionsPerAddress: config.TRUST_PROXY ? undefined : MAX_CONNECTIONS_PER_ADDRESS,
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('listening', resolve);
        server!.once('error', (err: NodeJS.ErrnoException) =>
          reject(
            err.code === 'EADDRINUSE'
              ? new Error(`A porta ${port} já está em uso por outro processo: pare-o, ou defina outra porta em PORT (ex.: PORT=3001).`)
              : err,
          ),
        );
        server!.listen(port);
      });
      await dispatcher.start();
      await housekeeping.sealLegacyPasswords(); // before any welcome can read an old journal
      await worker.start();
      housekeeping.start();
      checks?.start();
      reconciler?.start();
      if (!reconciler && !options.handlers) {
        log.info(
          'conciliação com a API da Kiwify desligada: defina KIWIFY_CLIENT_ID, KIWIFY_CLIENT_SECRET e KIWIFY_ACCOUNT_ID para ligá-la',
        );
      }
      log.info(
        { port: (server.address() as AddressInfo).port, store: store.dialect, version: VERSION, worker: worker.owner },
        'servidor no ar',
      );
      return server;
    },
    url() {
      const address = server?.address() as AddressInfo | null;
      if (!address) throw new Error('server not listening');
      return `http://127.0.0.1:${address.port}`;
    },
    stop() {
      stopping ??= (async () => {
        log.info('desligando: parando de aceitar entregas');
        // In parallel, so the whole stop stays within SHUTDOWN_TIMEOUT_MS (and Render's grace).
        await Promise.all([
          closeServer(),
          worker.stop(config.SHUTDOWN_TIMEOUT_MS),
          dispatcher.stop(),
          housekeeping.stop(),
          checks?.stop(),
          reconciler?.stop(),
        ]);
        await store.close();
        log.info('desligado');
        log.flush();
      })();
      return stopping;
    },
  };
}
