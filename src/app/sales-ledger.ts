import type { CustomerKeys } from '../privacy/customer-keys.js';
import type { SalesLedger } from '../sales/flow-deps.js';
import type { StepResults } from '../sales/steps.js';
import type { EventQueries } from '../store/event-reads.js';
import type { Journal } from '../store/journal.js';

/** What the ledger reads of the store. */
export interface LedgerReads {
  events: Pick<EventQueries, 'salesOf' | 'saleEvents' | 'approvalsNear'>;
  journal: Pick<Journal, 'stepResults'>;
}

/**
 * The sale flows' port on the store: a customer's sale events and what they journaled. A
 * customer's sales past RETENTION_DAYS are filed under the hashed key: they still count.
 */
export function salesLedger(store: LedgerReads, customerKeys: Pick<CustomerKeys, 'lookup'>): SalesLedger {
  return {
    customerSales: (customerKey) => store.events.salesOf(customerKeys.lookup(customerKey)),
    saleEvents: (customerKey, saleKeys) => store.events.saleEvents(customerKeys.lookup(customerKey), saleKeys),
    journaled: async <N extends keyof StepResults>(eventIds: number[], step: N) =>
      (await store.journal.stepResults(eventIds, step)) as Map<number, StepResults[N]>,
    approvalsNear: (customerKey, { at, windowMs, orderIds }) =>
      store.events.approvalsNear(customerKeys.lookup(customerKey), at - windowMs, at + windowMs, orderIds),
  };
}
