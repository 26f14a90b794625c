/**
 * The inbox from the command line, straight on the store (works while the server is down):
 *
 *   npm run events -- list [--status failed] [--cause unmapped_plan] [--q texto] [--limit 20]
 *   npm run events -- show <id>
 *   npm run events -- retry <id>
 *   npm run events -- resolve <id> --note "como foi resolvido"
 *   npm run events -- erase --cpf 123.456.789-09 [--note "chamado 123"] [--yes]
 *   npm run events -- remove-access <id> "nota"     (the access of that event's sale)
 *   npm run events -- restore-access <id> "nota"
 *
 * Reads SQLITE_PATH / DATABASE_URL like the server (.env included).
 */
import { parseArgs } from 'node:util';
import { eventDetail } from '../../support/event-detail.js';
import { summarize, type EventSummary } from '../../support/present.js';
import { resolveEvent, retryEvent, RESOLVE_MESSAGES, RETRY_MESSAGES } from '../../replay/event-replay.js';
import { controlCharactersMessage, isCleanText } from '../../domain/clean-text.js';
import { formatDay, formatTime } from '../../domain/messages.js';
import type { ErasureStore } from '../../privacy/erasure.js';
import type { EventQueries } from '../../store/event-reads.js';
import type { DetailReads } from '../../support/event-detail.js';
import type { EventMoves } from '../../replay/event-replay.js';
import type { CliIo, Command } from '../cli-io.js';
import { openServerStore } from '../cli-store.js';
import { ConfigError, loadConfig } from '../../config/config.js';
import { CustomerKeys } from '../../privacy/customer-keys.js';
import { eraseHolder, erasureSummary, previewErasure } from '../../privacy/erasure.js';
import { EVENT_STATUSES, type EventStatus } from '../../domain/inbox-event.js';
import {
  ACCESS_CHANGE_WORDS,
  ACCESS_MESSAGES,
  changeAccess,
  type AccessChange,
  type AccessChangeStore,
} from '../../support/access-actions.js';

const USAGE = `Uso:
  npm run events -- list [--status ${EVENT_STATUSES.join('|')}] [--cause motivo] [--q texto] [--limit 20]
  npm run events -- show <id>
  npm run events -- retry <id>
  npm run events -- resolve <id> --note "como foi resolvido"
  npm run events -- erase --cpf CPF [--note "chamado 123"] [--yes]
  npm run events -- remove-access <id> "por que (ex.: aluno pediu para sair)"
  npm run events -- restore-access <id> "por que (ex.: disputa do chargeback ganha)"`;

function row(e: EventSummary): string {
  const who = e.customerName ?? '—';
  return [
    `#${e.id}`.padEnd(7),
    e.statusLabel.padEnd(26),
    e.label.padEnd(22),
    (e.orderRef ?? '—').padEnd(10),
    (e.plan ?? '—').padEnd(24),
    who,
  ].join(' ');
}

async function list(store: { events: Pick<EventQueries, 'list'> }, args: string[], { out, err }: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { status: { type: 'string' }, cause: { type: 'string' }, q: { type: 'string' }, limit: { type: 'string' } },
  });
  if (values.status && !EVENT_STATUSES.includes(values.status as EventStatus)) {
    err(`Status inválido: ${values.status}. Use um de: ${EVENT_STATUSES.join(', ')}.`);
    return 2;
  }
  if (values.cause !== undefined && !/^[a-z0-9_]{1,64}$/.test(values.cause)) {
    err('Motivo inválido: use o código do motivo, ex.: unmapped_plan.');
    return 2;
  }
  if (values.q !== undefined && !isCleanText(values.q)) {
    err(controlCharactersMessage('A busca'));
    return 2;
  }
  const events = await store.events.list({
    status: values.status as EventStatus | undefined,
    cause: values.cause,
    q: values.q,
    limit: Number(values.limit ?? 50),
  });
  if (events.length === 0) out('Nenhum evento.');
  for (const e of events) out(row(summarize(e)));
  return 0;
}

async function show(store: DetailReads, id: number, { out, err }: CliIo): Promise<number> {
  const d = await eventDetail(store, undefined, id);
  if (!d) {
    err(RETRY_MESSAGES.not_found.message);
    return 1;
  }
  out(`#${d.id} ${d.label} — ${d.statusLabel} (${d.runs} tentativa(s))`);
  out(`Pedido: ${d.orderRef ?? '—'} ${d.orderId ?? ''}`);
  out(`Origem: ${d.sourceLabel}`);
  out(`Plano: ${d.plan ?? '—'}${d.accessUntil ? ` · acesso até ${formatDay(Date.parse(d.accessUntil))}` : ''}`);
  out(`Cliente: ${d.customer.name ?? '—'} · ${d.customer.email ?? '—'} · ${d.customer.phone ?? '—'} · CPF ${d.customer.cpf ?? '—'}`);
  if (d.nextRunAt) out(`Próxima execução: ${formatTime(Date.parse(d.nextRunAt))}`);
  if (d.reason) out(`Motivo: ${d.reason}${d.actions.todo ? ` — ${d.actions.todo}` : ''}`);
  if (d.lastError) out(`Último erro: ${d.lastError}`);
  if (d.outcome) out(`Resultado: ${d.outcome}`);
  out('História:');
  for (const s of d.story) out(`  ${formatTime(Date.parse(s.at))}  ${s.text}`);
  if (d.actions.retry) out(`\nPara reprocessar: npm run events -- retry ${d.id}`);
  if (d.actions.resolve) out(`Para marcar como resolvido: npm run events -- resolve ${d.id} --note "como foi resolvido"`);
  if (d.actions.changeAccess) {
    out(`Para remover o acesso desta venda: npm run events -- remove-access ${d.id} "por que"`);
    out(`Para devolver o acesso desta venda: npm run events -- restore-access ${d.id} "por que"`);
  }
  return 0;
}

