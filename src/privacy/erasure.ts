import { controlCharactersMessage, isCleanText } from '../domain/clean-text.js';
import { cpfDigits, isValidCpf } from '../domain/cpf.js';
import type { CustomerKeys } from './customer-keys.js';
import { personalValuesOf, scrubberFor, scrubJson, strippedBody } from './personal-data.js';
import { normalizeText } from '../domain/text.js';
import type { Journal } from '../store/journal.js';
import type { Queue } from '../store/queue.js';
import type { Store } from '../store/store.js';
import { RETENTION_JOB, type PersonalRecord, type PrivacyStore, type StrippedRecord } from './privacy-store.js';
import { OPEN_STATUSES } from '../domain/inbox-event.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Events stripped per query of the retention pass. */
const BATCH = 200;
/**
 * Batches per pass (5,000 events): the first pass after a deploy over years of history must not
 * hold SQLite's one writer for minutes; the hourly passes carry on where it stopped.
 */
const MAX_BATCHES = 25;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * An event without its buyer: the body reduced to the order (strippedBody), the customer key
 * hashed, and every text that may quote them — error, outcome, story, journal, alerts — scrubbed
 * of the values the delivery carried (and of anything still shaped like an e-mail, CPF or phone).
 */
export function stripRecord(record: PersonalRecord, customerKeys: CustomerKeys): StrippedRecord {
  const body = parseJson(record.body);
  const scrub = scrubberFor(personalValuesOf(body, [record.customerName, record.customerEmail]));
  const kept = strippedBody(body);
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const product = kept.Product as Record<string, unknown> | undefined;
  const plan = (kept.Subscription as { plan?: { name?: unknown } } | undefined)?.plan?.name;
  return {
    customerKey: customerKeys.hashed(record.customerKey),
    body: JSON.stringify(kept),
    searchText: normalizeText(
      [
        text(kept.order_ref),
        text(kept.order_id),
        text(plan) ?? text(product?.product_name) ?? text(kept.product_name),
        text(kept.webhook_event_type),
      ]
        .filter(Boolean)
        .join(' | '),
    ),
    lastError: record.lastError === null ? null : scrub(record.lastError),
    outcome: record.outcome === null ? null : scrub(record.outcome),
    history: record.history.map((h) => ({ id: h.id, message: scrub(h.message) })),
    steps: record.steps.map((s) => ({ step: s.step, result: JSON.stringify(scrubJson(parseJson(s.result) ?? null, scrub)) })),
    alerts: record.alerts.map((a) => ({ id: a.id, text: scrub(a.text), lastError: a.lastError === null ? null : scrub(a.lastError) })),
  };
}

/** What the retention pass reads and writes: the privacy queries, and the event's story. */
export interface RetentionStore {
  privacy: Pick<PrivacyStore, 'expired' | 'read' | 'strip' | 'recordRun'>;
  journal: Pick<Journal, 'addHistory'>;
}

/** What an erasure on request reads and writes: also the holder's events, the failures it closes, the database's log. */
export interface ErasureStore extends RetentionStore {
  privacy: Pick<PrivacyStore, 'expired' | 'read' | 'strip' | 'recordRun' | 'eventsOf' | 'recordErasure'>;
  queue: Pick<Queue, 'resolve'>;
  truncateLog: Store['truncateLog'];
}

async function stripEvent(store: Pick<RetentionStore, 'privacy'>, customerKeys: CustomerKeys, eventId: number): Promise<boolean> {
  const record = await store.privacy.read(eventId);
  if (!record) return false;
  return store.privacy.strip(record, stripRecord(record, customerKeys));
}

/** One event that cannot be stripped (a database error, a body like no other) never stops the rest. */
async function tryStrip(
  store: Pick<RetentionStore, 'privacy'>,
  customerKeys: CustomerKeys,
  eventId: number,
  failed: number[],
): Promise<boolean> {
  try {
    return await stripEvent(store, customerKeys, eventId);
  } catch {
    failed.push(eventId);
    return false;
  }
}

