import { ORDER_APPROVED, ORDER_REFUNDED } from '../domain/event-types.js';
import { postSignedDelivery } from '../sandbox/kiwify-deliver.js';
import { buildDelivery } from '../sandbox/kiwify-samples.js';
import type { Runtime } from '../app/runtime.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { buttonId, buttonInteraction, buttonLabels, demoDiscordKeys, postInteraction, type DemoDiscordKeys } from './demo-discord.js';
import { FINISHED_STATUSES, type InboxEvent } from '../domain/inbox-event.js';
import { savePlan } from '../plans/plan-admin.js';
import { welcomeChapters } from './demo-welcomes.js';

interface Context {
  runtime: Runtime;
  sandbox: Sandbox;
  webhookToken: string;
  /** The Discord application's key pair (DISCORD_PUBLIC_KEY is its public half). */
  discordKeys: DemoDiscordKeys;
  say: (line?: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const BELTRANA = {
  cpf: '11144477735',
  name: 'Beltrana Exemplo da Silva',
  phone: '+5521912345678',
  email: 'beltrana@example.com',
  plan: 'Design Gráfico',
  oneOff: true,
};
const ROSA = {
  cpf: '12345678909',
  name: 'Rosa Andrade Lima',
  phone: '+5531977775555',
  email: 'rosa@example.com',
  plan: 'Liderança e Gestão',
  oneOff: true,
};
const FULANO = { cpf: '52998224725', name: 'Fulano de Tal', phone: '+5511987654321', email: 'fulano@example.com', plan: 'Excel PRO' };

/** The demo's tools: its checks, a signed delivery, waiting for an event or a condition, a narrated step. */
interface Kit {
  expect: (ok: boolean, what: string) => void;
  post: (body: Buffer) => Promise<{ eventId?: string; duplicate?: boolean }>;
  settle: (eventId: string | undefined) => Promise<InboxEvent | undefined>;
  until: <T>(find: () => T | undefined, ms?: number) => Promise<T | undefined>;
  step: (title: string, run: () => Promise<void>) => Promise<void>;
}

function kitFor({ runtime, webhookToken, say }: Context, problems: string[]): Kit {
  const expect = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };

  const post = async (body: Buffer) => {
    const res = await postSignedDelivery(`${runtime.url()}/webhook`, body, webhookToken);
    const answer = (await res.json()) as { eventId?: string; duplicate?: boolean };
    say(`   ↩️  Resposta ao webhook: HTTP ${res.status} ${JSON.stringify(answer)}`);
    return answer;
  };

  const settle = async (eventId: string | undefined): Promise<InboxEvent | undefined> => {
    for (let i = 0; i < 150 && eventId; i += 1) {
      const event = await runtime.store.events.get(Number(eventId));
      if (event && FINISHED_STATUSES.includes(event.status)) {
        say(`   ${event.status === 'failed' ? '❌' : '✔'}  Evento #${event.id}: ${event.status} — ${event.lastError ?? event.outcome}`);
        return event;
      }
      await sleep(100);
    }
    return undefined;
  };

  /** Polls `find` for up to `ms`. */
  const until = async <T>(find: () => T | undefined, ms = 10_000): Promise<T | undefined> => {
    for (let waited = 0; waited < ms; waited += 100) {
      const found = find();
      if (found !== undefined) return found;
      await sleep(100);
    }
    return find();
  };

  const alertsFlushed = async () => {
    for (let i = 0; i < 50; i += 1) {
      if ((await runtime.store.alerts.countByStatus()).pending === 0) return;
      await sleep(100);
    }
  };

  const step = async (title: string, run: () => Promise<void>) => {
    say();
    say(`▶ ${title}`);
    await run();
    await alertsFlushed();
  };

  return { expect, post, settle, until, step };
}

/** Steps 1–3: a new student, the same delivery again, a student who already had a course. */
async function firstSales({ sandbox, say }: Context, { expect, post, settle, step }: Kit): Promise<void> {
  const countCadastros = (cpf: string) =>
    sandbox.ead.callsTo('POST', '/alunos').filter((c) => c.path === '/alunos' && c.form.doc_cpf === cpf).length;

  const firstSale = Buffer.from(JSON.stringify(buildDelivery(ORDER_APPROVED, BELTRANA)));
  let firstId: string | undefined;

  await step('1. Nova compra: Beltrana compra "Design Gráfico" (aluna nova)', async () => {
    firstId = (await post(firstSale)).eventId;
    const event = await settle(firstId);
    const student = sandbox.ead.studentByCpf(BELTRANA.cpf);
    expect(event?.status === 'done', 'a venda da Beltrana deveria terminar concluída');
    expect(countCadastros(BELTRANA.cpf) === 1, 'deveria haver exatamente um cadastro da Beltrana');
    expect(
      student !== undefined && sandbox.ead.callsTo('POST', `/alunos/matricula/${student.id}`).length === 1,
      'deveria haver exatamente uma matrícula da Beltrana',
    );
    expect(
      sandbox.chatpro.delivered.filter((m) => m.number === '5521912345678').length === 1,
      'a Beltrana deveria receber uma mensagem de boas-vindas',
    );
  });

  await step('2. A Kiwify entrega a mesma venda de novo (reenvio)', async () => {
    const answer = await post(firstSale);
    await sleep(300);
    expect(answer.duplicate === true && answer.eventId === firstId, 'o reenvio deveria ser reconhecido como duplicado');
    expect(countCadastros(BELTRANA.cpf) === 1, 'o reenvio não deveria cadastrar de novo');
    say('   (nada novo no EAD nem no WhatsApp)');
  });

  await step('3. Fulano, que já é aluno (tem o curso 161), compra "Excel PRO"', async () => {
    const fulano = sandbox.ead.addStudent({ cpf: FULANO.cpf, nome: FULANO.name, courses: [161] });
    const event = await settle((await post(Buffer.from(JSON.stringify(buildDelivery(ORDER_APPROVED, FULANO))))).eventId);
    expect(event?.status === 'done', 'a venda do Fulano deveria terminar concluída');
    expect(countCadastros(FULANO.cpf) === 0, 'um aluno existente não deveria ser cadastrado de novo');
    const enrolled = sandbox.ead.callsTo('POST', `/alunos/matricula/${fulano.id}`).map((c) => c.form.cursos);
    expect(enrolled.length === 1 && enrolled[0] === '197,201', 'o Fulano deveria ser matriculado só em 197 e 201');
  });
}

/** Steps 4–6: an unmapped plan mapped by support, a refund, a sale whose webhook never came. */
async function fixesAndRefunds({ runtime, sandbox, say }: Context, { expect, post, settle, step }: Kit): Promise<void> {
  await step('4. Uma venda de um plano que não está no mapa de planos; o suporte o cadastra em Planos', async () => {
    const sale = buildDelivery(ORDER_APPROVED, { plan: 'Photoshop Avançado', name: 'Ciclana Souza', phone: '+5561988887777' });
    const event = await settle((await post(Buffer.from(JSON.stringify(sale)))).eventId);
    expect(
      event?.status === 'failed' && /Photoshop Avançado/.test(event.lastError ?? ''),
      'o plano não mapeado deveria falhar com o nome do plano',
    );
    say('   🛠️  Suporte, em Planos (/admin/plans): "Photoshop Avançado" → Adobe Photoshop CC (169) e Adobe Illustrator CC (254)');
    const saved = await savePlan(runtime.store, runtime.catalog, { name: 'Photoshop Avançado', courses: [169, 254] }, 'na demonstração');
    expect(saved.ok && saved.requeued === 1, 'salvar o plano deveria reprocessar sozinho a venda que esperava por ele');
    runtime.worker.wake();
    const again = await settle(event ? String(event.id) : undefined);
    expect(again?.status === 'done', 'a venda que esperava o plano deveria terminar concluída, sem outra ação');
  });

  await step('5. Beltrana pede reembolso', async () => {
    const event = await settle((await post(Buffer.from(JSON.stringify(buildDelivery(ORDER_REFUNDED, BELTRANA))))).eventId);
    expect(event?.status === 'done', 'o reembolso deveria terminar concluído');
    expect(sandbox.ead.studentByCpf(BELTRANA.cpf) === undefined, 'a Beltrana deveria ter sido excluída do EAD');
  });

  await step('6. O webhook de uma venda nunca chega: a conciliação a encontra na API da Kiwify', async () => {
    say('   (a Kiwify registrou a venda da Joana, mas o webhook se perdeu: nada chegou em /webhook)');
    const sale = sandbox.kiwifyApi.addSale({
      status: 'paid',
      product: { name: 'Excel PRO' },
      customer: { name: 'Joana Exemplo', email: 'joana@example.com', cpf: '39053344705', mobile: '+5561977776666' },
    });
    const report = await runtime.reconciler?.runNow();
    say(`   🔎 Conciliação: ${report?.found ?? 0} venda(s) na API da Kiwify, ${report?.queued ?? 0} recuperada(s)`);
    runtime.worker.wake();
    const event = await settle(report?.queuedIds[0] === undefined ? undefined : String(report.queuedIds[0]));
    expect(event?.status === 'done' && event.source === 'kiwify-api', 'a venda recuperada pela conciliação deveria terminar concluída');
    expect(sandbox.ead.studentByCpf('39053344705') !== undefined, 'a Joana deveria estar cadastrada no EAD');
    const late = Buffer.from(
      JSON.stringify(buildDelivery(ORDER_APPROVED, { cpf: '39053344705', plan: 'Excel PRO', orderId: sale.id, oneOff: true })),
    );
    say('   📨 Horas depois o webhook atrasado chega:');
    const answer = await post(late);
    expect(answer.duplicate === true && answer.eventId === String(event?.id), 'o webhook atrasado deveria ser reconhecido como duplicado');
  });
}

/** Step 7: a failure's alert in Discord, and the button that replays it. */
async function discordButtons(ctx: Context, kit: Kit): Promise<void> {
  await kit.step('7. No Discord: o alerta de uma venda com falha traz botões, e o suporte aperta "Reprocessar"', async () => {
    const found = await failureAlert(ctx, kit);
    if (found) await pressRetry(ctx, kit, found.event, found.alert);
  });
}

/** A sale of an unmapped plan fails; its alert reaches the Discord channel with its buttons, and no more than a first name. */
async function failureAlert({ sandbox }: Context, { expect, post, settle, until }: Kit) {
  const discord = sandbox.discordApi;
  const before = discord.messages.length;
  const event = await settle((await post(Buffer.from(JSON.stringify(buildDelivery(ORDER_APPROVED, ROSA))))).eventId);
  expect(
    event?.status === 'failed' && event.lastErrorCode === 'unmapped_plan',
    'a venda de "Liderança e Gestão" deveria falhar: plano fora do mapa',
  );
  if (!event) return;
  const alert = await until(() => discord.messages.slice(before).find((m) => JSON.stringify(m.body).includes(`#${event.id} `)));
  expect(alert !== undefined, 'o bot deveria postar o alerta da falha no canal do Discord');
  if (!alert) return;
  const posted = JSON.stringify(alert.body);
  expect(
    buttonLabels(alert.body).join(',') === 'Reprocessar,Resolver',
    `o alerta no Discord deveria ter os botões Reprocessar e Resolver (tem: ${buttonLabels(alert.body).join(', ') || 'nenhum'})`,
  );
  expect(
    posted.includes('Rosa') && ![ROSA.cpf, ROSA.email, 'Andrade', 'Lima', '977775555'].some((d) => posted.includes(d)),
    'o alerta no canal não deveria ter dado pessoal além do primeiro nome',
  );

  return { event, alert };
}

/** Support maps the plan and presses "Reprocessar": a forged press is refused, the real one replays the sale. */
async function pressRetry(
  { runtime, sandbox, discordKeys, say }: Context,
  { expect, settle, until }: Kit,
  event: InboxEvent,
  alert: NonNullable<Awaited<ReturnType<typeof failureAlert>>>['alert'],
): Promise<void> {
  const discord = sandbox.discordApi;
  say(`   🛠️  Suporte inclui "${ROSA.plan}" no mapa de planos: Liderança Eficaz (154) e Gestão de RH (156)`);
  say('       (salvar em Planos, no painel, já reprocessaria a venda sozinho; aqui quem a reprocessa é o botão)');
  await runtime.store.plans.set({ name: ROSA.plan, courses: [154, 156] }, 'na demonstração');

  const retryId = buttonId(alert.body, 'Reprocessar') ?? `ponte:retry:${event.id}`;
  const press = buttonInteraction(discord.applicationId, retryId, alert);
  say('   🔏 Alguém de fora tenta apertar o botão com uma assinatura que não é a do Discord:');
  const forged = await postInteraction(runtime.url(), demoDiscordKeys(), press);
  say(`   ↩️  POST /discord/interactions → HTTP ${forged.status}`);
  expect(forged.status === 401, 'uma interação com assinatura falsa deveria ser recusada (401)');

  say('   👆 @ana (cargo de suporte) aperta [Reprocessar]; o Discord assina a interação (Ed25519) e a envia:');
  const pressed = await postInteraction(runtime.url(), discordKeys, press);
  say(`   ↩️  POST /discord/interactions → HTTP ${pressed.status}, resposta tipo ${pressed.body.type ?? '?'}`);
  if (pressed.body.type === 7 && pressed.body.data) discord.applyUpdate(alert.id, pressed.body.data);
  else if (pressed.body.type === 6) {
    // Slow answer: the bridge said "thinking…" and edits the message through Discord's REST API.
    const edit = await until(() => discord.interactionEdits.find((e) => e.token === press.token));
    if (edit) discord.applyUpdate(alert.id, edit.body);
  }
  const again = await settle(String(event.id));
  expect(again?.status === 'done', 'a venda reprocessada pelo botão do Discord deveria terminar concluída');
  const student = sandbox.ead.studentByCpf(ROSA.cpf);
  expect(
    student !== undefined && student.courses.has('154') && student.courses.has('156'),
    'a Rosa deveria estar matriculada em 154 e 156',
  );
  const edited = alert.edits.at(-1);
  expect(
    typeof edited?.content === 'string' && edited.content.includes(`✅ #${event.id} reprocessado por @ana`),
    'a mensagem do alerta deveria ser editada: "✅ … reprocessado por @ana"',
  );
  expect(edited !== undefined && !buttonLabels(edited).includes('Reprocessar'), 'o botão Reprocessar deveria sair da mensagem');
  const story = (await runtime.store.journal.history(event.id)).map((h) => h.message);
  expect(
    story.some((m) => m.startsWith('Reprocessamento pedido pelo Discord (@ana,')),
    'a história do evento deveria dizer que @ana pediu o reprocessamento pelo Discord',
  );
}

/** Runs the sample sales in order, narrating; returns what did not happen as expected. */
export async function runScenarios(ctx: Context): Promise<string[]> {
  const { runtime, sandbox } = ctx;
  const problems: string[] = [];
  const kit = kitFor(ctx, problems);
  const { expect } = kit;
  await firstSales(ctx, kit);
  await fixesAndRefunds(ctx, kit);
  await discordButtons(ctx, kit);
  await welcomeChapters(ctx, kit);

  const counts = await runtime.store.events.countByStatus();
  expect(counts.pending + counts.retrying + counts.processing === 0, 'nenhum evento deveria ficar pendente');
  expect(counts.failed === 0, `nenhum evento deveria ficar com falha (falharam ${counts.failed})`);
  expect(
    sandbox.callmebot.calls.some((c) => c.text.includes('Photoshop Avançado')),
    'o suporte deveria ser alertado sobre o plano não mapeado',
  );
  return problems;
}
