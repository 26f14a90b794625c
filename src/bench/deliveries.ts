import { BILLET_CREATED, ORDER_APPROVED } from '../domain/event-types.js';
import { cpfFrom } from '../domain/cpf.js';
import { signKiwify } from '../intake/kiwify-signature.js';
import { buildDelivery } from '../sandbox/kiwify-samples.js';

/**
 * Signed deliveries for the ack runs, one new order id each, in the three shapes of issue 24:
 * - `billets`: unique buyers' `billet_created` (a boleto generated): stored and closed as ignored
 *   at once, so the run measures intake alone;
 * - `oneBuyer`: one buyer's approved sales on the pre-filled table, where that buyer already has
 *   10,000 pending events (a long history: every delivery joins its queue);
 * - `launch`: unique buyers' approved sales on a fresh table while the worker enrolls them against
 *   the loopback fakes.
 */
export type Scenario = 'billets' | 'oneBuyer' | 'launch';

export const SCENARIO_LABEL: Record<Scenario, string> = {
  billets: 'billets',
  oneBuyer: 'one buyer',
  launch: 'launch',
};

export const WEBHOOK_TOKEN = 'bench-token';

const TEMPLATE_CPF = '52998224725';
/** Buyer n of the pre-filled table's pending events (history.ts); buyer 0 is the `oneBuyer` run's. */
export const pendingCpf = (n: number) => cpfFrom(String(400_000_000 + n));
const sample = buildDelivery(ORDER_APPROVED, {
  plan: 'Excel PRO',
  cpf: TEMPLATE_CPF,
  orderId: '__ORDER__',
  name: 'Comprador Bench',
  email: '__EMAIL__',
  phone: '+5511988887777',
});
// Each delivery is the first charge of its own subscription: a buyer's long history is many
// purchases, not thousands of renewals of one subscription (which has one charge a month).
const template = JSON.stringify(sample).replaceAll(String(sample.subscription_id), '__SUBSCRIPTION__');
const billetTemplate = template.replace(`"webhook_event_type":"${ORDER_APPROVED}"`, `"webhook_event_type":"${BILLET_CREATED}"`);
let sequence = 0;

/** Deliveries made from here on are numbered from `first` (a load thread's own range). */
export function startSequenceAt(first: number): void {
  sequence = first;
}

export type NextDelivery = () => { path: string; body: string };

/** A new order id per delivery; `billets` and `launch` a new buyer (CPF, e-mail) too. */
export function deliveriesFor(scenario: Scenario): NextDelivery {
  const base = scenario === 'billets' ? billetTemplate : template;
  return () => {
    sequence += 1;
    let body = base
      .replace('__ORDER__', `bench-${process.pid}-${sequence}`)
      .replaceAll('__SUBSCRIPTION__', `sub-${process.pid}-${sequence}`);
    if (scenario === 'oneBuyer') {
      body = body.replace(`"CPF":"${TEMPLATE_CPF}"`, `"CPF":"${pendingCpf(0)}"`).replace('__EMAIL__', 'pendente0@example.com');
    } else {
      body = body
        .replace(`"CPF":"${TEMPLATE_CPF}"`, `"CPF":"${cpfFrom(String(200_000_000 + sequence))}"`)
        .replace('__EMAIL__', `comprador${sequence}@example.com`);
    }
    return { body, path: `/webhook?signature=${signKiwify(body, WEBHOOK_TOKEN)}` };
  };
}
