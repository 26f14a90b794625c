import { ORDER_APPROVED } from '../domain/event-types.js';
import { cpfFrom } from '../domain/cpf.js';
import { signKiwify } from '../intake/kiwify-signature.js';
import { buildDelivery } from '../sandbox/kiwify-samples.js';

/** Signed order_approved deliveries for the ack runs, one new order id each. */

export type Scenario = 'unique' | 'oneBuyer' | 'history';

export const SCENARIO_LABEL: Record<Scenario, string> = {
  unique: 'unique buyers',
  oneBuyer: 'one buyer',
  history: 'pre-filled',
};

export const WEBHOOK_TOKEN = 'bench-token';

const TEMPLATE_CPF = '52998224725';
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
let sequence = 0;

export type NextDelivery = () => { path: string; body: string };

/**
 * `unique` and `history`: a new order id and a new buyer (CPF, e-mail) per delivery;
 * `oneBuyer`: a new order id, always the same buyer.
 */
export function deliveriesFor(scenario: Scenario): NextDelivery {
  return () => {
    sequence += 1;
    let body = template
      .replace('__ORDER__', `bench-${process.pid}-${sequence}`)
      .replaceAll('__SUBSCRIPTION__', `sub-${process.pid}-${sequence}`);
    if (scenario === 'oneBuyer') {
      body = body.replace('__EMAIL__', 'comprador@example.com');
    } else {
      body = body
        .replace(`"CPF":"${TEMPLATE_CPF}"`, `"CPF":"${cpfFrom(String(200_000_000 + sequence))}"`)
        .replace('__EMAIL__', `comprador${sequence}@example.com`);
    }
    return { body, path: `/webhook?signature=${signKiwify(body, WEBHOOK_TOKEN)}` };
  };
}
