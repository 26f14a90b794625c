import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { openDatabase, type StorageConfig } from '../../src/store/open-database.js';
import { PG_URL, STORE_TARGETS } from '../helpers/databases.js';
import { waitFor } from '../helpers/runtime.js';

/**
 * Leases shared by instances: one module for every singleton (leases.ts), owned (ending one
 * checks who holds it, in the same statement), timed on PostgreSQL by the database's clock (not
 * each machine's); and a schema migrated by any number of instances starting at once.
 */

const postgres = STORE_TARGETS.filter((t) => t.name === 'postgres');
const MINUTE = 60_000;

let opened: Stores[] = [];
let clients: pg.Client[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of clients) await c.end().catch(() => {});
  for (const s of opened) await s.close();
  opened = [];
  clients = [];
});

async function open(config: StorageConfig): Promise<Stores> {
  const store = await openStores(config);
  opened.push(store);
  return store;
}

/** A plain connection to the test database, on the schema `config` points at. */
async function connect(config: StorageConfig): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: config.DATABASE_URL });
  await client.connect();
  clients.push(client);
  return client;
}

async function databaseNow(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ now: string }>('select (extract(epoch from clock_timestamp()) * 1000)::bigint as now');
  return Number(rows[0].now);
}

/** Until when an event's lease holds, as the database has it. */
async function leaseUntil(client: pg.Client, eventId: number): Promise<number> {
  const { rows } = await client.query<{ until: string }>('select lease_until as until from events where id = $1', [eventId]);
  return Number(rows[0].until);
}

/** Sessions waiting for a lock that `holder`'s session holds. */
async function waitingOn(holder: pg.Client): Promise<number> {
  const { rows } = await holder.query<{ n: string }>(
    'select count(*) as n from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))',
  );
  return Number(rows[0].n);
}

const event = (n: number) => ({
  eventType: 'order_approved',
  dedupeKey: `order_approved:lease-${n}`,
  customerKey: `cpf:lease-${n}`,
  orderId: `lease-${n}`,
  body: { n },
});

describe.each(postgres)('leases between instances ($name)', (target) => {
  it("two instances taking over a dead one's event 15 ms apart: the second's take-over is a no-op, one runs it", async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const config = await target.fresh();
    const [dead, b] = [await open(config), await open(config)];
    const { id } = await dead.inbox.insert(event(1));
    expect(await dead.queue.claimDue('dead', 1, 10 * MINUTE)).toHaveLength(1);

    // The race, held open: B has read that `dead` holds event 1 and waits for the customer's head
    // row, which instance A holds while it takes the event over (here A's claim, as its SQL does).
    const a = await connect(config);
    await a.query('begin');
    await a.query('select event_id from queue_heads where customer_key = $1 for update', [`cpf:lease-1`]);
    const expiring = b.queue.expireLeases(['dead']);
    await waitFor(async () => (await waitingOn(a)) > 0, 5_000, "B's take-over waiting on the head row");
    const until = (await databaseNow(a)) + 10 * MINUTE;
    await a.query(
      `update events set lease_owner = 'A', lease_until = $2, attempts = attempts + 1, runs = runs + 1 where id = $1 and status = 'processing'`,
      [id, until],
    );
    await a.query('update queue_heads set run_at = $2 where customer_key = $1', ['cpf:lease-1', until]);
    await a.query('commit');

    expect(await expiring).toBe(0); // A's live lease is not ended
    expect(await b.queue.claimDue('B', 1, 10 * MINUTE)).toEqual([]);
    expect(await b.events.get(id)).toMatchObject({ status: 'processing' });
    const { rows } = await a.query<{ owner: string; until: string }>(
      'select lease_owner as owner, lease_until as until from events where id = $1',
      [id],
    );
    expect({ owner: rows[0].owner, until: Number(rows[0].until) }).toEqual({ owner: 'A', until });
  });

  it("an instance whose clock runs 10 minutes ahead takes over no live lease: lease times are the database's", async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const config = await target.fresh();
    const a = await open(config);
    const db = await connect(config);
    const { id } = await a.inbox.insert(event(2));
    const before = await databaseNow(db);
    const [claim] = await a.queue.claimDue('A', 1, MINUTE);
    expect(await leaseUntil(db, id)).toBeGreaterThanOrEqual(before + MINUTE);
    expect(await leaseUntil(db, id)).toBeLessThanOrEqual((await databaseNow(db)) + MINUTE);
    await a.alerts.ensureChannels(['discord']);
    expect(await a.alerts.acquireChannel('discord', 'A', MINUTE)).toBe(true);
    expect(await a.reconciliation.acquire('A', MINUTE, 0)).toBe(true);

    vi.setSystemTime(Date.now() + 10 * MINUTE); // this process's clock, not the database's
    const ahead = await open(config);
    expect(await ahead.queue.claimDue('B', 1, MINUTE)).toEqual([]);
    expect(await ahead.alerts.acquireChannel('discord', 'B', MINUTE)).toBe(false);
    expect(await ahead.reconciliation.acquire('B', MINUTE, 0)).toBe(false);
    await ahead.queue.extendLeases([claim], MINUTE);
    expect(await leaseUntil(db, id)).toBeLessThanOrEqual((await databaseNow(db)) + MINUTE);
  });
});

