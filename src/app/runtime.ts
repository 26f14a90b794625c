import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import type { AlertChannel } from '../alerts/channels.js';
import { AlertDispatcher } from '../alerts/dispatcher.js';
import { AlertOutbox } from '../alerts/outbox.js';
import type { Config } from '../config/config.js';
import { packageFile } from '../domain/package-root.js';
import { SecretBox } from '../domain/secret-box.js';
import { ConnectionChecks } from '../health/connection-checks.js';
import { closeHttpServer, listenHttp, MAX_CONNECTIONS_PER_ADDRESS } from '../http/http-server.js';
import { IntakeActivity } from '../http/intake-activity.js';
import { createLogger, type Logger } from '../log/logger.js';
import { createMetrics, type Metrics } from '../metrics/metrics-registry.js';
import { CourseCatalog } from '../plans/course-catalog.js';
import { seedPlanMap } from '../plans/plan-admin.js';
import { CustomerKeys } from '../privacy/customer-keys.js';
import { Housekeeping } from '../privacy/housekeeping.js';
import { Reconciler } from '../reconciliation/reconciler.js';
import { systemClock, type Clock } from '../timing/clock.js';
import { Scheduler } from '../timing/scheduler.js';
import type { HandlerRegistry } from '../worker/types.js';
import { Worker } from '../worker/worker.js';
import { createApp } from './create-app.js';
import { openStores, type Stores } from './feature-stores.js';
import { EAD_BOUND_EVENTS } from './sale-handlers.js';
import { PRODUCTION_TUNING, type Tuning } from './tuning.js';
import {
  alertChannelsFromConfig,
  buildHandlers,
  clientsFromConfig,
  connectionChecksFor,
  discordConsoleFromConfig,
  kiwifyApiFromConfig,
  panelUrlOf,
  type FlowClients,
  type HandlerServices,
} from './wiring.js';

