import type { InboxEvent } from '../domain/inbox-event.js';
import type { CourseCatalog } from '../plans/course-catalog.js';
import type { CustomerKeys } from '../privacy/customer-keys.js';
import type { EventQueries } from '../store/event-reads.js';
import type { RequeueResult } from '../store/store.js';
import { eventDetail, type DetailReads } from '../support/event-detail.js';
import { searchEvents, type SearchReads } from '../support/event-search.js';
import type { EventDetail } from '../support/present.js';
import { health, type Health, type HealthReads } from '../support/health-report.js';
import { resolveEvent, retryEvent, type EventMoves, type ResolveResult } from '../replay/event-replay.js';
import { resendWelcome, type ResendRequest, type ResendResult, type ResendStore } from '../support/welcome-resend.js';
import { changeAccess, type AccessChange, type AccessChangeResult, type AccessChangeStore } from '../support/access-actions.js';

/**
 * What the Discord console may do with the bridge: look events up, run one again, close one,
 * remove or give back a sale's access —
 * the support use cases the admin page uses too, and nothing else of the store.
 */
export interface ConsolePort {
  /** An event as it stands (the "Resolver" button checks it before asking for a note). */
  get(eventId: number): Promise<InboxEvent | undefined>;
  /** An event as support reads it: its story, with course names, and the actions that apply. */
  detail(eventId: number): Promise<EventDetail | undefined>;
  /** Event ids matching `#42`, a CPF, an e-mail or an order, newest first. */
  search(text: string): Promise<number[]>;
  retry(eventId: number, via: string): Promise<RequeueResult>;
  resolve(eventId: number, note: string, via: string): Promise<ResolveResult | 'no_note' | 'bad_note'>;
  /** "Reenviar boas-vindas": by WhatsApp to a corrected mobile, or by e-mail to an address. */
  resendWelcome(eventId: number, request: ResendRequest, via: string): Promise<ResendResult>;
  /** "Remover acesso" / "Devolver acesso" of the event's sale, with a note: the new event's id. */
  changeAccess(eventId: number, change: AccessChange, note: string, via: string): Promise<{ result: AccessChangeResult; eventId?: number }>;
  /** The newest failures needing attention (at most `limit`) and how many there are in all. */
  failures(limit: number): Promise<{ events: InboxEvent[]; total: number }>;
  /** The bridge's state for `/ponte status`. */
  health(): Promise<Health>;
}

/** What the console's port reads and writes of the store. */
export type ConsoleStore = HealthReads &
  DetailReads &
  EventMoves &
  SearchReads &
  AccessChangeStore &
  ResendStore & {
    events: Pick<EventQueries, 'list' | 'countByStatus'>;
  };

export interface ConsolePortOptions {
  /** Finds a person's events by CPF, also after retention hashed their key. */
  customerKeys: CustomerKeys;
  /** Course names in stories. */
  catalog?: CourseCatalog;
  /** RETENTION_DAYS, in the status. */
  retentionDays?: number;
  /** An SMTP server is configured: a welcome may be resent by e-mail. */
  emailWelcomes?: boolean;
}

export function consolePort(store: ConsoleStore, { customerKeys, catalog, retentionDays, emailWelcomes }: ConsolePortOptions): ConsolePort {
  return {
    get: (eventId) => store.events.get(eventId),
    detail: (eventId) => eventDetail(store, catalog, eventId),
    search: (text) => searchEvents(store, customerKeys, text),
    retry: (eventId, via) => retryEvent(store, eventId, via),
    resolve: (eventId, note, via) => resolveEvent(store, eventId, note, via),
    resendWelcome: (eventId, request, via) => resendWelcome(store, eventId, request, via, { emailEnabled: emailWelcomes === true }),
    changeAccess: (eventId, change, note, via) => changeAccess(store, eventId, change, note, via),
    failures: async (limit) => {
      const events = await store.events.list({ status: 'failed', limit });
      return { events, total: events.length === 0 ? 0 : (await store.events.countByStatus()).failed };
    },
    health: () => health(store, retentionDays),
  };
}
