import type { ChatProApi } from '../../src/clients/chatpro.js';
import { StudentAlreadyExistsError, type EadApi, type NewStudent } from '../../src/clients/ead.js';
import { planLookup, type Plan } from '../../src/plans/plan-map.js';
import { SecretBox } from '../../src/domain/secret-box.js';
import type { FlowDeps, FlowSettings } from '../../src/sales/flow-deps.js';
import type { StepResults } from '../../src/sales/steps.js';
import { parseDelivery } from '../../src/intake/kiwify-payload.js';
import { createLogger } from '../../src/log/logger.js';
import { SALE_EVENT_TYPES } from '../../src/domain/event-types.js';
import type { EventRow } from '../../src/store/store.js';
import { saleKeyOf } from '../../src/sales/sale-rules.js';
import type { Handler, HandlerContext, HandlerResult } from '../../src/worker/types.js';

const isSale = (e: EventRow) => (SALE_EVENT_TYPES as readonly string[]).includes(e.event_type);

/**
 * The sale flows without the runtime: an in-memory EAD and ChatPro (no HTTP), an in-memory
 * inbox and journal, and a context that behaves like the worker's (journaled steps come back
 * with `ranNow: false`). For tests of the flows' decisions; the sandboxed server covers the rest.
 */

export class MemoryEad implements EadApi {
  readonly students = new Map<string, { cpf: string; courses: Set<string> }>();
  readonly calls: string[] = [];
  /** Makes the next call to `operation` throw `error` (once). */
  readonly failures = new Map<string, Error>();
  private nextId = 1000;

  addStudent(cpf: string, courses: number[] = []): string {
    const id = String(this.nextId++);
    this.students.set(id, { cpf, courses: new Set(courses.map(String)) });
    return id;
  }

  private call(operation: string): void {
    this.calls.push(operation);
    const failure = this.failures.get(operation);
    if (failure) {
      this.failures.delete(operation);
      throw failure;
    }
  }

  findStudentByCpf(cpf: string) {
    this.call('find');
    const found = [...this.students.entries()].find(([, s]) => s.cpf === cpf);
    return Promise.resolve(found ? { id: found[0] } : null);
  }

  createStudent(student: NewStudent) {
    this.call('create');
    if ([...this.students.values()].some((s) => s.cpf === student.doc_cpf)) {
      return Promise.reject(new StudentAlreadyExistsError(`O CPF ${student.doc_cpf} já está em uso.`));
    }
    return Promise.resolve({ id: this.addStudent(student.doc_cpf), password: 'Gerada@1' });
  }

  studentCourses(studentId: string) {
    this.call('courses');
    return Promise.resolve([...(this.students.get(studentId)?.courses ?? [])]);
  }

  enroll(studentId: string, courseIds: number[]) {
    this.call('enroll');
    for (const id of courseIds) this.students.get(studentId)!.courses.add(String(id));
    return Promise.resolve({ contractId: '1' });
  }

  removeCourse(studentId: string, courseId: number) {
    this.call('remove');
    this.students.get(studentId)?.courses.delete(String(courseId));
    return Promise.resolve();
  }

  deleteStudent(studentId: string) {
    this.call('delete');
    this.students.delete(studentId);
    return Promise.resolve();
  }

  unitCourses() {
    return Promise.resolve([]);
  }
}

export class MemoryChatPro implements ChatProApi {
  readonly sent: Array<{ number: string; message: string }> = [];
  sendMessage(number: string, message: string) {
    this.sent.push({ number, message });
    return Promise.resolve({ number });
  }
}

/** What the journal gives back of a value: its JSON, as the store keeps it. */
const asStored = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null));

const SETTINGS: FlowSettings = { alertOnSuccess: false, revokeMode: 'delete', cancelPolicy: 'at_period_end', welcome: {} };

