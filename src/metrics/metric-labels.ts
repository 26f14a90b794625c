import type { UpstreamSystem } from '../clients/upstream-http.js';
import { KIWIFY_EVENT_TYPES } from '../domain/event-types.js';

/**
 * Label values are bounded sets: whatever a delivery carries, a metric gains at most one series
 * per value listed here (and per configured alert channel).
 */

/** Any other event type. */
export const OTHER = 'outro';
/** A delivery whose body was never parsed (its signature or its content was refused first). */
export const UNKNOWN = 'desconhecido';

export const UPSTREAM_SYSTEMS: readonly UpstreamSystem[] = ['ead', 'chatpro', 'callmebot', 'discord', 'kiwify', 'mail'];

/** An operation name is a fixed identifier written in a client; anything else is folded. */
const OPERATION = /^[a-z][a-z_]{0,31}$/;
/** Channel names come from the configuration (callmebot, discord). */
const CHANNEL = /^[a-z][a-z0-9_-]{0,31}$/;

/** The `type` label of events: the types Kiwify sends (each its own label) and the handlers' own; `outro` otherwise. */
export class EventTypeLabels {
  private readonly known = new Set<string>(KIWIFY_EVENT_TYPES);

  /** Types some handler acts on (e.g. `revoke_access`): a fixed list written in code. */
  add(types: Iterable<string>): void {
    for (const type of types) this.known.add(type);
  }

  of(type: string | undefined): string {
    if (type === undefined) return UNKNOWN;
    return this.known.has(type) ? type : OTHER;
  }
}

export function systemLabel(system: string): string {
  return (UPSTREAM_SYSTEMS as readonly string[]).includes(system) ? system : OTHER;
}

export function operationLabel(operation: string): string {
  return OPERATION.test(operation) ? operation : OTHER;
}

export function channelLabel(channel: string): string {
  return CHANNEL.test(channel) ? channel : OTHER;
}
