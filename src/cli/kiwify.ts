/**
 * Kiwify delivery simulator: builds a realistic delivery, signs it like Kiwify and posts it.
 *
 *   npm run kiwify -- <order_approved|order_refunded|chargeback|subscription_canceled>
 *     [--plan NAME] [--cpf DIGITS] [--phone +55...] [--name "..."] [--email ...]
 *     [--order ID] [--one-off] [--access-until ISO] [--url URL] [--token T] [--print]
 */
import 'dotenv/config';
import { parseArgs } from 'node:util';
import { postSignedDelivery } from '../kiwify/deliver.js';
import { buildDelivery, SIMULATED_EVENTS, type SimulatedEvent } from '../kiwify/samples.js';

const USAGE = `Uso: npm run kiwify -- <${SIMULATED_EVENTS.join('|')}> [--plan NOME] [--cpf CPF] [--phone +55...]
       [--name "Nome"] [--email e@x.com] [--order ID] [--one-off] [--access-until ISO]
       [--url http://127.0.0.1:3000/webhook] [--token TOKEN] [--print]
Mesmo --cpf e --plan = mesma venda (o reembolso encontra a aprovação). --order gera outro pedido (ex.: renovação).`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        plan: { type: 'string' },
        cpf: { type: 'string' },
        phone: { type: 'string' },
        name: { type: 'string' },
        email: { type: 'string' },
        order: { type: 'string' },
        'one-off': { type: 'boolean' },
        'access-until': { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        print: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    fail((err as Error).message);
  }
})();

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const event = positionals[0] as SimulatedEvent | undefined;
if (!event || !SIMULATED_EVENTS.includes(event)) fail(`Evento inválido: ${positionals[0] ?? '(nenhum)'}.`);

const delivery = buildDelivery(event, {
  plan: values.plan,
  cpf: values.cpf,
  phone: values.phone,
  name: values.name,
  email: values.email,
  orderId: values.order,
  oneOff: values['one-off'],
  accessUntil: values['access-until'],
});
const body = Buffer.from(JSON.stringify(delivery), 'utf8');
const token = values.token ?? process.env.KIWIFY_WEBHOOK_TOKEN?.split(',')[0]?.trim();
if (!token) fail('Informe --token (ou defina KIWIFY_WEBHOOK_TOKEN).');
const url = new URL(values.url ?? `http://127.0.0.1:${process.env.PORT || 3000}/webhook`);

if (values.print) console.log(JSON.stringify(delivery, null, 2));
const customer = delivery.Customer as Record<string, string>;
console.log(`→ ${event} · pedido ${String(delivery.order_id)} · plano ${values.plan ?? 'Excel PRO'} · CPF ${customer.CPF}`);
try {
  const res = await postSignedDelivery(url.toString(), body, token);
  console.log(`← HTTP ${res.status} ${await res.text()}`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  console.error(`Falha ao enviar para ${url.origin}${url.pathname}: ${(err as Error).message}`);
  process.exit(1);
}
