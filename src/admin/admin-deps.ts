import type { RequestHandler } from 'express';
import type { Store } from '../store/store.js';
import type { CourseCatalog } from '../plans/course-catalog.js';
import type { CustomerKeys } from '../privacy/customer-keys.js';

/** What the admin page and API are built from. */
export interface AdminDeps {
  store: Store;
  token: string;
  /** The EAD's course catalog (names in stories, the course picker, ids a plan may use); none: ids unchecked, and said. */
  catalog?: CourseCatalog;
  /** Finds a person's events for an erasure, also after retention hashed their key. */
  customerKeys: CustomerKeys;
  /** RETENTION_DAYS (shown); unset in tools that build the app without it. */
  retentionDays?: number;
  /** Wakes the worker after events were put back in the queue. */
  onRetry?: () => void;
  /** Counts wrong tokens, shared by the page and the API. */
  limiter: RequestHandler;
}
