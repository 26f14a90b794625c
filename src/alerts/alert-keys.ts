import type { InboxEvent } from '../domain/inbox-event.js';

/** The once-only key of a run's failure alert: one per run, whatever the attempt count says. */
export const failureAlertKey = (event: Pick<InboxEvent, 'id' | 'runs'>) => `event:${event.id}:failed:run:${event.runs}`;

/**
 * A handler's own alert ("boas-vindas não enviadas") is told once per round of attempts: retries
 * of the same round repeat nothing, and a round started by a person (a replay, a corrected phone)
 * tells again. `runs - attempts` stays the same within a round (a claim adds one to both) and
 * changes when a person puts the event back (attempts start again from zero).
 */
export const handlerAlertKey = (event: Pick<InboxEvent, 'id' | 'runs' | 'attempts'>, key: string) =>
  `event:${event.id}:${key}:round:${event.runs - event.attempts}`;
