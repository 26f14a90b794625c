import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { eventsCommand } from '../../src/cli/commands/events-command.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { runCommand } from '../helpers/cli.js';
import { tempDir } from '../helpers/config.js';
import { tsProcess } from '../helpers/process.js';

const dbPath = join(tempDir(), 'cli.db');
let store: Stores;
let failedId: number;
let doneId: number;

const cli = (...args: string[]) => runCommand(eventsCommand, args, { SQLITE_PATH: dbPath });

beforeAll(async () => {
  store = await openStores({ SQLITE_PATH: dbPath });
  const base = {
    eventType: 'order_approved',
    customerKey: 'cpf:11144477735',
    body: {
      webhook_event_type: 'order_approved',
      Customer: { full_name: 'Beltrana Exemplo', CPF: '11144477735', email: 'b@example.com', mobile: '+5521912345678' },
    },
  };
  failedId = (
    await store.inbox.insert({ ...base, dedupeKey: 'a', orderRef: 'REFA', planName: 'Plano Fantasma', customerName: 'Beltrana Exemplo' })
  ).id;
  doneId = (
    await store.inbox.insert({
      ...base,
      dedupeKey: 'b',
      orderRef: 'REFB',
      planName: 'Excel PRO',
      customerName: 'Fulano',
      customerKey: 'cpf:2',
    })
  ).id;
  const [failedClaim, doneClaim] = await store.queue.claimDue('w', 2, 60_000);
  await store.journal.saveStep(failedClaim, 'find_student', { studentId: null });
  await store.queue.finish(failedClaim, 'failed', 'Falhou: precisa de atenção.', {
    message: 'O plano "Plano Fantasma" não está no mapa de planos.',
    code: 'unmapped_plan',
  });
  await store.queue.finish(doneClaim, 'done', 'ok');
  // The CLI opens the same file while this store stays open (as with a running server).
});
afterAll(() => store.close());