/** An inbox of events, their journals, and flow dependencies reading them. */
export class MemoryInbox {
  readonly events: EventRow[] = [];
  readonly journals = new Map<number, Map<string, unknown>>();
  readonly alerts: string[] = [];
  readonly ead = new MemoryEad();
  readonly chatpro = new MemoryChatPro();
  now = Date.parse('2026-11-29T12:00:00Z');

  deps(plans: Plan[], settings: Partial<FlowSettings> = {}): FlowDeps {
    return {
      ead: this.ead,
      chatpro: this.chatpro,
      plans: planLookup(plans),
      customerSales: (key) => Promise.resolve(this.events.filter((e) => e.customer_key === key && isSale(e))),
      saleEvents: (key, saleKeys) =>
        Promise.resolve(this.events.filter((e) => e.customer_key === key && isSale(e) && saleKeys.includes(saleKeyOf(e) ?? ''))),
      journaled: <N extends keyof StepResults>(eventIds: number[], step: N) =>
        Promise.resolve(
          new Map(
            eventIds.filter((id) => this.journals.get(id)?.has(step)).map((id) => [id, this.journals.get(id)!.get(step) as StepResults[N]]),
          ),
        ),
      clock: () => this.now,
      settings: { ...SETTINGS, ...settings },
      secrets: SecretBox.derive('memory-tests-secret', 'journal-secrets'),
    };
  }

  /** Adds a delivery to the inbox, as /webhook would (same parsing, same columns). */
  receive(payload: Record<string, unknown>, status: EventRow['status'] = 'pending'): EventRow {
    const parsed = parseDelivery(Buffer.from(JSON.stringify(payload)));
    if (!parsed.ok) throw new Error(parsed.message);
    const d = parsed.delivery;
    const event: EventRow = {
      id: this.events.length + 1,
      dedupe_key: d.dedupeKey,
      event_type: d.eventType,
      customer_key: d.customerKey,
      order_id: d.orderId ?? null,
      order_ref: d.orderRef ?? null,
      subscription_id: d.subscriptionId ?? null,
      plan_name: d.planName ?? null,
      customer_name: d.customerName ?? null,
      customer_email: d.customerEmail ?? null,
      search_text: '',
      body: JSON.stringify(d.body),
      status,
      attempts: 0,
      available_at: this.now,
      next_run_at: this.now,
      lease_owner: null,
      lease_until: null,
      last_error: null,
      last_error_code: null,
      runs: 0,
      outcome: null,
      parent_id: null,
      received_at: this.now,
      updated_at: this.now,
      finished_at: null,
      personal_data_removed_at: null,
      source: 'webhook',
    };
    this.events.push(event);
    return event;
  }

  /** One attempt of `handler` on `event`, with the worker's journal semantics; the event ends as it would. */
  async run(handler: Handler<StepResults>, event: EventRow): Promise<HandlerResult> {
    const journal = this.journals.get(event.id) ?? new Map<string, unknown>();
    this.journals.set(event.id, journal);
    event.attempts += 1;
    const ctx: HandlerContext<StepResults> = {
      event,
      body: JSON.parse(event.body) as Record<string, unknown>,
      log: createLogger('silent'),
      step: async (name, run) => {
        if (journal.has(name)) return { value: journal.get(name) as never, ranNow: false };
        const value = await run();
        journal.set(name, asStored(value));
        return { value, ranNow: true };
      },
      journal: (name) => journal.get(name) as never,
      rewriteStep: (name, result) => {
        journal.set(name, asStored(result));
        return Promise.resolve();
      },
      alert: (text) => {
        this.alerts.push(text);
        return Promise.resolve();
      },
      schedule: () => Promise.resolve({ id: 0, duplicate: false }),
    };
    try {
      const result = await handler(ctx);
      event.status = result.status ?? 'done';
      event.outcome = result.outcome;
      return { ...result, status: event.status };
    } catch (err) {
      event.status = 'retrying';
      event.last_error = (err as Error).message;
      throw err;
    }
  }
}