async function retry(store: EventMoves, id: number, { out, err }: CliIo): Promise<number> {
  const result = await retryEvent(store, id, 'pela linha de comando');
  if (result !== 'queued') {
    err(RETRY_MESSAGES[result].message);
    return 1;
  }
  out(`Evento #${id} de volta na fila: o servidor o processa na próxima verificação (se estiver parado, ao iniciar).`);
  return 0;
}

async function resolve(store: EventMoves, id: number, args: string[], { out, err }: CliIo): Promise<number> {
  const { values } = parseArgs({ args, allowPositionals: true, options: { note: { type: 'string' } } });
  const result = await resolveEvent(store, id, values.note ?? '', 'pela linha de comando');
  if (result === 'no_note') {
    err('Informe como foi resolvido: npm run events -- resolve ID --note "…"');
    return 2;
  }
  if (result === 'bad_note') {
    err(RESOLVE_MESSAGES.bad_note.message);
    return 2;
  }
  if (result !== 'resolved') {
    err(RESOLVE_MESSAGES[result].message);
    return 1;
  }
  out(`Evento #${id} marcado como resolvido.`);
  return 0;
}

/** "Remover acesso" / "Devolver acesso" of the sale of event `id`, with a note: queued for the server's worker. */
async function access(store: AccessChangeStore, id: number, change: AccessChange, args: string[], { out, err }: CliIo): Promise<number> {
  const { result, eventId } = await changeAccess(store, id, change, args.join(' '), 'pela linha de comando');
  if (result !== 'queued') {
    err(result === 'no_note' ? `${ACCESS_MESSAGES.no_note.message}\n\n${USAGE}` : ACCESS_MESSAGES[result].message);
    return result === 'no_note' || result === 'bad_note' ? 2 : 1;
  }
  out(
    `${ACCESS_CHANGE_WORDS[change].doing} da venda do evento #${id} na fila (evento #${eventId}): o servidor a aplica na próxima verificação (se estiver parado, ao iniciar). Acompanhe com: npm run events -- show ${eventId}`,
  );
  return 0;
}

/**
 * LGPD erasure on the holder's request: without --yes it only says what would be erased; with
 * it, strips that person's data from every finished event and records the erasure.
 */
async function erase(store: ErasureStore, args: string[], { out, err, env }: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { cpf: { type: 'string' }, note: { type: 'string' }, yes: { type: 'boolean' } } });
  if (!values.cpf) {
    err('Informe o CPF do titular: npm run events -- erase --cpf 123.456.789-09');
    return 2;
  }
  let keys: CustomerKeys;
  try {
    keys = new CustomerKeys(loadConfig(env, ['privacy']).privacy.keySecret);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(e.message);
    return 2;
  }
  if (!values.yes) {
    const preview = await previewErasure(store, keys, { cpf: values.cpf });
    if (!preview.ok) {
      err(preview.message);
      return 2;
    }
    out(`${preview.events} evento(s) deste titular com dados pessoais; ${preview.open} ainda em andamento (serão mantidos).`);
    if (preview.shared > 0)
      out(
        `${preview.shared} evento(s) só com o mesmo e-mail (outro nome, ou uma falha ainda por resolver): serão mantidos, confira-os no painel.`,
      );
    out('Nada foi apagado. Para apagar, repita com --yes.');
    return 0;
  }
  const result = await eraseHolder(store, keys, { cpf: values.cpf }, 'pela linha de comando', values.note);
  if (!result.ok) {
    err(result.message);
    return 2;
  }
  out(erasureSummary(result));
  return 0;
}

/** `npm run events -- <list|show|retry|resolve|erase|remove-access|restore-access> …` */
export const eventsCommand: Command = async (argv, io) => {
  const [command, ...rest] = argv;
  const id = Number(rest[0]);
  const changes: Record<string, AccessChange> = { 'remove-access': 'remove', 'restore-access': 'restore' };
  const change = Object.hasOwn(changes, command ?? '') ? changes[command] : undefined;
  const needsId = command === 'show' || command === 'retry' || command === 'resolve' || change !== undefined;
  const known = ['list', 'show', 'retry', 'resolve', 'erase', ...Object.keys(changes)];
  if (!command || !known.includes(command) || (needsId && !(Number.isInteger(id) && id > 0))) {
    io.err(USAGE);
    return 2;
  }
  const store = await openServerStore(io);
  if (!store) return 2;
  try {
    if (command === 'list') return await list(store, rest, io);
    if (command === 'show') return await show(store, id, io);
    if (command === 'resolve') return await resolve(store, id, rest.slice(1), io);
    if (command === 'erase') return await erase(store, rest, io);
    if (change) return await access(store, id, change, rest.slice(1), io);
    return await retry(store, id, io);
  } finally {
    await store.close();
  }
};