describe('npm run events', () => {
  it('list shows events newest first, and filters by status', async () => {
    const all = await cli('list');
    expect(all.code).toBe(0);
    const lines = all.out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^#${doneId}\\s+concluído`));
    expect(lines[1]).toMatch(new RegExp(`^#${failedId}\\s+falhou\\s+venda aprovada\\s+REFA\\s+Plano Fantasma\\s+Beltrana Exemplo$`));
    const failed = await cli('list', '--status', 'failed');
    expect(failed.out.trim().split('\n')).toHaveLength(1);
    expect((await cli('list', '--q', 'excel')).out).toContain(`#${doneId}`);
    expect((await cli('list', '--status', 'perdido')).code).toBe(2);
  });

  it("show tells the event's story with the CPF masked", async () => {
    const res = await cli('show', String(failedId));
    expect(res.code).toBe(0);
    expect(res.out).toContain(`#${failedId} venda aprovada — falhou`);
    expect(res.out).toContain('Último erro: O plano "Plano Fantasma" não está no mapa de planos.');
    expect(res.out).toContain('Aluno não encontrado no EAD pelo CPF: será cadastrado.');
    expect(res.out).not.toMatch(/[{}]/); // the story in words, never raw JSON
    expect(res.out).toContain('CPF *********35');
    expect(res.out).not.toContain('11144477735');
    expect(res.out).toContain('Motivo: Plano sem cursos no mapa — Cadastre o plano em Planos');
    // Running it again cannot help until the plan is mapped: the way out offered is to resolve it.
    expect(res.out).not.toContain(`npm run events -- retry ${failedId}`);
    expect(res.out).toContain(`npm run events -- resolve ${failedId} --note`);
    expect((await cli('show', '999')).code).toBe(1);
  });

  it('retry puts a failed event back in the queue, its journal intact; a done one is refused', async () => {
    const res = await cli('retry', String(failedId));
    expect(res.code).toBe(0);
    expect(res.out).toContain(`Evento #${failedId} de volta na fila`);
    expect(await store.events.get(failedId)).toMatchObject({ status: 'pending' });
    expect([...(await store.journal.loadSteps(failedId)).keys()]).toEqual(['find_student']);
    expect((await store.journal.history(failedId)).at(-1)!.message).toBe('Reprocessamento pedido pela linha de comando.');
    const refused = await cli('retry', String(doneId));
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('Só eventos com falha');
  });

  it('explains its usage', async () => {
    const res = await cli('delete', '1');
    expect(res.code).toBe(2);
    expect(res.err).toContain('npm run events -- list');
    expect((await cli('retry', 'abc')).code).toBe(2);
  });

  it('refuses to create a database that does not exist, naming SQLITE_PATH', async () => {
    const missing = join(tempDir(), 'nao-existe.db');
    const res = await runCommand(eventsCommand, ['list'], { SQLITE_PATH: missing });
    expect(res.code).toBe(2);
    expect(res.err).toContain(`Banco de dados não encontrado em ${missing}. Confira SQLITE_PATH`);
    expect((await import('node:fs')).existsSync(missing)).toBe(false);
  });

  it('piped into a reader that stops early (| head), ends quietly', async () => {
    // More output than a pipe holds (64 KB), so writes go on after the reader has left.
    const bigPath = join(tempDir(), 'big.db');
    const big = await openStores({ SQLITE_PATH: bigPath });
    for (let i = 0; i < 400; i += 1) {
      await big.inbox.insert({
        eventType: 'order_approved',
        dedupeKey: `k${i}`,
        customerKey: `c${i}`,
        planName: `Plano ${'x'.repeat(200)}`,
        body: {},
      });
    }
    await big.close();
    const run = tsProcess('src/cli/events.ts', ['list', '--limit', '400']);
    const child = spawn(process.execPath, run.args, {
      cwd: run.cwd,
      env: { PATH: process.env.PATH ?? '', SQLITE_PATH: bigPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy()); // like `head -1`
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(err).not.toContain('EPIPE');
    expect(code).toBe(0);
  });

  it('resolve closes a failure with a note (required); a second time is refused', async () => {
    const { id } = await store.inbox.insert({
      eventType: 'order_approved',
      dedupeKey: 'c',
      customerKey: 'cpf:3',
      orderRef: 'REFC',
      body: {},
    });
    const claim = (await store.queue.claimDue('w', 5, 60_000)).find((c) => c.id === id);
    await store.queue.finish(claim!, 'failed', 'Falhou: precisa de atenção.', { message: 'Compra feita com CNPJ', code: 'cnpj_buyer' });
    expect((await cli('resolve', String(id))).code).toBe(2);
    const ok = await cli('resolve', String(id), '--note', 'Cadastrado à mão no EAD.');
    expect(ok).toMatchObject({ code: 0, out: `Evento #${id} marcado como resolvido.` });
    expect(await store.events.get(id)).toMatchObject({ status: 'resolved', outcome: 'Resolvido manualmente: Cadastrado à mão no EAD.' });
    expect((await store.journal.history(id)).at(-1)!.message).toBe(
      'Marcado como resolvido pela linha de comando: Cadastrado à mão no EAD.',
    );
    expect((await cli('resolve', String(id), '--note', 'de novo')).code).toBe(1);
  });

  it('erase previews first, then strips the holder (never the CPF in the record), and says the EAD is untouched', async () => {
    const holder = { CPF: '390.533.447-05', email: 'titular@example.com', full_name: 'Titular Exemplo' };
    const { id } = await store.inbox.insert({
      eventType: 'order_approved',
      dedupeKey: 'erase-1',
      customerKey: 'cpf:39053344705',
      customerName: holder.full_name,
      customerEmail: holder.email,
      body: { webhook_event_type: 'order_approved', order_id: 'o-erase', Customer: holder },
    });
    const claim = (await store.queue.claimDue('w', 5, 60_000)).find((c) => c.id === id);
    await store.queue.finish(claim!, 'done', `Aluno ${holder.full_name} matriculado.`);
    const env = { SQLITE_PATH: dbPath, EAD_API_KEY: 'ead-key-for-cli-tests' };

    expect((await runCommand(eventsCommand, ['erase', '--cpf', holder.CPF], { SQLITE_PATH: dbPath })).err).toContain('EAD_API_KEY');
    const preview = await runCommand(eventsCommand, ['erase', '--cpf', holder.CPF], env);
    expect(preview).toMatchObject({ code: 0 });
    expect(preview.out).toContain('1 evento(s) deste titular');
    expect(preview.out).toContain('Nada foi apagado');
    expect((await store.events.get(id))!.customerEmail).toBe(holder.email);

    const done = await runCommand(eventsCommand, ['erase', '--cpf', holder.CPF, '--yes', '--note', 'chamado 7'], env);
    expect(done.code).toBe(0);
    expect(done.out).toContain('Dados pessoais apagados de 1 evento(s)');
    expect(done.out).toContain('A conta do aluno no EAD não foi alterada');
    const row = (await store.events.get(id))!;
    expect(JSON.stringify(row)).not.toMatch(/titular|Titular|39053344705|390\.533/);
    expect(row.outcome).toBe('Aluno [apagado] matriculado.');
    expect(await store.privacy.erasures()).toMatchObject([{ events: 1, via: 'pela linha de comando', note: 'chamado 7' }]);
    expect((await runCommand(eventsCommand, ['erase', '--cpf', '111'], env)).code).toBe(2);
  });
});

describe('npm run events -- remove-access / restore-access', () => {
  it("queues support's change of a sale's access with its note; refuses without a note, twice, or for no sale", async () => {
    const path = join(tempDir(), 'access.db');
    const own = await openStores({ SQLITE_PATH: path });
    try {
      const sale = await own.inbox.insert({
        eventType: 'order_approved',
        dedupeKey: 'order_approved:o-cli',
        customerKey: 'cpf:11144477735',
        orderId: 'o-cli',
        orderRef: 'REFC',
        planName: 'Excel PRO',
        body: { webhook_event_type: 'order_approved', order_id: 'o-cli', Customer: { CPF: '11144477735' } },
      });
      const run = (...args: string[]) => runCommand(eventsCommand, args, { SQLITE_PATH: path });
      const noNote = await run('remove-access', String(sale.id));
      expect(noNote.code).toBe(2);
      expect(noNote.err).toContain('Escreva uma nota dizendo por que');
      const queued = await run('remove-access', String(sale.id), 'aluno pediu', 'para sair');
      expect(queued.code).toBe(0);
      const newId = Number(/na fila \(evento #(\d+)\)/.exec(queued.out)![1]);
      expect(await own.events.get(newId)).toMatchObject({ eventType: 'access_removed_by_support', status: 'pending', parentId: sale.id });
      expect((await own.journal.history(newId)).map((h) => h.message)).toEqual([
        `Remoção do acesso pedida pela linha de comando a partir do evento #${sale.id}: aluno pediu para sair`,
      ]);
      const twice = await run('restore-access', String(sale.id), 'engano');
      expect(twice.code).toBe(1);
      expect(twice.err).toMatch(/^Já há uma remoção ou devolução de acesso desta venda na fila/);
      const shown = await run('show', String(sale.id));
      expect(shown.out).toContain(`npm run events -- restore-access ${sale.id} "por que"`);
    } finally {
      await own.close();
    }
  });
});
