import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscordApi, type FakeDiscordApi } from '../../src/sandbox/fake-discord-rest.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { fixture } from '../helpers/kiwify.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';
import {
  ANA,
  discordEnv,
  discordKeys,
  postInteraction,
  pressButton,
  slash,
  submitNote,
  type DiscordKeys,
} from '../discord-console/helpers.js';
import { ADMIN, adminAuth } from '../helpers/admin.js';

/**
 * Support's hands on a sale's access — "Remover acesso" and "Devolver acesso" — from the event's
 * page, the admin API and Discord: each with a confirmation and a note, journaled, applied by the
 * flows' own revoke and enrol steps (the student found by CPF; never a second account).
 */
const CPF = '11144477735';
const chargeback = () => ({ ...fixture('order_approved.one_off'), webhook_event_type: 'chargeback', order_status: 'chargedback' });

let server: SandboxedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each(STORE_TARGETS)("support's hands on a sale's access ($name)", (target) => {
  async function withServer(env: Record<string, string> = {}) {
    const storage = await target.fresh();
    server = await startSandboxedServer({ ADMIN_TOKEN: ADMIN, ...storage, ...env });
    return { ...server, api: request(server.runtime.app) };
  }

  it('API: a chargeback dispute the school won — "Devolver acesso" re-creates the deleted account (once), "Remover acesso" takes it again', async ({
    skip,
  }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { api, deliver, settled, sandbox, runtime } = await withServer();
    const approval = (await deliver(fixture('order_approved.one_off'))).body.eventId;
    await settled(approval);
    const first = sandbox.ead.studentByCpf(CPF)!;
    await settled((await deliver(chargeback())).body.eventId);
    expect(sandbox.ead.studentByCpf(CPF)).toBeUndefined();

    expect((await api.post(`/admin/api/events/${approval}/restore-access`).set(adminAuth).send({})).status).toBe(400);
    expect((await api.post('/admin/api/events/999999/restore-access').set(adminAuth).send({ note: 'x' })).status).toBe(404);
    const restore = await api
      .post(`/admin/api/events/${approval}/restore-access`)
      .set(adminAuth)
      .send({ note: 'disputa do chargeback ganha' });
    expect(restore.status).toBe(202);
    const restored = await settled(restore.body.eventId);
    const second = sandbox.ead.studentByCpf(CPF)!;
    expect(restored).toMatchObject({ eventType: 'access_restored_by_support', parentId: Number(approval) });
    expect(restored.outcome).toBe(
      `Aluno recriado no EAD (id ${second.id}; a conta dele tinha sido excluída) matriculado em 254, 751, 169; boas-vindas enviadas por WhatsApp.`,
    );
    expect(second.id).not.toBe(first.id);
    expect([...sandbox.ead.students.values()].filter((s) => s.cpf === CPF)).toHaveLength(1);
    expect([...second.courses.keys()].sort()).toEqual(['169', '254', '751']);
    const stories = async (id: string | number) => (await runtime.store.journal.history(Number(id))).map((h) => h.message);
    expect(await stories(restore.body.eventId)).toContain(
      `Devolução do acesso pedida pela API de administração a partir do evento #${approval}: disputa do chargeback ganha`,
    );
    expect(await stories(approval)).toContain(
      `Devolução do acesso desta venda pedida pela API de administração (evento #${restore.body.eventId}, acesso devolvido pelo suporte): disputa do chargeback ganha`,
    );

    const remove = await api.post(`/admin/api/events/${approval}/remove-access`).set(adminAuth).send({ note: 'aluno pediu para sair' });
    expect(remove.status).toBe(202);
    const removed = await settled(remove.body.eventId);
    expect(removed.outcome).toBe(`Aluno ${second.id} excluído do EAD: todos os cursos do aluno (254, 751, 169) eram desta venda.`);
    expect(sandbox.ead.studentByCpf(CPF)).toBeUndefined();
    // Only one cadastro per account the sale ever needed: the sale's own and the one after the deletion.
    expect(sandbox.ead.callsTo('POST', '/alunos').filter((c) => c.path === '/alunos')).toHaveLength(2);

    const billet = (await deliver({ ...fixture('order_approved.one_off'), webhook_event_type: 'billet_created', order_id: 'b1' })).body
      .eventId;
    const refused = await api.post(`/admin/api/events/${billet}/remove-access`).set(adminAuth).send({ note: 'x' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/^Este evento não é de uma venda/);
  });

  it('page: a confirmation with what will happen and a required note; a student with other courses keeps the account', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const { api, deliver, settled, sandbox, runtime } = await withServer();
    const student = sandbox.ead.addStudent({ cpf: CPF, courses: [35] });
    const approval = (await deliver(fixture('order_approved.one_off'))).body.eventId;
    await settled(approval);
    const login = await api.post('/admin/login').type('form').send({ token: ADMIN });
    const cookie = login.headers['set-cookie'][0].split(';')[0];
    const page = async (path: string) => (await api.get(path).set('cookie', cookie)).text;

    expect(await page(`/admin/events/${approval}`)).toContain('Acesso do aluno a esta venda');
    const confirm = await page(`/admin/events/${approval}/access/remove`);
    expect(confirm).toContain('Remover acesso?');
    expect(confirm).toContain('A ponte tira do aluno os cursos que esta venda deu.');
    expect(confirm).toContain('name="note"');
    const post = (change: string, note: string) =>
      api.post(`/admin/events/${approval}/access/${change}`).set('cookie', cookie).type('form').send({ note });
    const empty = await post('remove', '  ');
    expect(empty.status, empty.text).toBe(400);
    expect(empty.text).toContain('Escreva uma nota dizendo por que');

    const queued = await post('remove', 'aluno pediu para sair');
    expect(queued.status).toBe(303);
    const removedId = /\/admin\/events\/(\d+)\?msg=acesso-na-fila$/.exec(queued.headers.location)![1];
    const removed = await settled(removedId);
    expect(removed.outcome).toBe(`Aluno ${student.id}: cursos removidos 254, 751, 169; aluno mantido: tem outros cursos (ids 35).`);
    expect([...student.courses.keys()]).toEqual(['35']);
    expect(await page(`/admin/events/${removedId}?msg=acesso-na-fila`)).toContain('Pedido registrado');

    const restoredId = /(\d+)\?/.exec((await post('restore', 'engano: o aluno fica')).headers.location)![1];
    const restored = await settled(restoredId);
    expect(restored.outcome).toBe(`Aluno ${student.id} matriculado em 254, 751, 169; boas-vindas enviadas por WhatsApp.`);
    expect(sandbox.ead.students.size).toBe(1);
    expect(sandbox.ead.callsTo('POST', '/alunos').filter((c) => c.path === '/alunos')).toHaveLength(0);
    const story = (await runtime.store.journal.history(Number(approval))).map((h) => h.message);
    expect(story).toEqual(
      expect.arrayContaining([
        `Remoção do acesso desta venda pedida pelo painel (evento #${removedId}, acesso removido pelo suporte): aluno pediu para sair`,
        `Devolução do acesso desta venda pedida pelo painel (evento #${restoredId}, acesso devolvido pelo suporte): engano: o aluno fica`,
      ]),
    );
  });
});

