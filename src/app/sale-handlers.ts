import type { HandlerRegistry } from '../worker/types.js';
import { approvedFlow } from '../enrolment/approved-flow.js';
import { cancelFlow } from '../revocation/cancel-flow.js';
import type { FlowDeps } from '../sales/flow-deps.js';
import { revokeFlow, scheduledRevokeFlow } from '../revocation/revoke-flow.js';
import { REVOKE_ACCESS } from '../sales/sale-rules.js';

/** Event types whose handlers need the EAD: they wait while the EAD's connection check fails. */
export const EAD_BOUND_EVENTS: readonly string[] = ['order_approved', 'order_refunded', 'chargeback', REVOKE_ACCESS];

/**
 * The handler of each event type. Types without one (billet_created, pix_created,
 * order_rejected, subscription_late, subscription_renewed, abandoned_cart, …) are recorded as
 * `ignored`.
 */
export function handlersFor(deps: FlowDeps): HandlerRegistry {
  return {
    order_approved: approvedFlow(deps),
    order_refunded: revokeFlow(deps),
    chargeback: revokeFlow(deps),
    subscription_canceled: cancelFlow(deps),
    [REVOKE_ACCESS]: scheduledRevokeFlow(deps),
  };
}
