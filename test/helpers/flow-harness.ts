import type { ChatProApi } from '../../src/clients/chatpro.js';
import { StudentAlreadyExistsError, type EadApi, type NewStudent } from '../../src/clients/ead-api.js';
import { AlertOutbox } from '../../src/alerts/outbox.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { handlersFor } from '../../src/app/sale-handlers.js';
import { salesLedger } from '../../src/app/sales-ledger.js';
import { FINISHED_STATUSES, type InboxEvent } from '../../src/domain/inbox-event.js';
import { SecretBox } from '../../src/domain/secret-box.js';
import { parseDelivery } from '../../src/intake/kiwify-payload.js';
import { createLogger } from '../../src/log/logger.js';
import { CustomerKeys } from '../../src/privacy/customer-keys.js';
import type { Plan } from '../../src/plans/plan-map.js';
import type { FlowSettings } from '../../src/sales/flow-deps.js';
import type { StorageConfig } from '../../src/store/open-database.js';
import { Worker } from '../../src/worker/worker.js';
import { waitFor } from './runtime.js';

/**
 * The sale flows on the real worker, the real handlers and a real store (SQLite in memory), with
 * an in-memory EAD and ChatPro (fakes of the client interfaces: no HTTP). Time stands still
 * unless a test moves it, so a retry runs when the test says so — and an event is waited for
 * until it reaches a status, never for a fixed time.
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

const SETTINGS: FlowSettings = { alertOnSuccess: false, revokeMode: 'delete', cancelPolicy: 'at_period_end', welcome: {} };
const CHANNEL = 'teste';

export class FlowHarness {
  readonly ead = new MemoryEad();
  readonly chatpro = new MemoryChatPro();
  now = Date.parse('2026-11-29T12:00:00Z');
  private worker!: Worker;

  private constructor(readonly store: Stores) {}

  /** A store (SQLite in memory, or `storage`) with `plans` mapped and a worker running the sale flows on it. */
  static async start(plans: Plan[], settings: Partial<FlowSettings> = {}, storage?: StorageConfig): Promise<FlowHarness> {
    const clock = () => harness.now;
    const harness: FlowHarness = new FlowHarness(await openStores(storage ?? { SQLITE_PATH: ':memory:' }, clock));
    const { store, ead, chatpro } = harness;
    await store.plans.replaceAll(plans, 'teste');
    const log = createLogger('silent');
    const handlers = handlersFor({
      ead,
      chatpro,
      plans: store.plans,
      ...salesLedger(store, new CustomerKeys('memory-tests-secret')),
      clock,
      settings: { ...SETTINGS, ...settings },
      secrets: SecretBox.derive('memory-tests-secret', 'journal-secrets'),
    });
    harness.worker = new Worker({
      store,
      handlers,
      alerts: new AlertOutbox(store, [CHANNEL], log),
      log,
      concurrency: 2,
      maxAttempts: 5,
      retryBaseMs: 60_000,
      leaseMs: 60_000,
      pollMs: 50,
      clock,
    });
    await harness.worker.start();
    return harness;
  }

  /** A delivery into the inbox, as /webhook stores it (same parsing, same columns); the worker is woken. */
  async receive(payload: Record<string, unknown>): Promise<number> {
    const parsed = parseDelivery(Buffer.from(JSON.stringify(payload)));
    if (!parsed.ok) throw new Error(parsed.message);
    const { id } = await this.store.inbox.insert(parsed.delivery);
    this.worker.wake();
    return id;
  }

  /** The event once its run ended: finished, or waiting for another attempt. */
  async settled(eventId: number): Promise<InboxEvent> {
    return waitFor(
      async () => {
        const event = await this.store.events.get(eventId);
        return event && (FINISHED_STATUSES.includes(event.status) || event.status === 'retrying') ? event : undefined;
      },
      10_000,
      `event ${eventId} to settle`,
    );
  }

  /** Time moves to the event's next attempt, which runs; resolves with the event once that run ended. */
  async retry(eventId: number): Promise<InboxEvent> {
    const waiting = await this.settled(eventId);
    if (waiting.status !== 'retrying') throw new Error(`event ${eventId} is ${waiting.status}, not waiting for another attempt`);
    const runs = waiting.runs;
    this.now = Math.max(this.now, waiting.nextRunAt);
    this.worker.wake();
    await waitFor(async () => ((await this.store.events.get(eventId))?.runs ?? 0) > runs, 10_000, `event ${eventId} to run again`);
    return this.settled(eventId);
  }

  /** What the event's steps journaled, as the store keeps it. */
  journal(eventId: number): Promise<Map<string, unknown>> {
    return this.store.journal.loadSteps(eventId);
  }

  /** The alerts the flows queued for support. */
  async alerts(): Promise<string[]> {
    return (await this.store.alerts.due(CHANNEL, 100)).map((a) => a.text);
  }

  async close(): Promise<void> {
    await this.worker.stop(5_000);
    await this.store.close();
  }
}