describe('from Discord', () => {
  let keys: DiscordKeys;
  let discord: FakeDiscordApi;
  beforeAll(async () => {
    keys = discordKeys();
    discord = await startFakeDiscordApi();
  });
  afterAll(async () => {
    await discord.close();
  });

  it('"/ponte evento" offers both; each button opens a confirmation modal whose note queues the change', async () => {
    server = await startSandboxedServer({ ADMIN_TOKEN: ADMIN, ...discordEnv(keys, discord) });
    const { deliver, settled, sandbox, runtime } = server;
    const post = (interaction: unknown) => postInteraction(server!.runtime.url(), keys, interaction);
    const approval = (await deliver(fixture('order_approved.one_off'))).body.eventId;
    await settled(approval);

    const found = await post(slash('evento', { busca: `#${approval}` }));
    const buttons = found.body.data.components[0].components.map((b: any) => [b.label, b.custom_id]);
    expect(buttons).toEqual(
      expect.arrayContaining([
        ['Remover acesso', `ponte:remove:${approval}`],
        ['Devolver acesso', `ponte:restore:${approval}`],
      ]),
    );
    const message = { id: '1', content: '', components: found.body.data.components, flags: 64 };
    const modal = await post(pressButton(`ponte:remove:${approval}`, message));
    expect(modal.body.type).toBe(9);
    expect(modal.body.data.custom_id).toBe(`ponte:removenote:${approval}`);
    expect(modal.body.data.title).toBe(`Remover acesso da venda do evento #${approval}?`);
    expect(modal.body.data.components[0].components[0]).toMatchObject({ custom_id: 'nota', required: true });

    expect((await post(submitNote(`ponte:removenote:${approval}`, ' ', message))).body.data.content).toMatch(/^Informe uma nota/);
    const submitted = await post(submitNote(`ponte:removenote:${approval}`, 'aluno pediu para sair', message));
    const queued = /evento #(\d+) na fila/.exec(submitted.body.data.content)![1];
    expect(submitted.body.data.content).toMatch(/^✅ Remoção do acesso da venda do evento #\d+ pedida por @ana/);
    const removed = await settled(queued);
    expect(removed.eventType).toBe('access_removed_by_support');
    expect(sandbox.ead.studentByCpf(CPF)).toBeUndefined();
    expect((await runtime.store.journal.history(Number(queued))).map((h) => h.message)).toContain(
      `Remoção do acesso pedida pelo Discord (@ana, ${ANA.id}) a partir do evento #${approval}: aluno pediu para sair`,
    );

    const restoreModal = await post(pressButton(`ponte:restore:${approval}`, message));
    expect(restoreModal.body.data.custom_id).toBe(`ponte:restorenote:${approval}`);
    const restoredId = /evento #(\d+) na fila/.exec(
      (await post(submitNote(`ponte:restorenote:${approval}`, 'engano', message))).body.data.content,
    )![1];
    expect((await settled(restoredId)).outcome).toMatch(/^Aluno recriado no EAD/);
    expect([...sandbox.ead.students.values()].filter((s) => s.cpf === CPF)).toHaveLength(1);
  });
});
