import { ORDER_APPROVED } from '../domain/event-types.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { cpfFrom } from '../domain/cpf.js';
import { buildDelivery } from '../sandbox/kiwify-samples.js';
import { parseDelivery } from '../intake/kiwify-payload.js';
import { openStore } from '../store/store.js';
import type { StorageConfig } from '../store/open-database.js';

/** A valid CPF for sale number n (distinct buyers). */
export const cpfFor = (n: number) => cpfFrom(String(100_000_000 + n));

/** Shuffles in place with a fixed seed, so a run can be repeated exactly. */
export function seededShuffle<T>(items: T[], seed: number): T[] {
  let state = seed;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** The n-th distinct approved sale (own buyer, a mapped plan). */
export function saleFor(n: number): Record<string, unknown> {
  return buildDelivery(ORDER_APPROVED, {
    plan: 'Design Gráfico',
    oneOff: true,
    cpf: cpfFor(n),
    name: `Comprador ${n} Bench`,
    email: `comprador${n}@example.com`,
    phone: `+55119${String(10_000_000 + n).slice(-8)}`,
  });
}

/** Puts `count` approved sales (numbers first, first + 1, …) straight into a store, as if Kiwify had delivered them. */
export async function queueSales(storage: StorageConfig, count: number, first = 1): Promise<void> {
  const store = await openStore(storage);
  try {
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const body = saleFor(first + i);
        const parsed = parseDelivery(Buffer.from(JSON.stringify(body)));
        if (!parsed.ok) throw new Error(parsed.message);
        await store.inbox.insert(parsed.delivery);
      }),
    );
  } finally {
    await store.close();
  }
}

const schemas: Array<{ base: string; schema: string }> = [];

/** A fresh schema on `base`, first on the search_path of the returned URL. */
export async function freshPostgresUrl(base: string): Promise<string> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.end();
  schemas.push({ base, schema });
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

export async function dropPostgresSchemas(): Promise<void> {
  for (const { base, schema } of schemas.splice(0)) {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
}
