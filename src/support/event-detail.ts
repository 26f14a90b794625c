import type { Store } from '../store/store.js';
import type { CourseCatalog } from '../plans/course-catalog.js';
import { detail, type EventDetail } from './present.js';

/**
 * One event as support reads it (page, API, CLI): its story with course names from the EAD's
 * catalog, and the actions that can change its outcome (an unmapped plan's failure can be
 * replayed once the plan is mapped).
 */
export async function eventDetail(store: Store, catalog: CourseCatalog | undefined, eventId: number): Promise<EventDetail | undefined> {
  const event = await store.events.get(eventId);
  if (!event) return undefined;
  const [steps, history, names, plan] = await Promise.all([
    store.journal.listSteps(event.id),
    store.journal.history(event.id),
    catalog ? catalog.names() : new Map<number, string>(),
    event.plan_name ? store.plans.resolve(event.plan_name) : undefined,
  ]);
  return detail(event, steps, history, { names, planMapped: plan !== undefined });
}
