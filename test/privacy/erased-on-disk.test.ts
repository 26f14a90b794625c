import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/store.js';
import { sqliteDriver } from '../../src/store/sqlite-driver.js';
import { tempDir } from '../helpers/config.js';
import { approvedSale, cpfFor } from '../helpers/kiwify.js';
import { waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';

/**
 * Erased means gone from the files: after an erasure or a retention pass, not one byte of the
 * person is left in `bridge.db`, `bridge.db-wal` or `bridge.db-shm` — read while the server runs.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const ADMIN_TOKEN = 'admin-token-for-erasure-on-disk';

let server: SandboxedServer | undefined;
let store: Store | undefined;
afterEach(async () => {
  await server?.close();
  await store?.close();
  server = undefined;
  store = undefined;
});

/** A buyer nobody else shares a byte with: name, e-mail, phone and CPF as the delivery carries them. */
function person(n: number, name: string) {
  const sale = approvedSale(n);
  Object.assign(sale.Customer, {
    full_name: `${name} Quintanilha Barbosa`,
    first_name: name,
    email: `${name.toLowerCase()}.quintanilha@example.com`,
    mobile: `+55619${String(87_000_000 + n)}`,
    CPF: cpfFor(n),
  });
  const cpf = sale.Customer.CPF as string;
  const phone = (sale.Customer.mobile as string).replace(/\D/g, '');
  const values = [sale.Customer.full_name, name, sale.Customer.email, cpf, phone, phone.slice(2)] as string[];
  return { sale, values };
}

/** Every byte of every file of the database (bridge.db and its -wal and -shm), as the server runs. */
function filesOf(file: string): { names: string[]; bytes: Buffer } {
  const names = readdirSync(dirname(file)).filter((f) => f.startsWith(basename(file)));
  return { names, bytes: Buffer.concat(names.map((f) => readFileSync(join(dirname(file), f)))) };
}

function left(bytes: Buffer, values: string[]): string[] {
  const text = bytes.toString('latin1').toLowerCase();
  const utf8 = bytes.toString('utf8').toLowerCase();
  return values.filter((v) => text.includes(v.toLowerCase()) || utf8.includes(v.toLowerCase()));
}

async function start() {
  server = await startSandboxedServer({ SQLITE_PATH: join(tempDir(), 'bridge.db'), ADMIN_TOKEN, RETENTION_DAYS: '180' });
  const { runtime } = server;
  return { ...server, file: runtime.config.storage.SQLITE_PATH };
}

describe('erased data on disk (SQLite)', () => {
  it('an erasure leaves no byte of the person in any bridge.db* file, while the server runs', async () => {
    const { runtime, deliver, settled, file } = await start();
    const holder = person(4242, 'Genoveva');
    const other = person(4343, 'Hermengarda');
    await settled((await deliver(holder.sale)).body.eventId);
    await settled((await deliver(other.sale)).body.eventId);
    await waitFor(async () => (await runtime.store.alerts.countByStatus()).pending === 0, 10_000, 'alerts sent');
    expect(left(filesOf(file).bytes, holder.values)).toEqual(holder.values); // the scan sees them while they are kept

    const res = await fetch(`${runtime.url()}/admin/api/erase`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ cpf: holder.sale.Customer.CPF, confirm: true }),
    });
    expect(await res.json()).toMatchObject({ ok: true, erased: 1 });

    const { names, bytes } = filesOf(file);
    expect(names).toEqual(expect.arrayContaining(['bridge.db', 'bridge.db-wal']));
    expect(left(bytes, holder.values)).toEqual([]);
    expect(left(bytes, other.values)).toEqual(other.values); // someone else's sale is untouched
  });

  it('a retention pass leaves no byte of the people it stripped in any bridge.db* file', async () => {
    const { runtime, deliver, settled, file } = await start();
    const buyer = person(4444, 'Eulália');
    await settled((await deliver(buyer.sale)).body.eventId);
    await waitFor(async () => (await runtime.store.alerts.countByStatus()).pending === 0, 10_000, 'alerts sent');
    expect(left(filesOf(file).bytes, buyer.values).length).toBeGreaterThan(0);

    await runtime.housekeeping.runOnce(Date.now() + 181 * DAY_MS);
    expect(left(filesOf(file).bytes, buyer.values)).toEqual([]);
  });

  it('a reader in another process holds the WAL: the cut waits for it (bounded), then goes through', async () => {
    const file = join(tempDir(), 'bridge.db');
    store = await openStore({ SQLITE_PATH: file });
    await store.inbox.insert({ eventType: 'order_approved', dedupeKey: 'k:1', customerKey: 'cpf:1', customerName: 'Zuleica', body: {} });
    const Sqlite = sqliteDriver();
    const reader = new Sqlite(file, { readonly: true });
    try {
      reader.exec('begin');
      reader.prepare('select count(*) from events').get(); // a read transaction on the WAL, as a backup would hold
      const started = Date.now();
      expect(await store.truncateLog({ maxWaitMs: 300 })).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
      // The event loop was never frozen meanwhile: the store kept answering.
      const waiting = store.truncateLog({ maxWaitMs: 5_000 });
      await store.ping();
      reader.exec('commit');
      expect(await waiting).toBe(true);
      expect(statSync(`${file}-wal`).size).toBe(0);
    } finally {
      reader.close();
    }
  });

  it('a cut another process kept from going through is tried again soon, off the request path, not an hour later', async () => {
    const file = join(tempDir(), 'bridge.db');
    store = await openStore({ SQLITE_PATH: file });
    await store.inbox.insert({ eventType: 'order_approved', dedupeKey: 'k:2', customerKey: 'cpf:2', customerName: 'Zuleica', body: {} });
    let cuts = 0;
    const job = store.logRetryJob(() => (cuts += 1))!;
    expect(job.intervalMs).toBe(30_000);
    const signal = new AbortController().signal;
    await job.run(signal); // nothing owed: nothing done
    expect(cuts).toBe(0);
    const reader = new (sqliteDriver())(file, { readonly: true });
    try {
      reader.exec('begin');
      reader.prepare('select count(*) from events').get();
      expect(await store.truncateLog({ maxWaitMs: 100 })).toBe(false);
      await job.run(signal); // still held: still owed
      expect(cuts).toBe(0);
      expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
      reader.exec('commit');
    } finally {
      reader.close();
    }
    await job.run(signal); // the next round of the job goes through
    expect(cuts).toBe(1);
    expect(statSync(`${file}-wal`).size).toBe(0);
    await job.run(signal);
    expect(cuts).toBe(1);
  });

  it('the server schedules the retries (SQLite)', async () => {
    const { runtime } = await start();
    expect(runtime.scheduler.jobs).toContain('wal-truncate');
  });
});
