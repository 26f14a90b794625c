import { cpfDigits, isValidCpf } from '../domain/cpf.js';
import type { CustomerKeys } from '../domain/customer-keys.js';
import { personalValuesOf, scrubberFor, scrubJson, strippedBody } from '../domain/personal-data.js';
import { normalizeText } from '../domain/text.js';
import { RETENTION_JOB, type PersonalRecord, type Store, type StrippedRecord } from '../store/index.js';
import { OPEN_STATUSES } from '../store/schema.js';

const DAY_MS = 24 * 60 * 60 * 1000;

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
    alerts: record.alerts.map((a) => ({ id: a.id, text: scrub(a.text) })),
  };
}

async function stripEvent(store: Store, customerKeys: CustomerKeys, eventId: number): Promise<boolean> {
  const record = await store.privacy.read(eventId);
  if (!record) return false;
  return store.privacy.strip(record, stripRecord(record, customerKeys));
}

/**
 * The retention pass: every event finished (done, ignored, resolved) more than `retentionDays`
 * ago loses its personal data; failures wait until a person settles them. Batched, idempotent,
 * safe with several instances; records its run. Returns how many events it stripped.
 */
export async function removeExpiredPersonalData(
  store: Store,
  customerKeys: CustomerKeys,
  retentionDays: number,
  now: number,
): Promise<number> {
  const cutoff = now - retentionDays * DAY_MS;
  let removed = 0;
  for (;;) {
    const ids = await store.privacy.expired(cutoff);
    let progress = 0;
    for (const id of ids) {
      if (!(await stripEvent(store, customerKeys, id))) continue;
      progress += 1;
      await store.journal.addHistory(
        id,
        'privacy',
        `Dados pessoais removidos: encerrado há mais de ${retentionDays} dia(s) (RETENTION_DAYS).`,
      );
    }
    removed += progress;
    // A batch where nothing could be stripped (another instance took it) ends the pass.
    if (ids.length === 0 || progress === 0) break;
  }
  await store.privacy.recordRun(RETENTION_JOB, removed);
  return removed;
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
    };

/**
 * A holder's events: those filed under their CPF (as received or hashed) and under the e-mails
 * those events carry (an abandoned cart may have no CPF).
 */
async function holderEvents(store: Store, customerKeys: CustomerKeys, cpf: string) {
  const byCpf = await store.privacy.eventsOf(customerKeys.lookup(`cpf:${cpf}`));
  const emails = [...new Set(byCpf.map((e) => e.customer_email?.toLowerCase()).filter((e): e is string => !!e))];
  const byEmail = await store.privacy.eventsOf(emails.flatMap((email) => customerKeys.lookup(`email:${email}`)));
  const all = new Map([...byCpf, ...byEmail].map((e) => [e.id, e]));
  return [...all.values()].sort((a, b) => a.id - b.id);
}

function holderCpf(request: ErasureRequest): string | undefined {
  const cpf = cpfDigits(request.cpf);
  return isValidCpf(cpf) || cpf.length === 14 ? cpf : undefined;
}

const INVALID_CPF = 'CPF inválido: confira os 11 dígitos.';

/** What an erasure would do, before anyone confirms it. */
export async function previewErasure(store: Store, customerKeys: CustomerKeys, request: ErasureRequest): Promise<ErasurePreview> {
  const cpf = holderCpf(request);
  if (!cpf) return { ok: false, message: INVALID_CPF };
  const events = await holderEvents(store, customerKeys, cpf);
  const open = events.filter((e) => OPEN_STATUSES.includes(e.status)).length;
  return { ok: true, events: events.length - open, open };
}

export type ErasureResult = { ok: false; message: string } | { ok: true; erased: number; open: number; erasureId: number };

/**
 * Erasure on the holder's request (LGPD Art. 18): strips that person's data from every event now,
 * whatever its age, and records the erasure (when, how many, from where — never the CPF).
 * Failures are closed as resolved first (nobody can replay them without the data). Events still
 * to run are kept and counted: erasing them would lose the sale; erase again once they finish.
 * The EAD account is not touched.
 */
export async function eraseHolder(
  store: Store,
  customerKeys: CustomerKeys,
  request: ErasureRequest,
  via: string,
  note?: string,
): Promise<ErasureResult> {
  const cpf = holderCpf(request);
  if (!cpf) return { ok: false, message: INVALID_CPF };
  const events = await holderEvents(store, customerKeys, cpf);
  let erased = 0;
  let open = 0;
  for (const event of events) {
    if (OPEN_STATUSES.includes(event.status)) {
      open += 1;
      continue;
    }
    if (event.status === 'failed') {
      await store.queue.resolve(event.id, 'Dados pessoais apagados a pedido do titular (LGPD).');
    }
    if (await stripEvent(store, customerKeys, event.id)) {
      erased += 1;
      await store.journal.addHistory(event.id, 'privacy', `Dados pessoais apagados a pedido do titular (${via}).`);
    }
  }
  const record = await store.privacy.recordErasure(erased, via, note);
  return { ok: true, erased, open, erasureId: record.id };
}

/** What an erasure's answer tells support, in their words. */
export function erasureSummary(result: Extract<ErasureResult, { ok: true }>): string {
  const lines = [`Dados pessoais apagados de ${result.erased} evento(s) (registro de exclusão #${result.erasureId}).`];
  if (result.open > 0) {
    lines.push(`${result.open} evento(s) ainda em andamento foram mantidos para não perder a venda: apague de novo quando terminarem.`);
  }
  lines.push('A conta do aluno no EAD não foi alterada: se o titular pediu, exclua-a no EAD.');
  return lines.join(' ');
}
