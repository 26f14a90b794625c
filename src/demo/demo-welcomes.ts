import { ORDER_APPROVED } from '../domain/event-types.js';
import type { InboxEvent } from '../domain/inbox-event.js';
import { buildDelivery, noWhatsappPhone } from '../sandbox/kiwify-samples.js';
import type { Sandbox } from '../sandbox/sandbox.js';

/** Steps 8–9: a buyer without WhatsApp gets the welcome by e-mail; an order bump reads as one purchase. */

/** What these steps use of the demo's context and tools (demo-scenarios.ts). */
interface DemoContext {
  sandbox: Sandbox;
  say: (line?: string) => void;
}
interface DemoKit {
  expect: (ok: boolean, what: string) => void;
  post: (body: Buffer) => Promise<{ eventId?: string }>;
  settle: (eventId: string | undefined) => Promise<InboxEvent | undefined>;
  until: <T>(find: () => T | undefined, ms?: number) => Promise<T | undefined>;
  step: (title: string, run: () => Promise<void>) => Promise<void>;
}

const JOAQUIM = {
  cpf: '15350946056',
  name: 'Joaquim Pereira Nunes',
  // A number of the range the simulated ChatPro says has no WhatsApp (npm run kiwify -- --no-whatsapp).
  phone: noWhatsappPhone(4242),
  email: 'joaquim@example.com',
  plan: 'Inglês Fluente',
  oneOff: true,
};
const LUCIA = { cpf: '74682489070', name: 'Lúcia Ferraz', phone: '+5561988776655', email: 'lucia@example.com', oneOff: true };

export async function welcomeChapters(ctx: DemoContext, kit: DemoKit): Promise<void> {
  await emailWelcome(ctx, kit);
  await orderBump(ctx, kit);
}

async function emailWelcome({ sandbox, say }: DemoContext, { expect, post, settle, step, until }: DemoKit): Promise<void> {
  await step('8. Joaquim compra "Inglês Fluente"; o celular dele não tem WhatsApp: as boas-vindas vão por e-mail', async () => {
    const chatproCalls = sandbox.chatpro.calls.length;
    const mails = sandbox.mail.received.length;
    const event = await settle((await post(Buffer.from(JSON.stringify(buildDelivery(ORDER_APPROVED, JOAQUIM))))).eventId);
    expect(event?.status === 'done', 'a venda do Joaquim deveria terminar concluída');
    expect(
      sandbox.chatpro.calls.slice(chatproCalls).every((c) => c.status === 400) && sandbox.chatpro.calls.length > chatproCalls,
      'o ChatPro deveria recusar o número do Joaquim (sem WhatsApp)',
    );
    const mail = await until(() => sandbox.mail.received.slice(mails).find((m) => m.envelope.to.includes(JOAQUIM.email)));
    expect(mail !== undefined, 'o Joaquim deveria receber as boas-vindas por e-mail');
    const password = sandbox.ead.studentByCpf(JOAQUIM.cpf)?.senha;
    expect(Boolean(password && mail?.parsed.text?.includes(`Senha: ${password}`)), 'o e-mail deveria trazer a senha do Joaquim');
    expect(
      Boolean(event?.outcome?.includes('enviadas por e-mail')),
      'a história do evento deveria dizer que as boas-vindas foram por e-mail',
    );
    expect(event?.lastErrorCode === null, 'com o e-mail entregue, o suporte não precisa agir');
    say('   (a senha saiu do banco assim que o e-mail foi aceito; nenhuma ação do suporte)');
  });
}

async function orderBump({ sandbox, say }: DemoContext, { expect, post, settle, step }: DemoKit): Promise<void> {
  await step('9. Lúcia compra "Excel PRO" e, no mesmo checkout, o order bump "Inglês Kids": dois pedidos, uma compra', async () => {
    const sent = sandbox.chatpro.delivered.length;
    const main = (await post(Buffer.from(JSON.stringify(buildDelivery(ORDER_APPROVED, { ...LUCIA, plan: 'Excel PRO' }))))).eventId;
    const bump = (await post(Buffer.from(JSON.stringify(buildDelivery(ORDER_APPROVED, { ...LUCIA, plan: 'Inglês Kids' }))))).eventId;
    const events = [await settle(main), await settle(bump)];
    expect(
      events.every((e) => e?.status === 'done'),
      'os dois pedidos da Lúcia deveriam terminar concluídos',
    );
    const cadastros = sandbox.ead.callsTo('POST', '/alunos').filter((c) => c.path === '/alunos' && c.form.doc_cpf === LUCIA.cpf);
    expect(cadastros.length === 1, 'deveria haver um só cadastro da Lúcia');
    const [first, second] = sandbox.chatpro.delivered.slice(sent).map((m) => m.message);
    const password = sandbox.ead.studentByCpf(LUCIA.cpf)?.senha ?? '?';
    expect(Boolean(first?.includes(`Senha: ${password}`)), 'a primeira mensagem deveria trazer a senha');
    expect(
      Boolean(second?.includes('a mesma da mensagem de boas-vindas do plano *Excel PRO*') && !second.includes(password)),
      'a segunda mensagem deveria apontar para a senha da primeira, sem outra senha nem "a que você já usa"',
    );
    say('   (um só cadastro; a segunda mensagem só acrescenta o curso e remete à senha da primeira)');
  });
}
