import type { Handler } from '../worker/types.js';
import { approvedFlow } from '../enrolment/approved-flow.js';
import { cancelFlow } from '../revocation/cancel-flow.js';
import type { EnrolmentDeps } from '../enrolment/welcome-delivery.js';
import { revokeFlow, scheduledRevokeFlow } from '../revocation/revoke-flow.js';
import {
  ACCESS_REMOVED_BY_SUPPORT,
  ACCESS_RESTORED_BY_SUPPORT,
  CHARGEBACK,
  EAD_BOUND_EVENT_TYPES,
  ORDER_APPROVED,
  ORDER_REFUNDED,
  REVOKE_ACCESS,
  SUBSCRIPTION_CANCELED,
  SUBSCRIPTION_RENEWED,
  SUBSCRIPTION_TRIAL_CANCELED,
  SUBSCRIPTION_TRIAL_STARTED,
  type HandledEventType,
} from '../domain/event-types.js';

/** Event types whose handlers need the EAD: they wait while the EAD's connection check fails (the registry's `needsEad`). */
export const EAD_BOUND_EVENTS: readonly string[] = EAD_BOUND_EVENT_TYPES;

/**
 * One handler per type the registry (domain/event-types.ts) marks `handled`, and none for any
 * other: a missing or extra key does not compile. The map lives here rather than in the registry
 * because the handlers import the flows, and the flows (and the presenters, for the labels)
 * import the registry: the registry stays at the bottom, the map at the top, and the type ties them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler types its own steps
export type SaleHandlers = { readonly [T in HandledEventType]: Handler<any> };

/**
 * The handler of each event type. What starts a sale's access runs the approval's flow (a renewal
 * by either event, a free trial, access support gives back); what ends it runs the refund rule
 * (a cancelled trial, support's removal). Types without one (billet_created, pix_created,
 * order_rejected, subscription_late, abandoned_cart, …) are recorded as `ignored`.
 */
export function handlersFor(deps: EnrolmentDeps): SaleHandlers {
  const approved = approvedFlow(deps);
  const revoke = revokeFlow(deps);
  return {
    [ORDER_APPROVED]: approved,
    [SUBSCRIPTION_RENEWED]: approved,
    [SUBSCRIPTION_TRIAL_STARTED]: approved,
    [ACCESS_RESTORED_BY_SUPPORT]: approved,
    [ORDER_REFUNDED]: revoke,
    [CHARGEBACK]: revoke,
    [SUBSCRIPTION_TRIAL_CANCELED]: revoke,
    [ACCESS_REMOVED_BY_SUPPORT]: revoke,
    [SUBSCRIPTION_CANCELED]: cancelFlow(deps),
    [REVOKE_ACCESS]: scheduledRevokeFlow(deps),
  };
}
