import { ORDER_APPROVED } from '../domain/event-types.js';
import { sql, type Insertable } from 'kysely';
import { cpfFrom } from '../domain/cpf.js';
import { pendingCpf } from './deliveries.js';
import { normalizeText } from '../domain/text.js';
import { parseDelivery } from '../intake/kiwify-payload.js';
import { buildDelivery } from '../sandbox/kiwify-samples.js';
import type { NewEvent } from '../domain/inbox-event.js';
import { openStore } from '../store/store.js';
import { openDatabase, type StorageConfig } from '../store/open-database.js';
import type { EventsTable } from '../store/schema.js';
import { HISTORY, HISTORY_BUYERS, PENDING } from './options.js';
import { freshStorage, type StoreKind } from './storage.js';

/** A table as it looks after months in production: finished history, then a queue of pending work. */

const CHUNK = 500;
const DAY = 86_400_000;

/** Buyer numbers live in their own ranges, so history, pending and live deliveries never share one. */
const historyCpf = (buyer: number) => cpfFrom(String(300_000_000 + buyer));

/**
 * `count` finished (done) approvals spread over `buyers` buyers and the last 180 days, inserted
 * straight into the events table (finished events need no queue bookkeeping): full bodies, as
 * real deliveries are stored.
 */
export async function fillHistory(storage: StorageConfig, count: number, buyers: number): Promise<void> {
  const { db } = await openDatabase(storage);
  const templates = Array.from({ length: buyers }, (_, b) =>
    JSON.stringify(
      buildDelivery(ORDER_APPROVED, {
        plan: 'Excel PRO',
        cpf: historyCpf(b),
        orderId: '__ORDER__',
        name: `Aluno ${b} Histórico`,
        email: `aluno${b}@example.com`,
        phone: `+55119${String(20_000_000 + b).slice(-8)}`,
      }),
    ),
  );
  // What every sale says of its plan (Kiwify's ids and names), as intake stores it.
  const plan = parseDelivery(Buffer.from(templates[0]));
  if (!plan.ok) throw new Error(plan.message);
  const { planId, productId, productName } = plan.delivery;
  const start = Date.now() - 180 * DAY;
  const step = (180 * DAY) / count;
  const row = (i: number): Insertable<EventsTable> => {
    const buyer = i % buyers;
    const orderId = `hist-${i}`;
    const at = Math.round(start + i * step);
    return {
      dedupe_key: `${ORDER_APPROVED}:${orderId}`,
      event_type: ORDER_APPROVED,
      customer_key: `cpf:${historyCpf(buyer)}`,
      order_id: orderId,
      order_ref: `h${i}`,
      subscription_id: null,
      plan_name: 'Excel PRO',
      plan_id: planId ?? null,
      product_id: productId ?? null,
      product_name: productName ?? null,
      customer_name: `Aluno ${buyer} Histórico`,
      customer_email: `aluno${buyer}@example.com`,
      search_text: normalizeText(
        `h${i} | ${orderId} | Excel PRO | Aluno ${buyer} Histórico | aluno${buyer}@example.com | ${ORDER_APPROVED}`,
      ),
      body: templates[buyer].replace('__ORDER__', orderId),
      status: 'done',
      attempts: 1,
      available_at: at,
      next_run_at: at,
      lease_owner: null,
      lease_until: null,
      last_error: null,
      outcome: 'Matrícula feita e boas-vindas enviadas.',
      parent_id: null,
      received_at: at,
      updated_at: at + 2_000,
      finished_at: at + 2_000,
    };
  };
  try {
    await db.transaction().execute(async (trx) => {
      for (let first = 0; first < count; first += CHUNK) {
        const rows = Array.from({ length: Math.min(CHUNK, count - first) }, (_, k) => row(first + k));
        await trx.insertInto('events').values(rows).execute();
      }
    });
  } finally {
    await db.destroy();
  }
}

/** The n-th pending approval as the inbox receives it: of buyer `buyer`, its order `pending-n`. */
function pendingDeliveries(): (n: number, buyer: number) => NewEvent {
  const templateCpf = pendingCpf(0);
  const sample = buildDelivery(ORDER_APPROVED, {
    plan: 'Excel PRO',
    cpf: templateCpf,
    orderId: '__ORDER__',
    name: 'Pendente Bench',
    email: '__EMAIL__',
    phone: '+5511977776666',
  });
  // Each its own subscription: a long history is many purchases (as deliveries.ts), not ten
  // thousand charges of one subscription — which every approval of it would read (saleEvents).
  const template = JSON.stringify(sample).replaceAll(String(sample.subscription_id), '__SUBSCRIPTION__');
  const textOf = (n: number, buyer: number) =>
    template
      .replace('__ORDER__', `pending-${n}`)
      .replaceAll('__SUBSCRIPTION__', `pending-sub-${n}`)
      .replace(`"CPF":"${templateCpf}"`, `"CPF":"${pendingCpf(buyer)}"`)
      .replace('__EMAIL__', `pendente${buyer}@example.com`);
  const parse = (text: string) => {
    const parsed = parseDelivery(Buffer.from(text));
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.delivery;
  };
  // parseDelivery (strict JSON, validation) once; every other delivery is the same one with its
  // order id, CPF and e-mail swapped — checked against parseDelivery for a sample below.
  const base = parse(textOf(0, 0));
  const make = (n: number, buyer: number): NewEvent => {
    const text = textOf(n, buyer);
    return {
      ...base,
      orderId: `pending-${n}`,
      subscriptionId: `pending-sub-${n}`,
      dedupeKey: base.dedupeKey.replace('pending-0', `pending-${n}`),
      customerKey: base.customerKey.replace(templateCpf, pendingCpf(buyer)),
      customerEmail: `pendente${buyer}@example.com`,
      body: JSON.parse(text) as Record<string, unknown>,
      bodyText: text,
    };
  };
  for (const [n, buyer] of [
    [1, 0],
    [7, 7],
  ]) {
    const { body: _made, ...made } = make(n, buyer);
    const { body: _parsed, ...parsed } = parse(textOf(n, buyer));
    if (JSON.stringify(made) !== JSON.stringify({ ...made, ...parsed }))
      throw new Error('pendingDeliveries: out of step with parseDelivery');
  }
  return make;
}

/**
 * `count` pending approvals (orders pending-first, …) through the inbox, so they are claimable:
 * of distinct buyers, or all of one buyer.
 */
export async function queuePending(storage: StorageConfig, count: number, oneBuyer: boolean, first = 0): Promise<void> {
  const delivery = pendingDeliveries();
  const store = await openStore(storage);
  try {
    await Promise.all(
      Array.from({ length: count }, (_, i) => {
        const n = first + i;
        return store.inbox.insert(delivery(n, oneBuyer ? 0 : n + 1));
      }),
    );
  } finally {
    await store.close();
  }
}

/**
 * A new database holding `HISTORY` done events over `HISTORY_BUYERS` buyers, then `PENDING` pending
 * ones (of distinct buyers, or all of one). PostgreSQL's statistics are brought up to date, as
 * autovacuum would have done on a table that grew over months.
 */
export async function prefilledTable(kind: StoreKind, oneBuyer: boolean): Promise<StorageConfig> {
  const storage = await freshStorage(kind);
  await fillHistory(storage, HISTORY, HISTORY_BUYERS);
  await queuePending(storage, PENDING, oneBuyer);
  if (kind === 'postgres') {
    const { db } = await openDatabase(storage);
    try {
      await sql`analyze`.execute(db);
    } finally {
      await db.destroy();
    }
  }
  return storage;
}
