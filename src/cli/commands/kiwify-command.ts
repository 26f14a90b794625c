/**
 * Kiwify delivery simulator: builds a realistic delivery, signs it like Kiwify and posts it.
 *
 *   npm run kiwify -- <order_approved|order_refunded|chargeback|subscription_canceled|subscription_renewed|
 *                      subscription_trial_started|subscription_trial_canceled>
 *     [--plan NAME] [--cpf DIGITS] [--phone +55...] [--no-whatsapp] [--name "..."] [--email ...]
 *     [--order ID] [--one-off] [--access-until ISO] [--trial-end ISO] [--url URL] [--token T] [--print]
 */
import { parseArgs } from 'node:util';
import { postSignedDelivery } from '../../sandbox/kiwify-deliver.js';
import { randomInt } from 'node:crypto';
import { buildDelivery, noWhatsappPhone, SIMULATED_EVENTS, type SimulatedEvent } from '../../sandbox/kiwify-samples.js';
import type { Command } from '../cli-io.js';

const USAGE = `Uso: npm run kiwify -- <${SIMULATED_EVENTS.join('|')}> [--plan NOME] [--cpf CPF] [--phone +55...]
       [--no-whatsapp] [--name "Nome"] [--email e@x.com] [--order ID] [--one-off] [--access-until ISO]
       [--trial-end ISO] [--url http://127.0.0.1:3000/webhook] [--token TOKEN] [--print]
Mesmo --cpf e --plan = mesma venda (o reembolso encontra a aprovação; a primeira cobrança, o teste grátis).
--order gera outro pedido (ex.: renovação, com order_approved ou subscription_renewed). O teste grátis não tem
pedido: --trial-end diz até quando vai (padrão: daqui a 7 dias).
--no-whatsapp: um celular sem WhatsApp (+55 11 9 0000-XXXX, que o ChatPro simulado do npm run demo recusa):
as boas-vindas vão por e-mail, para --email, quando o servidor tem e-mail configurado.`;

const OPTIONS = {
  plan: { type: 'string' },
  cpf: { type: 'string' },
  phone: { type: 'string' },
  'no-whatsapp': { type: 'boolean' },
  name: { type: 'string' },
  email: { type: 'string' },
  order: { type: 'string' },
  'one-off': { type: 'boolean' },
  'access-until': { type: 'string' },
  'trial-end': { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  print: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What a 401 means here: the delivery was signed with a token the server does not have. */
function tokenHint(tokenGiven: boolean): string {
  const used = tokenGiven ? 'o --token informado' : 'KIWIFY_WEBHOOK_TOKEN deste terminal (.env)';
  return (
    `O servidor recusou a assinatura: a entrega foi assinada com ${used}, que não é um dos tokens do servidor. ` +
    'Passe --token com o valor de KIWIFY_WEBHOOK_TOKEN do servidor (ex.: o token impresso por `npm run demo`), ' +
    'ou defina aqui o mesmo KIWIFY_WEBHOOK_TOKEN que o servidor usa.'
  );
}

/** `npm run kiwify -- <event> …`: a realistic delivery, signed like Kiwify, posted, its answer printed. */
export const kiwifyCommand: Command = async (argv, io) => {
  const fail = (message: string) => {
    io.err(`${message}\n\n${USAGE}`);
    return 2;
  };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    return fail((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const event = positionals[0] as SimulatedEvent | undefined;
  if (!event || !SIMULATED_EVENTS.includes(event)) return fail(`Evento inválido: ${positionals[0] ?? '(nenhum)'}.`);
  const token = values.token ?? io.env.KIWIFY_WEBHOOK_TOKEN?.split(',')[0]?.trim();
  if (!token) return fail('Informe --token (ou defina KIWIFY_WEBHOOK_TOKEN).');

  if (values['no-whatsapp'] && values.phone) return fail('Use --phone ou --no-whatsapp, não os dois.');
  const delivery = buildDelivery(event, {
    plan: values.plan,
    cpf: values.cpf,
    phone: values['no-whatsapp'] ? noWhatsappPhone(randomInt(10_000)) : values.phone,
    name: values.name,
    email: values.email,
    orderId: values.order,
    oneOff: values['one-off'],
    accessUntil: values['access-until'],
    trialEnd: values['trial-end'],
  });
  const body = Buffer.from(JSON.stringify(delivery), 'utf8');
  const url = new URL(values.url ?? `http://127.0.0.1:${io.env.PORT || 3000}/webhook`);
  if (values.print) io.out(JSON.stringify(delivery, null, 2));
  const customer = delivery.Customer as Record<string, string>;
  // The order's reference, as alerts and the admin page show it (its id follows).
  const ids = delivery as { order_id: string | null; order_ref: string | null; subscription_id?: string };
  const sale = ids.order_id ? `pedido ${ids.order_ref} (${ids.order_id})` : `assinatura ${ids.subscription_id} (sem pedido)`;
  io.out(`→ ${event} · ${sale} · plano ${values.plan ?? 'Excel PRO'} · CPF ${customer.CPF}`);
  try {
    const res = await postSignedDelivery(url.toString(), body, token);
    io.out(`← HTTP ${res.status} ${await res.text()}`);
    if (res.status === 401) io.err(tokenHint(values.token !== undefined));
    return res.ok ? 0 : 1;
  } catch (err) {
    io.err(`Falha ao enviar para ${url.origin}${url.pathname}: ${(err as Error).message}`);
    return 1;
  }
};
