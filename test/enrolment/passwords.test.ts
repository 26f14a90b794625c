import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/domain/secret-box.js';
import { openStore } from '../../src/store/store.js';
import { tempDir } from '../helpers/config.js';
import { PG_URL, STORE_ENVS } from '../helpers/databases.js';
import { fixture } from '../helpers/kiwify.js';
import { waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';

const CPF = '11144477735';
const DAY_MS = 24 * 60 * 60 * 1000;

let server: SandboxedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Every byte the database holds: the SQLite file with its -wal and -shm, or a pg_dump of the schema. */
function databaseBytes(server: SandboxedServer): Buffer {
  const url = server.runtime.config.storage.DATABASE_URL;
  if (url) {
    const schema = /search_path=(\w+)/.exec(decodeURIComponent(url))![1];
    return execFileSync('pg_dump', ['--data-only', '-n', schema, PG_URL!], { maxBuffer: 64 * 1024 * 1024 });
  }
  const file = server.runtime.config.storage.SQLITE_PATH;
  const files = readdirSync(dirname(file)).filter((f) => f.startsWith(basename(file)));
  expect(files).toEqual(expect.arrayContaining([basename(file), `${basename(file)}-wal`]));
  return Buffer.concat(files.map((f) => readFileSync(join(dirname(file), f))));
}

describe.each(STORE_ENVS)("a new student's password at rest ($name)", ({ env, available }) => {
  it('is never in the database in clear: neither while the welcome keeps failing nor after it was sent', async ({ skip }) => {
    if (!available) skip('TEST_DATABASE_URL não definido');
    server = await startSandboxedServer(await env(), undefined, { tuning: { retryBaseMs: 100, maxAttempts: 50 } });
    const { sandbox } = server;
    sandbox.chatpro.faults.failNext('http_500', 1000);
    const { eventId } = (await server.deliver(fixture('order_approved.one_off'))).body;
    await waitFor(async () => ((await server!.runtime.store.events.get(Number(eventId)))?.attempts ?? 0) >= 2, 10_000, 'a retried welcome');
    const password = sandbox.ead.studentByCpf(CPF)!.senha;
    expect(password).toMatch(/^Gen/);

    const failing = databaseBytes(server);
    expect(failing.includes(password)).toBe(false);
    const journal = (await server.runtime.store.journal.loadSteps(Number(eventId))).get('cadastro') as { sealedPassword?: string };
    expect(journal.sealedPassword).toMatch(/^v1\./);

    sandbox.chatpro.faults.clear();
    await server.settled(eventId);
    expect(sandbox.chatpro.delivered[0].message).toContain(`Senha: ${password}`);
    expect(databaseBytes(server).includes(password)).toBe(false);
    expect((await server.runtime.store.journal.loadSteps(Number(eventId))).get('cadastro')).not.toHaveProperty('sealedPassword');
  });
});

describe.each(STORE_ENVS)("a new student's password and the e-mail welcome ($name)", ({ env, available }) => {
  it('stays sealed while the e-mail keeps failing, goes out by e-mail, and then is in no database file', async ({ skip }) => {
    if (!available) skip('TEST_DATABASE_URL não definido');
    server = await startSandboxedServer({ ...(await env()), WELCOME_CHANNELS: 'email' }, undefined, {
      mail: true,
      tuning: { retryBaseMs: 100, maxAttempts: 50, upstreamTimeoutMs: 5_000 },
    });
    const { sandbox } = server;
    sandbox.mail.faults.failNext('defer', 1000); // 451 at the end of DATA: try later
    const { eventId } = (await server.deliver(fixture('order_approved.one_off'))).body;
    await waitFor(async () => ((await server!.runtime.store.events.get(Number(eventId)))?.attempts ?? 0) >= 2, 10_000, 'a retried e-mail');
    const password = sandbox.ead.studentByCpf(CPF)!.senha;
    expect(databaseBytes(server).includes(password)).toBe(false);
    const sealed = (await server.runtime.store.journal.loadSteps(Number(eventId))).get('cadastro') as { sealedPassword?: string };
    expect(sealed.sealedPassword).toMatch(/^v1\./);

    sandbox.mail.faults.clear();
    await server.settled(eventId);
    expect(sandbox.mail.received).toHaveLength(1);
    expect(sandbox.mail.received[0].parsed.text).toContain(`Senha: ${password}`);
    expect(sandbox.mail.received[0].raw).toContain(password);
    expect(databaseBytes(server).includes(password)).toBe(false);
    expect((await server.runtime.store.journal.loadSteps(Number(eventId))).get('cadastro')).not.toHaveProperty('sealedPassword');
  });
});

describe('a welcome that never went out', () => {
  it('keeps the sealed password PASSWORD_RETENTION_DAYS (7), then wipes it; a later replay sends "Esqueci minha senha"', async () => {
    server = await startSandboxedServer({}, undefined, { tuning: { maxAttempts: 1 } });
    const { sandbox, runtime } = server;
    sandbox.chatpro.faults.failNext('http_500', 5);
    const { eventId } = (await server.deliver(fixture('order_approved.one_off'))).body;
    const id = Number(eventId);
    await server.settled(eventId, 'failed');

    // Six days on: still kept (the welcome may yet be replayed with it).
    await runtime.housekeeping.runOnce(Date.now() + 6 * DAY_MS);
    expect((await runtime.store.journal.loadSteps(id)).get('cadastro')).toHaveProperty('sealedPassword');
    // Eight days on: wiped, and the story says so.
    await runtime.housekeeping.runOnce(Date.now() + 8 * DAY_MS);
    const cadastro = (await runtime.store.journal.loadSteps(id)).get('cadastro');
    expect(cadastro).not.toHaveProperty('sealedPassword');
    expect(cadastro).toMatchObject({ passwordExpired: true });
    expect((await runtime.store.journal.history(id)).map((h) => h.message)).toEqual(
      expect.arrayContaining([expect.stringContaining('Senha do aluno apagada')]),
    );

    sandbox.chatpro.faults.clear();
    expect(await runtime.store.queue.requeue(id)).toBe('queued');
    runtime.worker.wake();
    await server.settled(eventId);
    const welcome = sandbox.chatpro.delivered[0].message;
    expect(welcome).toContain('Senha: crie a sua em "Esqueci minha senha" no portal.');
    expect(welcome).not.toContain(sandbox.ead.studentByCpf(CPF)!.senha);
  });
});

describe('passwords an older release journaled in clear', () => {
  it('are sealed before the worker starts, and the plaintext leaves every database file (WAL included)', async () => {
    const file = join(tempDir(), 'bridge.db');
    const old = await openStore({ SQLITE_PATH: file });
    const { id } = await old.inbox.insert({
      eventType: 'order_approved',
      dedupeKey: 'order_approved:legado-1',
      customerKey: 'cpf:11144477735',
      body: {},
    });
    const [claim] = await old.queue.claimDue('old-release', 1, 60_000);
    await old.journal.saveStep(claim, 'cadastro', { studentId: '8097', created: true, password: 'Legado@4321' });
    await old.queue.release(claim);
    await old.close();
    const bytes = () =>
      Buffer.concat(
        readdirSync(dirname(file))
          .filter((f) => f.startsWith('bridge.db'))
          .map((f) => readFileSync(join(dirname(file), f))),
      );
    expect(bytes().includes('Legado@4321')).toBe(true);

    server = await startSandboxedServer({ SQLITE_PATH: file });
    const cadastro = (await server.runtime.store.journal.loadSteps(id)).get('cadastro') as { sealedPassword?: string; password?: string };
    expect(cadastro.password).toBeUndefined();
    expect(SecretBox.derive(server.runtime.config.ead.apiKey, 'journal-secrets').open(cadastro.sealedPassword!)).toBe('Legado@4321');
    expect(bytes().includes('Legado@4321')).toBe(false);
  });
});

describe('SecretBox', () => {
  it('seals with a fresh IV each time, opens only under the same key and purpose, refuses tampering', () => {
    const box = SecretBox.derive('a-secret-key-of-the-school', 'journal-secrets');
    const a = box.seal('Senha@123');
    const b = box.seal('Senha@123');
    expect(a).not.toBe(b);
    expect(a).not.toContain('Senha');
    expect(box.open(a)).toBe('Senha@123');
    expect(SecretBox.derive('another-key-entirely', 'journal-secrets').open(a)).toBeUndefined();
    expect(SecretBox.derive('a-secret-key-of-the-school', 'another-purpose').open(a)).toBeUndefined();
    const tampered = `${a.slice(0, -2)}${a.at(-2) === 'A' ? 'B' : 'A'}${a.slice(-1)}`;
    expect(box.open(tampered)).toBeUndefined();
    expect(box.open('plain text')).toBeUndefined();
  });
});
