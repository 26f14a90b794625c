import express, { type Express } from 'express';
import type { Logger } from '../log/logger.js';
import { requestLog } from '../http/request-log.js';
import type { Stores } from './feature-stores.js';
import { systemClock, type Clock } from '../timing/clock.js';
import { errorHandler, notFound } from '../http/http-errors.js';
import { secureRouter } from '../http/secure-route.js';
import type { IntakeActivity } from '../http/intake-activity.js';
import { webhookRouter } from '../http/webhook-route.js';
import { metricsRouter } from '../http/metrics-route.js';
import { createMetrics, type Metrics } from '../metrics/metrics-registry.js';
import { adminRouter } from '../admin/admin-router.js';
import type { CourseCatalog } from '../plans/course-catalog.js';
import type { CustomerKeys } from '../privacy/customer-keys.js';
import { consolePort } from '../discord-console/console-port.js';
import { discordRouter, type DiscordRouteDeps } from '../discord-console/interaction-route.js';

/** The Discord support console (DISCORD_* variables): what the configuration gives it. */
export type DiscordConsoleSettings = Pick<
  DiscordRouteDeps,
  'publicKey' | 'guildId' | 'supportRoleId' | 'panelUrl' | 'editor' | 'deferAfterMs' | 'onEditError' | 'editRetryBaseMs' | 'readDeadlineMs'
>;

export interface AppDeps {
  log: Logger;
  store: Stores;
  webhookTokens: readonly string[];
  version: string;
  startedAt: number;
  /** Default: the system's. */
  clock?: Clock;
  /** Called when a new event is stored or an event is put back in the queue. */
  onEventStored?: () => void;
  /** Enables /admin (page and API). */
  adminToken?: string;
  /** Finds a person's events after their personal data was removed (erasure on request). */
  customerKeys: CustomerKeys;
  /** RETENTION_DAYS, shown in /admin/api/health and on the privacy page. */
  retentionDays?: number;
  /** The EAD's course catalog for /admin and the Discord console; without it, course ids are saved unchecked (and said) and stories show course numbers. */
  catalog?: CourseCatalog;
  /** Express `trust proxy` (TRUST_PROXY): hops, true/false, or addresses. Default false. */
  trustProxy?: boolean | number | string;
  /** Wrong webhook signatures one address may send per 10 minutes before it gets 429. */
  failedSignatureLimit?: number;
  /** Event types some handler acts on (the others are recorded as ignored at intake). */
  handledTypes?: ReadonlySet<string>;
  /** Told of every signed delivery (the worker lets acks go first). */
  intake?: IntakeActivity;
  /** This app's metrics (the runtime's, shared with its worker and clients); default: the app's own when /metrics is on. */
  metrics?: Metrics;
  /** Enables GET /metrics (METRICS_TOKEN); default: `adminToken`. */
  metricsToken?: string;
  /** Enables POST /discord/interactions (slash commands and alert buttons); without it, 404. */
  discord?: DiscordConsoleSettings;
  /** An SMTP server is configured: support may resend a welcome by e-mail (page, API, Discord). */
  emailWelcomes?: boolean;
}

/** Builds the Express app from its dependencies; listening is the caller's business. */
export function createApp(deps: AppDeps): Express {
  const metricsToken = deps.metricsToken ?? deps.adminToken;
  const metrics = deps.metrics ?? (metricsToken ? createMetrics({ store: deps.store, version: deps.version }) : undefined);
  metrics?.addEventTypes(deps.handledTypes ?? []);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // JSON answers to machines: no body hashing per response
  // Which proxies to believe for the client address (rate limiting) and https (Secure cookie).
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use(requestLog(app, deps.log));
  // The webhook first: its ack passes through nothing else.
  app.use(
    webhookRouter({
      store: deps.store,
      tokens: deps.webhookTokens,
      onStored: deps.onEventStored,
      failedSignatureLimit: deps.failedSignatureLimit,
      handledTypes: deps.handledTypes,
      intake: deps.intake,
      metrics: metrics?.recorder,
    }),
  );
  app.use(secureRouter({ ...deps, clock: deps.clock ?? systemClock }));
  if (metricsToken && metrics) app.use(metricsRouter({ metrics, token: metricsToken }));
  if (deps.discord) {
    app.use(
      discordRouter({
        ...deps.discord,
        desk: consolePort(deps.store, deps), // its options: customerKeys, catalog, retentionDays, emailWelcomes
        interactions: deps.store.interactions,
        onRetry: deps.onEventStored,
        clock: deps.clock,
      }),
    );
  }
  if (deps.adminToken) {
    app.use(
      adminRouter({
        store: deps.store,
        token: deps.adminToken,
        catalog: deps.catalog,
        customerKeys: deps.customerKeys,
        retentionDays: deps.retentionDays,
        onRetry: deps.onEventStored,
        emailWelcomes: deps.emailWelcomes,
      }),
    );
  }
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
