import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/open-database.js';
import { approvedSale, fixture } from '../helpers/kiwify.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const ADMIN_TOKEN = 'admin-token-for-retention-tests';

let server: SandboxedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Every personal value a delivery carries, in the forms the bridge may write them. */
function personalValues(sale: Record<string, any>): string[] {
  const c = sale.Customer;
  const cpf = c.CPF.replace(/\D/g, '');
  const phone = c.mobile.replace(/\D/g, '');
  return [
    cpf,
    `${cpf.slice(0, 3)}.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-${cpf.slice(9)}`,
    c.email,
    phone,
    phone.slice(2),
    c.full_name,
    c.first_name,
  ];
}

/** Everything the database holds about one event — its row, story, journal and alerts — as text. */
async function rowsOf(storage: Awaited<ReturnType<(typeof STORE_TARGETS)[number]['fresh']>>, eventId: number): Promise<string> {
  const { db } = await openDatabase(storage);
  try {
    const [event, history, steps, alerts] = await Promise.all([
      db.selectFrom('events').selectAll().where('id', '=', eventId).execute(),
      db.selectFrom('event_history').selectAll().where('event_id', '=', eventId).execute(),
      db.selectFrom('event_steps').selectAll().where('event_id', '=', eventId).execute(),
      db.selectFrom('alerts').selectAll().where('event_id', '=', eventId).execute(),
    ]);
    expect(event).toHaveLength(1);
    return JSON.stringify({ event, history, steps, alerts });
  } finally {
    await db.destroy();
  }
}

function expectNone(text: string, values: string[]) {
  for (const value of values) expect(text.toLowerCase(), `"${value}" left behind`).not.toContain(value.toLowerCase());
}

