import { SessionStore } from '../admin/session-store.js';
import { AlertStore } from '../alerts/alert-store.js';
import { SeenInteractions } from '../discord-console/seen-interactions.js';
import { CheckStore } from '../health/check-store.js';
import { GaugeQueries } from '../metrics/gauge-queries.js';
import { PlanStore } from '../plans/plan-store.js';
import { PrivacyStore, RETENTION_JOB } from '../privacy/privacy-store.js';
import { ReconciliationStore } from '../reconciliation/checkpoint-store.js';
import type { StorageConfig } from '../store/open-database.js';
import { openStore, type Store, type StoreDatabase } from '../store/store.js';
import type { Clock } from '../timing/clock.js';

/**
 * Each feature's data access, built over the core store's database where the features are
 * wired: src/store knows nothing of them (the features import the store's schema, never the
 * other way round).
 */
export interface FeatureStores {
  /** The alert outbox and its channels. */
  alerts: AlertStore;
  /** Admin page sessions. */
  sessions: SessionStore;
  /** Connection check results. */
  checks: CheckStore;
  /** The plan map and its changes. */
  plans: PlanStore;
  /** What the metrics read at each scrape (indexed counts only). */
  gauges: GaugeQueries;
  /** Removal of personal data (retention, erasure on request) and its records. */
  privacy: PrivacyStore;
  /** The reconciliation with Kiwify's API: checkpoint, lease, last run. */
  reconciliation: ReconciliationStore;
  /** Signed Discord interactions already received (the console's replay guard, shared by instances). */
  interactions: SeenInteractions;
  /** The LGPD retention pass's last run, by any instance (what the metrics show of it). */
  retentionLastRun(): Promise<{ at: number; count: number } | undefined>;
}

export function featureStores({ db, dialect, clock, leases }: StoreDatabase): FeatureStores {
  const privacy = new PrivacyStore(db, clock);
  return {
    alerts: new AlertStore(db, clock, leases),
    sessions: new SessionStore(db, clock),
    checks: new CheckStore(db, clock),
    plans: new PlanStore(db, dialect, clock),
    gauges: new GaugeQueries(db),
    privacy,
    reconciliation: new ReconciliationStore(db, clock, leases),
    interactions: new SeenInteractions(db, clock),
    retentionLastRun: () => privacy.lastRun(RETENTION_JOB),
  };
}

/**
 * Everything the server keeps in its database: the core store and the feature stores. Only the
 * composition roots (the runtime, the app, the CLI) hold it; every other part gets a narrow port
 * it satisfies.
 */
export type Stores = Store & FeatureStores;

/** The core store with the feature stores over its database. */
export function withFeatureStores(store: Store): Stores {
  return { ...store, ...featureStores(store.database) };
}

/** Opens the database (see openStore) with every feature's store over it. */
export async function openStores(config: StorageConfig, clock?: Clock, onConnectionError?: (err: Error) => void): Promise<Stores> {
  return withFeatureStores(await openStore(config, clock, onConnectionError));
}
