import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planOverview, savePlan } from '../../src/plans/plan-admin.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { FlowHarness } from '../helpers/flow-harness.js';
import { cpfFor, fixture } from '../helpers/kiwify.js';

/**
 * A plan renamed in Kiwify keeps enrolling: the plan map keeps the Kiwify ids of each plan,
 * learned from the first sale it matched by name (or given by support), and a sale finds its plan
 * by them first. On SQLite and PostgreSQL alike.
 */

const PLAN_ID = '97cd6da6-0000-4000-8000-000000000001'; // the subscription fixture's Subscription.plan.id
const PRODUCT_ID = '7b9afcf0-0000-4000-8000-000000000001'; // and its Product.product_id
const EXCEL = { name: 'Excel PRO', courses: [197, 201] };

/** A subscription sale of the fixture's plan for buyer `n`, under the names Kiwify gives it then. */
function sale(n: number, planName: string, productName = 'Curso Exemplo') {
  const order = fixture('order_approved.subscription');
  order.order_id = `0b7c6f1e-1111-4a2b-9c3d-${String(n).padStart(12, '0')}`;
  order.order_ref = `REN${n}`;
  order.subscription_id = `9584c28e-0000-4000-8000-${String(n).padStart(12, '0')}`;
  order.Customer = { ...order.Customer, CPF: cpfFor(n), email: `comprador${n}@example.com` };
  order.Subscription.plan.name = planName;
  order.Product.product_name = productName;
  return order;
}

describe.each(STORE_TARGETS)('a plan renamed in Kiwify: $name', (target) => {
  let flows: FlowHarness | undefined;
  beforeEach(({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
  });
  afterEach(async () => {
    await flows?.close();
    flows = undefined;
  });

  it('a sale after the rename resolves by id: the first sale, matched by name, taught the ids', async () => {
    flows = await FlowHarness.start([EXCEL], {}, { storage: await target.fresh() });
    const first = await flows.receive(sale(1, 'Excel PRO'));
    expect((await flows.settled(first)).status).toBe('done');
    expect(await flows.store.plans.byName('Excel PRO')).toMatchObject({ kiwifyPlanId: PLAN_ID, kiwifyProductId: PRODUCT_ID });
    const [learned] = await flows.store.plans.changes(1, 'Excel PRO');
    expect(learned).toMatchObject({ action: 'learn', via: `da venda #${first}` });
    expect(JSON.parse(learned.plan!)).toMatchObject({ kiwifyPlanId: PLAN_ID, kiwifyProductId: PRODUCT_ID });

    // The producer renames plan and product in Kiwify; the ids stay.
    const renamed = await flows.receive(sale(2, 'Excel PRO Turma 2027', 'Curso Exemplo 2027'));
    const done = await flows.settled(renamed);
    expect(done.status, done.lastError ?? '').toBe('done');
    const student = [...flows.ead.students.values()].find((s) => s.cpf === cpfFor(2))!;
    expect([...student.courses].sort()).toEqual(['197', '201']);
    // The ids were learned once: nothing more to learn from a sale found by id.
    expect((await flows.store.plans.changes(10, 'Excel PRO')).filter((c) => c.action === 'learn')).toHaveLength(1);

    // Planos: both sales are the plan's, under the name Kiwify gives it now.
    const rows = await planOverview(flows.store);
    expect(rows.map((r) => [r.name, r.sales, r.kiwifyName])).toEqual([['Excel PRO', 2, 'Excel PRO Turma 2027']]);
  });

  it("renamed before its ids were learned: the waiting sales run again once support gives the plan Kiwify's id", async () => {
    flows = await FlowHarness.start([EXCEL], {}, { storage: await target.fresh() });
    const waiting = await flows.receive(sale(3, 'Excel PRO Turma 2027'));
    expect(await flows.settled(waiting)).toMatchObject({ status: 'failed', lastErrorCode: 'unmapped_plan' });
    const before = await planOverview(flows.store);
    expect(before.find((r) => r.name === 'Excel PRO Turma 2027')).toMatchObject({
      waiting: 1,
      seenIds: { kiwifyPlanId: PLAN_ID, kiwifyProductId: PRODUCT_ID },
    });

    const saved = await savePlan(flows.store, undefined, { ...EXCEL, kiwifyPlanId: PLAN_ID }, 'pelo painel');
    expect(saved).toMatchObject({ ok: true, requeued: 1 });
    expect(await flows.settled(waiting)).toMatchObject({ status: 'done' });
    const after = await planOverview(flows.store);
    expect(after.map((r) => [r.name, r.sales, r.waiting, r.kiwifyName])).toEqual([['Excel PRO', 1, 0, 'Excel PRO Turma 2027']]);
  });

  it('another plan of the same product is not taken for it: it waits for support, as before', async () => {
    flows = await FlowHarness.start(
      [{ ...EXCEL, kiwifyPlanId: PLAN_ID, kiwifyProductId: PRODUCT_ID }],
      {},
      { storage: await target.fresh() },
    );
    const other = sale(4, 'Excel PRO Anual');
    other.Subscription.plan.id = 'plano-anual';
    const id = await flows.receive(other);
    expect(await flows.settled(id)).toMatchObject({ status: 'failed', lastErrorCode: 'unmapped_plan' });
  });
});