describe.each(STORE_TARGETS)('LGPD: retention and erasure ($name)', (target) => {
  async function start() {
    const storage = await target.fresh();
    server = await startSandboxedServer({
      SQLITE_PATH: storage.SQLITE_PATH || undefined,
      DATABASE_URL: storage.DATABASE_URL,
      ADMIN_TOKEN,
      RETENTION_DAYS: '180',
    });
    return { ...server, storage };
  }

  it('an old finished event loses every personal datum; a failure is kept; a refund of the purged sale still applies the rule', async ({
    skip,
  }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { sandbox, runtime, deliver, settled, storage } = await start();
    const sale = fixture('order_approved.one_off');
    const approval = await settled((await deliver(sale)).body.eventId);
    const student = sandbox.ead.studentByCpf(sale.Customer.CPF)!;
    const broken = approvedSale(7);
    broken.Customer.CPF = '12345678900'; // invalid: fails for good, waits for a person
    const failed = await settled((await deliver(broken)).body.eventId, 'failed');
    await waitFor(async () => (await runtime.store.alerts.countByStatus()).pending === 0, 10_000, 'alerts sent');
    expect(await rowsOf(storage, approval.id)).toContain(sale.Customer.email); // kept while it serves

    await runtime.housekeeping.runOnce(Date.now() + 179 * DAY_MS);
    expect(await rowsOf(storage, approval.id)).toContain(sale.Customer.email);
    await runtime.housekeeping.runOnce(Date.now() + 181 * DAY_MS);

    const purged = await rowsOf(storage, approval.id);
    expectNone(purged, personalValues(sale));
    const row = (await runtime.store.events.get(approval.id))!;
    expect(row.customerKey).toMatch(/^k:/);
    expect(row.personalDataRemovedAt).not.toBeNull();
    expect(JSON.parse((await runtime.store.events.getWithBody(approval.id))!.bodyText)).toMatchObject({
      order_id: sale.order_id,
      order_ref: sale.order_ref,
      Product: sale.Product,
    });
    expect((await runtime.store.journal.listSteps(approval.id)).find((s) => s.step === 'matricula')?.result).toMatchObject({
      enrolled: [254, 751, 169],
    });
    expect(await rowsOf(storage, failed.id)).toContain(broken.Customer.email);
    expect((await runtime.store.events.get(failed.id))!.status).toBe('failed');
    const health = await fetch(`${runtime.url()}/admin/api/health`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(((await health.json()) as { retention: unknown }).retention).toMatchObject({ days: 180, removed: 1 });
    const metrics = await (await fetch(`${runtime.url()}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    expect(metrics).toMatch(/^bridge_retention_last_run_removed 1$/m);
    expect(metrics).toMatch(/^bridge_retention_last_run_timestamp_seconds \d+/m);

    // A second pass finds nothing more; a purged event cannot be replayed blind.
    await runtime.housekeeping.runOnce(Date.now() + 182 * DAY_MS);
    expect(await runtime.store.queue.requeue(approval.id, ['done'])).toBe('not_retryable');
    // Nor can its welcome be sent again to a new number (which would bring personal data back).
    const resend = await fetch(`${runtime.url()}/admin/api/events/${approval.id}/welcome`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ phone: '(61) 97777-6666' }),
    });
    expect(resend.status).toBe(409);
    expect(((await resend.json()) as { error: string }).error).toContain('dados pessoais desta venda já foram apagados');
    expect(await rowsOf(storage, approval.id)).not.toContain('977776666');

    const refund = await settled((await deliver(fixture('order_refunded'))).body.eventId);
    expect(sandbox.ead.students.has(student.id)).toBe(false);
    expect(refund.outcome).toBe(`Aluno ${student.id} excluído do EAD: todos os cursos do aluno (254, 751, 169) eram desta venda.`);
  });

  it('erasure by CPF strips that person from every event, whatever its age, and nothing of anyone else', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { runtime, deliver, settled, storage } = await start();
    const holder = approvedSale(1);
    const cart = { ...fixture('abandoned_cart'), cpf: undefined, email: holder.Customer.email, name: holder.Customer.full_name };
    const other = approvedSale(2);
    // Someone else's cart under the same (family) e-mail: not the holder's to erase.
    const sibling = {
      ...fixture('abandoned_cart'),
      id: 'cart-sibling',
      cpf: undefined,
      email: holder.Customer.email,
      name: 'Outra Pessoa Qualquer',
    };
    const holderEvent = await settled((await deliver(holder)).body.eventId);
    const cartEvent = await settled((await deliver(cart)).body.eventId, 'ignored');
    const otherEvent = await settled((await deliver(other)).body.eventId);
    const siblingEvent = await settled((await deliver(sibling)).body.eventId, 'ignored');
    const api = (body: unknown) =>
      fetch(`${runtime.url()}/admin/api/erase`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const preview = await api({ cpf: holder.Customer.CPF });
    expect(await preview.json()).toMatchObject({ ok: true, confirmed: false, events: 2, open: 0, shared: 1 });
    expect(await rowsOf(storage, holderEvent.id)).toContain(holder.Customer.email); // nothing yet

    const done = await api({
      cpf: holder.Customer.CPF,
      confirm: true,
      note: `chamado 42: ${holder.Customer.full_name}, CPF ${holder.Customer.CPF}`,
    });
    const answer = (await done.json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ ok: true, confirmed: true, erased: 2, open: 0 });
    expect(answer.message).toContain('EAD não foi alterada');
    expectNone(await rowsOf(storage, holderEvent.id), personalValues(holder));
    expectNone(await rowsOf(storage, cartEvent.id), personalValues(holder));
    expect(await rowsOf(storage, otherEvent.id)).toContain(other.Customer.email);
    expect(await rowsOf(storage, otherEvent.id)).toContain(other.Customer.CPF);
    expect(await rowsOf(storage, siblingEvent.id)).toContain('Outra Pessoa Qualquer');

    const record = await fetch(`${runtime.url()}/admin/api/erasures`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const text = await record.text();
    expect(JSON.parse(text)).toMatchObject({ erasures: [{ events: 2, via: 'pela API de administração' }] });
    expect(text).toContain('chamado 42');
    expectNone(text, personalValues(holder));

    // Asked again: nothing left to erase.
    expect(await (await api({ cpf: holder.Customer.CPF })).json()).toMatchObject({ events: 0 });
    expect((await api({ cpf: '123' })).status).toBe(400);
  });
});
