import type { RequestHandler } from 'express';
import type { CourseCatalog } from '../plans/course-catalog.js';
import type { PlanOverviewReads, PlanSaveStore } from '../plans/plan-admin.js';
import type { CustomerKeys } from '../privacy/customer-keys.js';
import type { ErasureStore } from '../privacy/erasure.js';
import type { PrivacyStore } from '../privacy/privacy-store.js';
import type { EventQueries } from '../store/event-reads.js';
import type { DetailReads } from '../support/event-detail.js';
import type { HealthReads } from '../support/health-report.js';
import type { FailureReplay } from '../replay/event-replay.js';
import type { ResendStore } from '../support/welcome-resend.js';
import type { AccessChangeStore } from '../support/access-actions.js';
import type { SessionStore } from './session-store.js';

/**
 * What the admin page and API read and write: the support use cases' ports (health, an event's
 * page, retries and resolutions, welcome resends, support's access changes, the plan map, erasures), the lists, and the
 * page's sessions.
 */
export type AdminStore = HealthReads &
  DetailReads &
  FailureReplay &
  ResendStore &
  AccessChangeStore &
  PlanOverviewReads &
  PlanSaveStore &
  ErasureStore & {
    events: Pick<EventQueries, 'list' | 'failuresByCause' | 'noticesByCause'>;
    privacy: Pick<PrivacyStore, 'erasures'>;
    sessions: SessionStore;
  };

/** What the admin page and API are built from. */
export interface AdminDeps {
  store: AdminStore;
  token: string;
  /** The EAD's course catalog (names in stories, the course picker, ids a plan may use); none: ids unchecked, and said. */
  catalog?: CourseCatalog;
  /** Finds a person's events for an erasure, also after retention hashed their key. */
  customerKeys: CustomerKeys;
  /** RETENTION_DAYS (shown); unset in tools that build the app without it. */
  retentionDays?: number;
  /** Wakes the worker after events were put back in the queue. */
  onRetry?: () => void;
  /** An SMTP server is configured: "Reenviar boas-vindas" may choose e-mail. */
  emailWelcomes?: boolean;
  /** Counts wrong tokens, shared by the page and the API. */
  limiter: RequestHandler;
}
