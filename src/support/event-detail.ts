import { planKeysOfEvent } from '../domain/plan-keys.js';
import type { CourseCatalog } from '../plans/course-catalog.js';
import type { PlanStore } from '../plans/plan-store.js';
import type { EventQueries } from '../store/event-reads.js';
import type { Journal } from '../store/journal.js';
import { detail, type EventDetail } from './present.js';

/**
 * One event as support reads it (page, API, CLI): its story with course names from the EAD's
 * catalog, and the actions that can change its outcome (an unmapped plan's failure can be
 * replayed once the plan is mapped).
 */
/** What an event's page reads: the event and its order, its journal and story, its plan in the map. */
export interface DetailReads {
  events: Pick<EventQueries, 'getWithBody'>;
  journal: Pick<Journal, 'listSteps' | 'history'>;
  plans: Pick<PlanStore, 'resolve'>;
}

export async function eventDetail(
  store: DetailReads,
  catalog: CourseCatalog | undefined,
  eventId: number,
): Promise<EventDetail | undefined> {
  const stored = await store.events.getWithBody(eventId);
  if (!stored) return undefined;
  const { event } = stored;
  const [steps, history, names, plan] = await Promise.all([
    store.journal.listSteps(event.id),
    store.journal.history(event.id),
    catalog ? catalog.names() : new Map<number, string>(),
    store.plans.resolve(planKeysOfEvent(event)),
  ]);
  return detail(stored, steps, history, { names, planMapped: plan !== undefined });
}