export const VERSION: string = (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;

/** HKDF purpose of the key that seals passwords in the journal. */
const JOURNAL_SECRETS = 'journal-secrets';

export interface RuntimeOptions {
  /** Replaces the event handlers (tests plug in their own). Default: the sale flows. */
  handlers?: HandlerRegistry | ((services: HandlerServices) => HandlerRegistry);
  /** Replaces the alert channels built from the configuration. */
  alertChannels?: AlertChannel[];
  logDestination?: DestinationStream;
  /** The periodic EAD/ChatPro/SMTP connection checks. Default: on. */
  connectionChecks?: boolean;
  /** The reconciliation with Kiwify's API, when its credentials are set. Default: on. */
  reconcile?: boolean;
  /** The time everything reads (default: the system's). */
  clock?: Clock;
  /** Timings other than the modules' own (tuning.ts): tools and tests that run the whole server faster. */
  tuning?: Partial<Tuning>;
}

/** Everything one server process runs: the HTTP app, the worker, the alert dispatcher and the periodic jobs. */
export interface Runtime {
  config: Config;
  log: Logger;
  store: Stores;
  worker: Worker;
  housekeeping: Housekeeping;
  /** Absent when turned off (`connectionChecks: false`). */
  checks?: ConnectionChecks;
  /** The reconciliation with Kiwify's API; absent without its credentials (or with `reconcile: false`). */
  reconciler?: Reconciler;
  /** The periodic jobs (connection checks, housekeeping, reconciliation, Discord interactions' pruning). */
  scheduler: Scheduler;
  alerts: AlertOutbox;
  dispatcher: AlertDispatcher;
  /** The EAD's course catalog (the admin page's course picker and story names). */
  catalog: CourseCatalog;
  app: ReturnType<typeof createApp>;
  /** This instance's metrics (GET /metrics), fed by the app, the worker, the alerts and the clients. */
  metrics: Metrics;
  /** Starts the worker, the dispatcher and the jobs and listens on `port` (0 = any free port). */
  listen(port?: number): Promise<Server>;
  url(): string;
  /** Graceful stop: no new requests or claims, running steps finish (bounded), then close. */
  stop(): Promise<void>;
}

/** What every part is built from. */
interface Base {
  config: Config;
  options: RuntimeOptions;
  tuning: Tuning;
  clock: Clock;
  log: Logger;
  store: Stores;
  metrics: Metrics;
}

/** What `assemble` builds. */
type Parts = Omit<Runtime, 'listen' | 'url' | 'stop' | 'config' | 'log' | 'store' | 'metrics'>;

export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const tuning: Tuning = { ...PRODUCTION_TUNING, ...options.tuning };
  const clock = options.clock ?? systemClock;
  const log = createLogger(config.server.logLevel, options.logDestination);
  // Given no clock, leases on PostgreSQL follow the database's (every instance agrees); a given one is used as is.
  const store = await openStores(config.storage, options.clock, (err) => log.warn({ err }, 'conexão ociosa com o PostgreSQL perdida'));
  try {
    const base: Base = { config, options, tuning, clock, log, store, metrics: createMetrics({ store, version: VERSION }) };
    await seedPlanMap(store, config.sales.plansFile, log);
    return lifecycle(base, assemble(base));
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** The worker, the alerts, the periodic jobs and the app, wired together. */
function assemble(base: Base): Parts {
  const { config, options, tuning, clock, log, store, metrics } = base;
  const { dispatcher, alerts } = alertsOf(base);
  const clients = clientsFromConfig(config, metrics.recorder, tuning.upstreamTimeoutMs);
  const secrets = SecretBox.derive(config.privacy.keySecret, JOURNAL_SECRETS);
  const customerKeys = new CustomerKeys(config.privacy.keySecret);
  const makeHandlers = options.handlers ?? ((services: HandlerServices) => buildHandlers(config, services));
  const handlers =
    typeof makeHandlers === 'function' ? makeHandlers({ store, alerts, log, clients, secrets, customerKeys, clock }) : makeHandlers;
  const intake = new IntakeActivity(clock);
  const { worker, checks } = workerOf(base, { alerts, clients, handlers, intake });
  const catalog = new CourseCatalog(clients.ead, clock);
  const housekeeping = new Housekeeping({ store, log, secrets, customerKeys, clock, retentionDays: config.privacy.retentionDays });
  const kiwifyApi =
    (options.reconcile ?? true) ? kiwifyApiFromConfig(config.kiwifyApi, clock, metrics.recorder, tuning.upstreamTimeoutMs) : undefined;
  const onQueued = () => worker.workArrived();
  const reconciler =
    kiwifyApi && new Reconciler({ store, api: kiwifyApi, alerts, log, clock, intervalMs: tuning.reconcileIntervalMs, onQueued });
  const discord = discordConsoleFromConfig(config, metrics.recorder, tuning.upstreamTimeoutMs);
  const scheduler = new Scheduler({
    owner: worker.owner,
    leases: store.leases,
    onError: (job, err) => log.error({ err, job: job.name }, job.failureMessage),
  });
  scheduler.add(housekeeping.job);
  for (const job of checks?.jobs ?? []) scheduler.add(job);
  if (reconciler) scheduler.add(reconciler.job);
  if (discord) scheduler.add(store.interactions.pruneJob);
  const walRetry = store.logRetryJob(() =>
    log.info('arquivo -wal do SQLite esvaziado na nova tentativa: nenhuma cópia antiga de dados apagados ficou nele'),
  );
  if (walRetry) scheduler.add(walRetry);
  const app = createApp({
    log,
    store,
    webhookTokens: config.kiwify.webhookTokens,
    version: VERSION,
    startedAt: clock(),
    clock,
    onEventStored: () => worker.workArrived(),
    adminToken: config.admin.token,
    metrics,
    metricsToken: config.admin.metricsToken,
    catalog,
    customerKeys,
    retentionDays: config.privacy.retentionDays,
    trustProxy: config.server.trustProxy,
    handledTypes: new Set(Object.keys(handlers)),
    intake,
    discord,
    emailWelcomes: clients.mail !== undefined,
  });
  return { worker, housekeeping, checks, reconciler, scheduler, alerts, dispatcher, catalog, app };
}

/** The alert dispatcher and the outbox that wakes it. */
function alertsOf({ config, options, tuning, clock, log, store, metrics }: Base) {
  const channels = options.alertChannels ?? alertChannelsFromConfig(config, metrics.recorder, store, tuning.upstreamTimeoutMs);
  const dispatcher = new AlertDispatcher({
    store,
    channels,
    log,
    intervalMs: tuning.alertIntervalMs,
    // A send never outlives the lease that keeps other instances off the channel.
    leaseMs: Math.max(60_000, 3 * tuning.upstreamTimeoutMs),
    panelUrl: panelUrlOf(config),
    metrics: metrics.recorder,
    clock,
  });
  const names = channels.map((c) => c.name);
  const alerts = new AlertOutbox(store, names, log, () => dispatcher.wake(), metrics.recorder);
  return { dispatcher, alerts };
}

/** The worker, and the connection checks that pause its EAD-bound work while the EAD is down. */
function workerOf(
  { config, options, tuning, clock, log, store, metrics }: Base,
  { alerts, clients, handlers, intake }: { alerts: AlertOutbox; clients: FlowClients; handlers: HandlerRegistry; intake: IntakeActivity },
) {
  const checks =
    (options.connectionChecks ?? true)
      ? new ConnectionChecks({
          checks: connectionChecksFor(clients),
          store,
          alerts,
          log,
          healthyIntervalMs: tuning.checkIntervalMs,
          failingIntervalMs: tuning.recheckIntervalMs,
          checkDeadlineMs: tuning.upstreamTimeoutMs,
          panelUrl: panelUrlOf(config),
          onChange: () => worker.wake(),
        })
      : undefined;
  const worker: Worker = new Worker({
    intakeBusy: () => intake.busy(),
    pausedTypes: () => (checks?.isFailing('ead') ? EAD_BOUND_EVENTS : []),
    store,
    handlers,
    alerts,
    log,
    concurrency: config.worker.concurrency,
    maxAttempts: tuning.maxAttempts,
    retryBaseMs: tuning.retryBaseMs,
    retryMaxMs: tuning.retryMaxMs,
    leaseMs: tuning.leaseMs,
    pollMs: tuning.pollMs,
    panelUrl: panelUrlOf(config),
    metrics: metrics.recorder,
    clock,
  });
  return { worker, checks };
}

/** The runtime: its parts, how it listens and how it stops. */
function lifecycle(base: Base, parts: Parts): Runtime {
  const { config, options, tuning, log, store, metrics } = base;
  const { worker, dispatcher, housekeeping, scheduler, reconciler, app } = parts;
  let server: Server | undefined;
  let stopping: Promise<void> | undefined;
  return {
    ...parts,
    config,
    log,
    store,
    metrics,
    async listen(port = config.server.port) {
      // The port first: if it is taken, nothing else has started (deliveries that arrive before
      // the worker starts simply wait in the inbox).
      server = await listenHttp(app, port, {
        requestTimeoutMs: tuning.requestTimeoutMs,
        maxConnectionsPerAddress: config.server.trustProxy ? undefined : MAX_CONNECTIONS_PER_ADDRESS,
      });
      await dispatcher.start();
      await housekeeping.sealLegacyPasswords(); // before any welcome can read an old journal
      await worker.start();
      scheduler.start();
      if (!reconciler && (options.reconcile ?? true)) {
        log.info(
          'conciliação com a API da Kiwify desligada: defina KIWIFY_CLIENT_ID, KIWIFY_CLIENT_SECRET e KIWIFY_ACCOUNT_ID para ligá-la',
        );
      }
      if (config.server.retired.length > 0) {
        log.warn(
          { variables: config.server.retired },
          'variáveis de ambiente que esta versão não lê mais (os valores agora são fixos, veja o README): apague-as',
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
        // In parallel, so the whole stop stays within the shutdown timeout (and Render's grace).
        await Promise.all([
          closeHttpServer(server),
          worker.stop(tuning.shutdownTimeoutMs),
          dispatcher.stop(),
          scheduler.stop(),
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