describe.each(STORE_TARGETS)('one lease module for every singleton ($name)', (target) => {
  it('one holder at a time: taken, extended by its owner, free once run out, never renewed or written under by a loser', async ({
    skip,
  }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    let now = 1_000_000;
    const store = await openStores(await target.fresh(), () => now);
    opened.push(store);
    const { leases } = store;
    expect(await leases.acquire('job:teste', 'A', MINUTE)).toBe(true);
    expect(await leases.acquire('job:teste', 'B', MINUTE)).toBe(false);
    expect(await leases.holder('job:teste')).toEqual({ owner: 'A', until: now + MINUTE });
    now += 30_000;
    expect(await leases.acquire('job:teste', 'A', MINUTE)).toBe(true); // its own: extended
    expect(await leases.renew('job:teste', 'A', MINUTE)).toBe(true);
    expect(await leases.holder('job:teste')).toEqual({ owner: 'A', until: now + MINUTE });

    now += MINUTE + 1; // A's time has run out (it died, or is slow): B takes it over
    expect(await leases.acquire('job:teste', 'B', MINUTE)).toBe(true);
    expect(await leases.renew('job:teste', 'A', MINUTE)).toBe(false);
    expect(await leases.release('job:teste', 'A')).toBe(false);
    let wrote = false;
    expect(await leases.whileHeld('job:teste', 'A', () => Promise.resolve(void (wrote = true)))).toBe(false);
    expect(wrote).toBe(false);
    expect(await leases.holder('job:teste')).toMatchObject({ owner: 'B' });

    // The holder writes and lets go in one transaction; then anyone may take it.
    expect(await leases.whileHeld('job:teste', 'B', () => Promise.resolve(void (wrote = true)), { release: true })).toBe(true);
    expect(wrote).toBe(true);
    expect(await leases.holder('job:teste')).toBeUndefined();
    expect(await leases.acquire('job:teste', 'C', MINUTE)).toBe(true);
    expect(await leases.acquire('job:outro', 'A', MINUTE)).toBe(true); // names are independent
  });

  it('of instances racing for a free lease exactly one gets it', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const config = await target.fresh();
    const stores = [await open(config), await open(config), await open(config)];
    const taken = await Promise.all(stores.map((s, i) => s.leases.acquire('job:corrida', `instancia-${i}`, MINUTE)));
    expect(taken.filter(Boolean)).toHaveLength(1);
  });

  it('an installation of before 013_leases upgrades: the old lease columns are left unread', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const config = await target.fresh();
    const old = await openDatabase(config, undefined, '012_welcome_not_sent');
    await sql`insert into alert_channels (channel, next_send_at, lease_owner, lease_until) values ('callmebot', 0, 'antiga', ${Date.now() + MINUTE})`.execute(
      old.db,
    );
    await sql`insert into reconciliation (name, lease_owner, lease_until) values ('kiwify', 'antiga', ${Date.now() + MINUTE})`.execute(
      old.db,
    );
    await old.db.destroy();

    const store = await open(config);
    expect(await store.alerts.channels()).toMatchObject([{ channel: 'callmebot', lease_owner: null }]);
    expect(await store.alerts.acquireChannel('callmebot', 'nova', MINUTE)).toBe(true);
    expect(await store.reconciliation.state()).toMatchObject({ name: 'kiwify', lease_owner: null });
    expect(await store.reconciliation.acquire('nova', MINUTE, 0)).toBe(true);
    expect(await store.reconciliation.state()).toMatchObject({ lease_owner: 'nova' });
  });
});

describe.each(postgres)('migrations ($name)', (target) => {
  it('three instances starting on an empty schema at once wait for one another and all come up', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const config = await target.fresh();
    const schema = /search_path=(\w+)/.exec(decodeURIComponent(config.DATABASE_URL!))![1];
    // Someone holds the schema's migration lock (here: the test) — as the first instance would.
    const holder = await connect(config);
    await holder.query('select pg_advisory_lock(724052, hashtext(current_schema()))');
    const starting = Promise.allSettled([openStores(config), openStores(config), openStores(config)]);
    await waitFor(async () => (await waitingOn(holder)) >= 3, 10_000, 'three instances waiting for the migration lock');
    // None has touched the schema yet, not even the migrator's own tables.
    const tables = await holder.query('select tablename from pg_tables where schemaname = $1', [schema]);
    expect(tables.rows).toEqual([]);
    await holder.query('select pg_advisory_unlock(724052, hashtext(current_schema()))');

    const results = await starting;
    for (const r of results) if (r.status === 'fulfilled') opened.push(r.value);
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok']);
    const { id } = await opened[0].inbox.insert(event(3));
    expect((await opened[2].events.get(id))?.id).toBe(id);
  });
});

if (!PG_URL) console.warn('TEST_DATABASE_URL não definido: os testes de concessões entre instâncias serão pulados.');
