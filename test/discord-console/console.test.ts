import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscordApi, type FakeDiscordApi } from '../../src/sandbox/fake-discord-rest.js';
import { approvedSale, cpfFor } from '../helpers/kiwify.js';
import { startRuntime, waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';
import {
  ANA,
  CHANNEL,
  discordEnv,
  discordKeys,
  inDm,
  nonMember,
  otherGuild,
  postInteraction,
  pressButton,
  shown,
  signInteraction,
  slash,
  submitNote,
  supportMember,
  type DiscordKeys,
} from './helpers.js';
import { ADMIN } from '../helpers/admin.js';

/** The Discord support console end to end: a real server, the sandbox's EAD, a fake Discord REST API. */
const PLAN = 'Curso Novo de Photoshop';
const FULL_NAME = 'Mariana Quitéria Albuquerque';

let keys: DiscordKeys;
let api: FakeDiscordApi;
let server: SandboxedServer | undefined;

beforeAll(async () => {
  keys = discordKeys();
  api = await startFakeDiscordApi();
});
afterAll(async () => {
  await api.close();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function withServer(extra: Record<string, string> = {}, options: { mail?: boolean } = {}) {
  server = await startSandboxedServer(
    {
      ADMIN_TOKEN: ADMIN,
      PUBLIC_URL: 'https://ponte.example.com',
      ...discordEnv(keys, api),
      ...extra,
    },
    undefined,
    { mail: options.mail, tuning: options.mail ? { upstreamTimeoutMs: 5_000 } : {} },
  );
  const url = server.runtime.url();
  return { ...server, url, post: (interaction: unknown) => postInteraction(url, keys, interaction) };
}

/** A sale of a plan the map does not have: it fails ("Plano sem cursos no mapa") until support maps it. */
function unmappedSale(n: number) {
  const sale = approvedSale(n);
  sale.Product.product_name = PLAN;
  sale.Customer.full_name = FULL_NAME;
  sale.Customer.first_name = 'Mariana';
  return sale;
}

const EPHEMERAL = 64;

describe('POST /discord/interactions — signature', () => {
  it('answers PING with PONG, and 401 for a forged, missing or stale signature', async () => {
    const { url, post } = await withServer();
    expect(await post({ type: 1, id: '1', application_id: api.applicationId, token: 't', version: 1 })).toEqual({
      status: 200,
      body: { type: 1 },
    });

    const body = JSON.stringify({ type: 1 });
    const other = discordKeys();
    const forged = await postInteraction(url, keys, body, {
      signature: signInteraction(other, String(Math.floor(Date.now() / 1000)), body),
    });
    expect(forged.status).toBe(401);
    expect((await postInteraction(url, keys, body, { signature: 'ab'.repeat(64) })).status).toBe(401);
    expect((await postInteraction(url, keys, body, { signature: '' })).status).toBe(401);

    // Signed correctly, but over a body that is then changed in transit.
    const ts = String(Math.floor(Date.now() / 1000));
    const tampered = await postInteraction(url, keys, JSON.stringify({ type: 2 }), {
      timestamp: ts,
      signature: signInteraction(keys, ts, body),
    });
    expect(tampered.status).toBe(401);

    const stale = String(Math.floor(Date.now() / 1000) - 6 * 60);
    const old = await postInteraction(url, keys, body, { timestamp: stale, signature: signInteraction(keys, stale, body) });
    expect(old).toEqual({ status: 401, body: { ok: false, error: 'Assinatura expirada.' } });
    const future = String(Math.floor(Date.now() / 1000) + 5 * 60);
    expect((await postInteraction(url, keys, body, { timestamp: future, signature: signInteraction(keys, future, body) })).status).toBe(
      401,
    );
  });

  it('is a 404 when the Discord console is not configured', async () => {
    const runtime = await startRuntime();
    try {
      expect((await postInteraction(runtime.url(), keys, { type: 1 })).status).toBe(404);
    } finally {
      await runtime.stop();
    }
  });
});

describe('/ponte — permissions', () => {
  it('refuses every subcommand, button and modal to a non-member, a DM and another server, and acts on nothing', async () => {
    const { post, deliver, settled, runtime } = await withServer();
    const { eventId } = (await deliver(unmappedSale(1))).body;
    await settled(eventId, 'failed');
    const id = Number(eventId);
    for (const who of [nonMember, inDm, otherGuild]) {
      const attempts = [
        slash('status', {}, who),
        slash('falhas', {}, who),
        slash('evento', { busca: `#${id}` }, who),
        slash('reprocessar', { id }, who),
        slash('resolver', { id, nota: 'feito' }, who),
        pressButton(`ponte:retry:${id}`, { content: '' }, who),
        pressButton(`ponte:resolve:${id}`, { content: '' }, who),
        submitNote(`ponte:note:${id}`, 'feito', undefined, who),
      ];
      for (const interaction of attempts) {
        const res = await post(interaction);
        expect(res.status).toBe(200);
        expect(res.body.type).toBe(4);
        expect(res.body.data.flags).toBe(EPHEMERAL);
        expect(res.body.data.content).toMatch(/^🚫 Sem permissão/);
      }
    }
    const event = await runtime.store.events.get(id);
    expect(event?.status).toBe('failed');
    expect((await runtime.store.journal.history(id)).some((h) => h.kind === 'manual' || h.kind === 'resolved')).toBe(false);
  });
});

describe('/ponte — subcommands for support', () => {
  it('status: counts, failures needing attention, the oldest waiting event', async () => {
    const { post, deliver, settled } = await withServer();
    await settled((await deliver(unmappedSale(2))).body.eventId, 'failed');
    const res = await post(slash('status'));
    expect(res.body.type).toBe(4);
    expect(res.body.data.flags).toBe(EPHEMERAL);
    expect(res.body.data.content).toContain('**Situação da ponte Kiwify → EAD**');
    expect(res.body.data.content).toContain('Falhas precisando de atenção: **1**');
    expect(res.body.data.content).toContain('Nenhum evento esperando na fila.');
  });

  it('falhas: the latest failures with their reason and buttons', async () => {
    const { post, deliver, settled } = await withServer();
    const { eventId } = (await deliver(unmappedSale(3))).body;
    await settled(eventId, 'failed');
    const res = await post(slash('falhas'));
    expect(res.body.data.flags).toBe(EPHEMERAL);
    expect(res.body.data.content).toContain(`**#${eventId}** venda aprovada`);
    expect(res.body.data.content).toContain('Plano sem cursos no mapa');
    const buttons = res.body.data.components[0].components;
    expect(buttons.map((b: any) => b.label)).toEqual([`Reprocessar #${eventId}`, `Resolver #${eventId}`, `Abrir no painel #${eventId}`]);
    expect(buttons[2].url).toBe(`https://ponte.example.com/admin/events/${eventId}`);
  });

  it('falhas and evento show markdown in a name or plan literally: no masked link, mention or heading', async () => {
    const { post, deliver, settled } = await withServer();
    const name = '[Suporte: clique](https://golpe.example/pix) @everyone <@500000000000000001>';
    const sale = unmappedSale(9);
    sale.Customer.full_name = name;
    sale.Product.product_name = '# Plano **falso** ||x||';
    const { eventId } = (await deliver(sale)).body;
    await settled(eventId, 'failed');
    const live = [/(?<!\\)\]\(/, /(?<!\\)@everyone/, /(?<!\\)<@/, /(?<!\\)\*\*falso/, /(?<!\\)\|\|/, /(?<!\\)# Plano/];
    const list = (await post(slash('falhas'))).body.data.content as string;
    const found = (await post(slash('evento', { busca: `#${eventId}` }))).body.data.embeds[0].description as string;
    for (const text of [list, found]) {
      for (const pattern of live) expect(text).not.toMatch(pattern);
      expect(shown(text)).toContain(name);
      expect(shown(text)).toContain('# Plano **falso** ||x||');
    }
  });

  it('evento: finds by #id, CPF, e-mail and order; the CPF is masked', async () => {
    const { post, deliver, settled } = await withServer();
    const sale = unmappedSale(4);
    const { eventId } = (await deliver(sale)).body;
    await settled(eventId, 'failed');
    const cpf = cpfFor(4);
    for (const busca of [
      `#${eventId}`,
      String(eventId),
      cpf,
      `${cpf.slice(0, 3)}.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-${cpf.slice(9)}`,
      sale.Customer.email,
      sale.order_ref,
    ]) {
      const res = await post(slash('evento', { busca }));
      expect(res.body.data.flags, busca).toBe(EPHEMERAL);
      const embed = res.body.data.embeds[0];
      expect(embed.title, busca).toBe(`#${eventId} venda aprovada — falhou`);
      expect(embed.description).toContain('Plano sem cursos no mapa');
      expect(shown(embed.description)).toContain(`CPF *********${cpf.slice(-2)}`);
      // The mask's asterisks are shown as typed, not read as emphasis.
      expect(embed.description).toContain(`CPF ${'\\*'.repeat(9)}${cpf.slice(-2)}`);
      expect(JSON.stringify(res.body)).not.toContain(cpf);
      expect(embed.description).toContain('**História:**');
    }
    const none = await post(slash('evento', { busca: 'ninguem@example.com' }));
    expect(none.body.data.content).toBe('Nenhum evento encontrado para essa busca.');
  });

  it('reprocessar: requeues a failed event, the sale completes, and the story names who asked', async () => {
    const { post, deliver, settled, runtime } = await withServer();
    const { eventId } = (await deliver(unmappedSale(5))).body;
    await settled(eventId, 'failed');
    await runtime.store.plans.set({ name: PLAN, courses: [169] }, 'teste');
    const res = await post(slash('reprocessar', { id: Number(eventId) }));
    expect(res.body.data.content).toBe(`🔁 Evento #${eventId} de volta na fila: será processado agora, continuando de onde parou.`);
    await settled(eventId, 'done');
    const history = await runtime.store.journal.history(Number(eventId));
    expect(history.map((h) => h.message)).toContain(`Reprocessamento pedido pelo Discord (@ana, ${ANA.id}).`);

    // Same rules and words as the admin API.
    expect((await post(slash('reprocessar', { id: Number(eventId) }))).body.data.content).toBe(
      'Só eventos com falha, aguardando nova tentativa ou ignorados podem ser reprocessados.',
    );
    expect((await post(slash('reprocessar', { id: 999_999 }))).body.data.content).toBe('Evento não encontrado.');
    expect((await post(slash('reprocessar', { id: 'abc' }))).body.data.content).toMatch(/^Informe o número do evento/);
  });

  it('boas-vindas: resends a welcome that reached no one, by e-mail to the address given or by WhatsApp to a corrected mobile', async () => {
    const { post, deliver, settled, runtime, sandbox } = await withServer({}, { mail: true });
    const sale = approvedSale(12);
    delete sale.Customer.mobile;
    sandbox.mail.refused.add(sale.Customer.email);
    const { eventId } = (await deliver(sale)).body;
    expect((await settled(eventId, 'done')).lastErrorCode).toBe('welcome_not_sent');
    const id = Number(eventId);
    const ask = (canal: string, contato: string) => post(slash('boas-vindas', { id, canal, contato }));

    expect((await ask('whatsapp', '123')).body.data.content).toBe(
      'Celular inválido: use um celular brasileiro com DDD, ex.: (61) 99999-8888.',
    );
    expect((await ask('email', 'sem arroba')).body.data.content).toMatch(/^E-mail inválido/);
    const res = await ask('email', 'certo@example.com');
    expect(res.body.data).toMatchObject({ flags: EPHEMERAL });
    expect(res.body.data.content).toBe(
      `📨 Evento #${id}: as boas-vindas serão reenviadas por e-mail (a correção fica na história do evento).`,
    );
    await waitFor(() => sandbox.mail.received.length === 1, 10_000, 'the e-mail');
    expect(sandbox.mail.received[0].envelope.to).toEqual(['certo@example.com']);
    expect(sandbox.mail.received[0].parsed.text).toContain(`Senha: ${sandbox.ead.studentByCpf(sale.Customer.CPF)!.senha}`);
    expect((await settled(eventId, 'done')).lastErrorCode).toBeNull();
    const history = (await runtime.store.journal.history(id)).map((h) => h.message);
    expect(history).toContain(`E-mail informado pelo Discord (@ana, ${ANA.id}) (c***@example.com): reenviando as boas-vindas por e-mail.`);
    expect((await ask('whatsapp', '(21) 98765-4321')).body.data.content).toBe('As boas-vindas desta venda já foram enviadas.');
  });

  it('boas-vindas by e-mail without an SMTP server: refused with what to do', async () => {
    const { post, deliver, settled } = await withServer();
    const sale = approvedSale(13);
    delete sale.Customer.mobile;
    const { eventId } = (await deliver(sale)).body;
    await settled(eventId, 'done');
    const res = await post(slash('boas-vindas', { id: Number(eventId), canal: 'email', contato: 'a@example.com' }));
    expect(res.body.data.content).toMatch(/^O envio por e-mail não está configurado/);
  });

  it('resolver: closes a failure with the note; refuses without a note or on a finished event', async () => {
    const { post, deliver, settled, runtime } = await withServer();
    const { eventId } = (await deliver(unmappedSale(6))).body;
    await settled(eventId, 'failed');
    const id = Number(eventId);
    expect((await post(slash('resolver', { id, nota: '   ' }))).body.data.content).toBe('Informe uma nota dizendo como foi resolvido.');
    const res = await post(slash('resolver', { id, nota: 'cadastrado à mão no EAD' }));
    expect(res.body.data.content).toBe(`✅ Evento #${id} marcado como resolvido: cadastrado à mão no EAD`);
    expect((await runtime.store.events.get(id))?.status).toBe('resolved');
    const history = await runtime.store.journal.history(id);
    expect(history.map((h) => h.message)).toContain(`Marcado como resolvido pelo Discord (@ana, ${ANA.id}): cadastrado à mão no EAD`);
    expect((await post(slash('resolver', { id, nota: 'de novo' }))).body.data.content).toBe(
      'Só eventos com falha, aguardando nova tentativa ou com boas-vindas não enviadas podem ser marcados como resolvidos.',
    );
  });

  it('an unknown command, subcommand or option is a clear ephemeral answer, never an action', async () => {
    const { post } = await withServer();
    for (const interaction of [
      { ...slash('status'), data: { name: 'outro', type: 1 } },
      slash('apagar'),
      { ...slash('status'), data: { name: 'ponte', options: [{ type: 3, name: 'status', value: 'x' }] } },
      pressButton('ponte:delete:1', {}),
      pressButton('x'.repeat(100), {}),
    ]) {
      const res = await post(interaction);
      expect(res.status).toBe(200);
      expect(res.body.data.flags).toBe(EPHEMERAL);
    }
  });
});

describe('alerts posted by the bot', () => {
  /** Delivers a sale that fails, and waits for the bot's alert about it. */
  async function failedSaleAlert(sale: Record<string, any>, deliver: SandboxedServer['deliver'], settled: SandboxedServer['settled']) {
    const before = api.messages.length;
    const { eventId } = (await deliver(sale)).body;
    await settled(eventId, 'failed');
    const alert = await waitFor(
      () => api.messages.slice(before).find((m) => JSON.stringify(m.body).includes(`#${eventId} `)),
      10_000,
      'alert',
    );
    return { eventId: eventId as string, alert };
  }

  /** Every message anyone in the channel can read: the posts, their edits and the in-place updates. */
  function publicTexts(updates: unknown[]): string {
    return JSON.stringify([...api.messages.map((m) => [m.body, m.edits]), updates]);
  }

  it('an alert carries buttons; "Reprocessar" retries and edits the message; no personal data but the first name', async () => {
    const { post, deliver, settled, runtime } = await withServer({ DISCORD_ALERT_CHANNEL_ID: CHANNEL });
    const sale = unmappedSale(7);
    const { eventId, alert } = await failedSaleAlert(sale, deliver, settled);
    expect(alert.channelId).toBe(CHANNEL);
    const body = alert.body as any;
    expect(body.embeds[0].title).toBe('🚨 Falha');
    expect(body.embeds[0].description).toContain('Mariana');
    expect(body.embeds[0].description).toContain('**Motivo:** Plano sem cursos no mapa');
    const labels = body.components[0].components.map((b: any) => b.label);
    expect(labels).toEqual(['Reprocessar', 'Resolver', 'Abrir no painel']);
    expect(body.allowed_mentions).toEqual({ parse: [] });

    await runtime.store.plans.set({ name: PLAN, courses: [169] }, 'teste');
    const pressed = await post(
      pressButton(`ponte:retry:${eventId}`, { id: alert.id, content: body.content ?? '', components: body.components }),
    );
    expect(pressed.body.type).toBe(7);
    expect(pressed.body.data.content).toBe(`✅ #${eventId} reprocessado por @ana`);
    // The link stays; the action buttons go.
    expect(pressed.body.data.components).toEqual([{ type: 1, components: [body.components[0].components[2]] }]);
    await settled(eventId, 'done');

    const texts = publicTexts([pressed.body]);
    for (const secret of ['Quitéria', 'Albuquerque', sale.Customer.email, cpfFor(7), sale.Customer.mobile.replace('+', '')]) {
      expect(texts).not.toContain(secret);
    }
  });

  it('"Resolver" opens a modal; the note resolves the event and the message says who did it', async () => {
    const { post, deliver, settled, runtime } = await withServer({ DISCORD_ALERT_CHANNEL_ID: CHANNEL });
    const sale = unmappedSale(8);
    const { eventId, alert } = await failedSaleAlert(sale, deliver, settled);
    const message = { id: alert.id, content: '', components: (alert.body as any).components };

    const modal = await post(pressButton(`ponte:resolve:${eventId}`, message));
    expect(modal.body.type).toBe(9);
    expect(modal.body.data.custom_id).toBe(`ponte:note:${eventId}`);
    expect(modal.body.data.components[0].components[0]).toMatchObject({ type: 4, custom_id: 'nota', style: 2, required: true });

    // The note may quote the buyer (here in full): the story keeps it, the channel only says who resolved it.
    const note = `cadastrado à mão para ${FULL_NAME}; e-mail ${sale.Customer.email}`;
    const submitted = await post(submitNote(`ponte:note:${eventId}`, note, message));
    expect(submitted.body.type).toBe(7);
    expect(submitted.body.data.content).toBe(`✅ #${eventId} resolvido por @ana (a nota está na história do evento)`);
    expect((await runtime.store.events.get(Number(eventId)))?.status).toBe('resolved');
    const history = await runtime.store.journal.history(Number(eventId));
    expect(history.map((h) => h.message)).toContain(`Marcado como resolvido pelo Discord (@ana, ${ANA.id}): ${note}`);

    // The same button pressed again, after the event changed: a clear answer, nothing done.
    const again = await post(pressButton(`ponte:resolve:${eventId}`, message));
    expect(again.body).toMatchObject({ type: 4, data: { flags: EPHEMERAL } });
    expect(again.body.data.content).toBe(
      'Só eventos com falha, aguardando nova tentativa ou com boas-vindas não enviadas podem ser marcados como resolvidos.',
    );
    const retried = await post(pressButton(`ponte:retry:${eventId}`, message));
    expect(retried.body.data.content).toBe('Só eventos com falha, aguardando nova tentativa ou ignorados podem ser reprocessados.');

    for (const secret of [sale.Customer.email, 'Quitéria', 'Albuquerque']) expect(publicTexts([submitted.body])).not.toContain(secret);
  });

  it('"Resolver" closes a sale whose welcome did not go out, as the admin page does (the one rule of what may be resolved)', async () => {
    const { post, deliver, settled, runtime } = await withServer();
    const sale = approvedSale(9);
    delete sale.Customer.mobile;
    const { eventId } = (await deliver(sale)).body;
    expect((await settled(eventId, 'done')).lastErrorCode).toBe('welcome_not_sent');
    const message = { content: '', components: [] };

    const modal = await post(pressButton(`ponte:resolve:${eventId}`, message));
    expect(modal.body.type).toBe(9);
    expect(modal.body.data.custom_id).toBe(`ponte:note:${eventId}`);
    const submitted = await post(submitNote(`ponte:note:${eventId}`, 'avisado por e-mail', message));
    expect(submitted.body.type).toBe(7);
    expect((await runtime.store.events.get(Number(eventId)))?.status).toBe('resolved');
  });
});

export { supportMember };