/**
 * The retention pass: every event finished (done, ignored, resolved) more than `retentionDays`
 * ago loses its personal data; failures wait until a person settles them. Batched, idempotent,
 * safe with several instances; records its run. Returns how many events it stripped.
 */
export async function removeExpiredPersonalData(
  store: RetentionStore,
  customerKeys: CustomerKeys,
  retentionDays: number,
  now: number,
): Promise<{ removed: number; failed: number[] }> {
  const cutoff = now - retentionDays * DAY_MS;
  let removed = 0;
  const failed: number[] = [];
  for (let batch = 0; batch < MAX_BATCHES; batch += 1) {
    const ids = (await store.privacy.expired(cutoff, BATCH + failed.length)).filter((id) => !failed.includes(id));
    let progress = 0;
    for (const id of ids.slice(0, BATCH)) {
      if (!(await tryStrip(store, customerKeys, id, failed))) continue;
      progress += 1;
      await store.journal.addHistory(
        id,
        'privacy',
        `Dados pessoais removidos: encerrado há mais de ${retentionDays} dia(s) (RETENTION_DAYS).`,
      );
    }
    removed += progress;
    // A batch where nothing could be stripped (another instance took it, or it failed) ends the pass.
    if (ids.length === 0 || progress === 0) break;
  }
  await store.privacy.recordRun(RETENTION_JOB, removed);
  return { removed, failed };
}

export interface ErasureRequest {
  /** The holder's CPF (digits, any punctuation). */
  cpf: string;
}

export type ErasurePreview =
  | { ok: false; message: string }
  | {
      ok: true;
      /** Events whose personal data will go (failures among them are closed as resolved). */
      events: number;
      /** Events still to run (waiting, retrying, running): kept, so the sale is not lost. */
      open: number;
      /** Events under one of the holder's e-mails but another name (a shared e-mail): kept, for a person to check. */
      shared: number;
    };

/**
 * A holder's events: those filed under their CPF (as received or hashed), and those filed under an
 * e-mail their events carry (an abandoned cart may have no CPF) when they bear the holder's name —
 * a family's shared e-mail must not erase someone else. The others under that e-mail are `shared`.
 */
async function holderEvents(store: { privacy: Pick<PrivacyStore, 'eventsOf'> }, customerKeys: CustomerKeys, cpf: string) {
  const byCpf = await store.privacy.eventsOf(customerKeys.lookup(`cpf:${cpf}`));
  const emails = [...new Set(byCpf.map((e) => e.customerEmail?.toLowerCase()).filter((e): e is string => !!e))];
  const names = new Set(byCpf.map((e) => normalizeText(e.customerName ?? '')).filter(Boolean));
  const byEmail = (await store.privacy.eventsOf(emails.flatMap((email) => customerKeys.lookup(`email:${email}`)))).filter(
    (e) => !byCpf.some((c) => c.id === e.id),
  );
  // A failure under an e-mail alone stays for a person: it is someone's sale still to fix.
  const sameName = byEmail.filter((e) => e.status !== 'failed' && names.has(normalizeText(e.customerName ?? '')));
  const events = [...byCpf, ...sameName].sort((a, b) => a.id - b.id);
  return { events, shared: byEmail.length - sameName.length, emails, names: [...names] };
}

function holderCpf(request: ErasureRequest): string | undefined {
  if (!isCleanText(request.cpf)) return undefined;
  const cpf = cpfDigits(request.cpf);
  return isValidCpf(cpf) || cpf.length === 14 ? cpf : undefined;
}

const INVALID_CPF = 'CPF inválido: confira os 11 dígitos.';

