import type { RequestHandler } from 'express';
import type { Store } from '../../store/index.js';
import type { CourseCatalog } from '../../support/catalog.js';

/** What the admin page and API are built from. */
export interface AdminDeps {
  store: Store;
  token: string;
  /** The EAD's course catalog (names in stories, the course picker, ids a plan may use). */
  catalog: CourseCatalog;
  /** Wakes the worker after events were put back in the queue. */
  onRetry?: () => void;
  /** Counts wrong tokens, shared by the page and the API. */
  limiter: RequestHandler;
}
