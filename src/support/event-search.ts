import { cpfDigits } from '../domain/cpf.js';
import type { CustomerKeys } from '../privacy/customer-keys.js';
import type { PrivacyStore } from '../privacy/privacy-store.js';
import type { EventQueries } from '../store/event-reads.js';

/** What a search reads: events by id and by text, and a person's events by CPF (also after retention hashed it). */
export interface SearchReads {
  events: Pick<EventQueries, 'get' | 'list'>;
  privacy: Pick<PrivacyStore, 'eventsOf'>;
}

/** Event ids matching a search, newest first: `#42`, a CPF (the events filed under it), an e-mail, an order. */
export async function searchEvents(store: SearchReads, customerKeys: CustomerKeys, search: string): Promise<number[]> {
  const hash = /^#\s*(\d{1,15})$/.exec(search);
  if (hash) return (await store.events.get(Number(hash[1]))) ? [Number(hash[1])] : [];
  const digits = cpfDigits(search);
  if (/^[\d.\-\s/]+$/.test(search) && (digits.length === 11 || digits.length === 14)) {
    const events = await store.privacy.eventsOf(customerKeys.lookup(`cpf:${digits}`));
    if (events.length > 0) return events.map((e) => e.id).reverse();
  }
  if (/^\d{1,12}$/.test(search) && (await store.events.get(Number(search)))) return [Number(search)];
  return (await store.events.list({ q: search, limit: 11 })).map((e) => e.id);
}