/** What an erasure would do, before anyone confirms it. */
export async function previewErasure(
  store: { privacy: Pick<PrivacyStore, 'eventsOf'> },
  customerKeys: CustomerKeys,
  request: ErasureRequest,
): Promise<ErasurePreview> {
  const cpf = holderCpf(request);
  if (!cpf) return { ok: false, message: INVALID_CPF };
  const { events, shared } = await holderEvents(store, customerKeys, cpf);
  const open = events.filter((e) => OPEN_STATUSES.includes(e.status)).length;
  return { ok: true, events: events.length - open, open, shared };
}

export type ErasureResult =
  | { ok: false; message: string }
  | {
      ok: true;
      erased: number;
      open: number;
      shared: number;
      erasureId: number;
      /** False when SQLite's log file still holds an older copy (another program was reading it): the hourly clean-up cuts it. */
      logCleared: boolean;
    };

/**
 * Erasure on the holder's request (LGPD Art. 18): strips that person's data from every event now,
 * whatever its age, and from the database's files (SQLite's WAL is cut: store.truncateLog), and
 * records the erasure (when, how many, from where — never the CPF).
 * Failures are closed as resolved first (nobody can replay them without the data). Events still
 * to run are kept and counted: erasing them would lose the sale; erase again once they finish.
 * The EAD account is not touched.
 */
export async function eraseHolder(
  store: ErasureStore,
  customerKeys: CustomerKeys,
  request: ErasureRequest,
  via: string,
  note?: string,
): Promise<ErasureResult> {
  const cpf = holderCpf(request);
  if (!cpf) return { ok: false, message: INVALID_CPF };
  if (note !== undefined && !isCleanText(note, { multiline: true })) return { ok: false, message: controlCharactersMessage('A nota') };
  const holder = await holderEvents(store, customerKeys, cpf);
  let erased = 0;
  let open = 0;
  for (const event of holder.events) {
    if (OPEN_STATUSES.includes(event.status)) {
      open += 1;
      continue;
    }
    // A failure under the holder's CPF is closed first (nobody can fix it without the data).
    if (event.status === 'failed') await store.queue.resolve(event.id, 'Dados pessoais apagados a pedido do titular (LGPD).');
    if (await stripEvent(store, customerKeys, event.id)) {
      erased += 1;
      await store.journal.addHistory(event.id, 'privacy', `Dados pessoais apagados a pedido do titular (${via}).`);
    }
  }
  // The record never names the holder, whatever support typed in the note.
  const scrub = scrubberFor([...personalValuesOf({ Customer: { CPF: cpf } }, [...holder.emails, ...holder.names]), request.cpf]);
  const record = await store.privacy.recordErasure(erased, via, note === undefined ? undefined : scrub(note));
  // Gone from the files too: no older copy of the rows left in SQLite's -wal (store/wal.ts).
  const logCleared = erased > 0 ? await store.truncateLog() : true;
  return { ok: true, erased, open, shared: holder.shared, erasureId: record.id, logCleared };
}

/** What an erasure's answer tells support, in their words. */
export function erasureSummary(result: Extract<ErasureResult, { ok: true }>): string {
  const lines = [`Dados pessoais apagados de ${result.erased} evento(s) (registro de exclusão #${result.erasureId}).`];
  if (result.shared > 0) {
    lines.push(
      `${result.shared} evento(s) só com o mesmo e-mail foram mantidos (outro nome, ou uma falha ainda por resolver): confira-os no painel.`,
    );
  }
  if (result.open > 0) {
    lines.push(`${result.open} evento(s) ainda em andamento foram mantidos para não perder a venda: apague de novo quando terminarem.`);
  }
  if (!result.logCleared) {
    lines.push(
      'Uma cópia antiga destes dados ainda está no arquivo de registro do banco, em uso por outro programa agora; ela é apagada assim que ele o soltar (nova tentativa a cada 30 segundos; no mais tardar na limpeza automática, em até 1 hora).',
    );
  }
  lines.push('A conta do aluno no EAD não foi alterada: se o titular pediu, exclua-a no EAD.');
  return lines.join(' ');
}
