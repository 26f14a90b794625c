import type { Kysely } from 'kysely';
import { endsSaleForGood, eventLabel, eventTypesWhere } from '../domain/event-types.js';
import type { NewEvent } from '../domain/inbox-event.js';
import type { Dialect } from './migrations.js';
import { lockHead, refreshHead } from './queue-heads.js';
import type { Database } from './schema.js';

/** The purchases a refund, a chargeback or a cancelled trial stops while they wait (never support's own). */
const PURCHASES = eventTypesWhere((t) => t.role === 'starts' && t.origin === 'kiwify');

/** A refund, a chargeback, a cancelled trial: what ends a purchase for good. */
export const endsPurchase = (event: Pick<NewEvent, 'eventType'>) => endsSaleForGood(event.eventType);

/**
 * A refund or a chargeback stored while an approval of the same order still waits (pending, or
 * retrying after an EAD failure) closes that approval as `ignored`, in the transaction that stores
 * the refund: the refund runs next (a customer's events run in order) instead of waiting hours
 * behind an approval that would enrol a student only to have the access taken back — and the
 * approval never enrols anyone. A cancelled trial does the same to its trial's start (no order:
 * the same subscription). An approval running right now is left alone: it looks again before its
 * matrícula. Returns the ids closed.
 */
export async function closeSupersededPurchases(
  trx: Kysely<Database>,
  dialect: Dialect,
  ends: Array<Pick<NewEvent, 'eventType' | 'customerKey' | 'orderId' | 'subscriptionId'> & { id: number }>,
  now: number,
): Promise<number[]> {
  const closed: number[] = [];
  for (const end of ends) {
    if (!end.orderId && !end.subscriptionId) continue;
    await lockHead(trx, dialect, [end.customerKey]);
    const outcome = `Não processado: chegou ${eventLabel(end.eventType)} desta venda (evento #${end.id}) antes da matrícula; nada a matricular.`;
    const rows = await trx
      .updateTable('events')
      .set({ status: 'ignored', outcome, finished_at: now, updated_at: now })
      .where('customer_key', '=', end.customerKey)
      .where('event_type', 'in', [...PURCHASES])
      .where('status', 'in', ['pending', 'retrying'])
      .where('id', '<', end.id)
      .where((eb) =>
        end.orderId
          ? eb('order_id', '=', end.orderId)
          : eb.and([eb('order_id', 'is', null), eb('subscription_id', '=', end.subscriptionId!)]),
      )
      .returning('id')
      .execute();
    if (rows.length === 0) continue;
    await trx
      .insertInto('event_history')
      .values(rows.map((r) => ({ event_id: r.id, at: now, kind: 'ignored', message: outcome })))
      .execute();
    await refreshHead(trx, dialect, end.customerKey, now);
    closed.push(...rows.map((r) => r.id));
  }
  return closed;
}
