import type { ChatProApi } from '../../src/clients/chatpro.js';
import type { MailApi, OutgoingMail } from '../../src/clients/mail-client.js';
import { DEFAULT_WELCOME_EMAIL_TEMPLATE, DEFAULT_WELCOME_WHATSAPP_TEMPLATE } from '../../src/config/config.js';
import type { WelcomeDeps } from '../../src/enrolment/welcome-delivery.js';
import { loadWelcomeTemplates } from '../../src/enrolment/welcome-template-files.js';
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
import { indexPlans, resolvePlan, type PlanLookup } from '../../src/plans/plan-resolution.js';
import type { StorageConfig } from '../../src/store/open-database.js';
import type { FlowSettings } from '../../src/sales/flow-deps.js';
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

  private readonly held = new Map<string, Promise<void>>();

  /** Calls to `operation` wait (once called, recorded) until the returned function is called. */
  hold(operation: string): () => void {
    let release!: () => void;
    this.held.set(
      operation,
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    return () => {
      this.held.delete(operation);
      release();
    };
  }

  async createStudent(student: NewStudent) {
    this.call('create');
    await this.held.get('create');
    if ([...this.students.values()].some((s) => s.cpf === student.doc_cpf)) {
      throw new StudentAlreadyExistsError(`O CPF ${student.doc_cpf} já está em uso.`);
    }
    return { id: this.addStudent(student.doc_cpf), password: 'Gerada@1' };
  }

  studentCourses(studentId: string) {
    this.call('courses');
    return Promise.resolve([...(this.students.get(studentId)?.courses ?? [])]);
  }

  /** The `dias` each matrícula sent (undefined: none), in order. */
  readonly enrolDays: Array<number | undefined> = [];

  enroll(studentId: string, courseIds: number[], days?: number) {
    this.call('enroll');
    this.enrolDays.push(days);
    for (const id of courseIds) this.students.get(studentId)!.courses.add(String(id));
    return Promise.resolve({ contractId: '1', endsOn: days === undefined ? undefined : '2027-11-29' });
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
  /** Makes the next sends throw these errors, one each. */
  readonly failures: Error[] = [];
  sendMessage(number: string, message: string) {
    const failure = this.failures.shift();
    if (failure) return Promise.reject(failure);
    this.sent.push({ number, message });
    return Promise.resolve({ number });
  }
}

/** An SMTP server in memory (the loopback one, src/sandbox/fake-smtp.ts, speaks SMTP for real). */
export class MemoryMail implements MailApi {
  readonly sent: OutgoingMail[] = [];
  /** Makes the next sends throw these errors, one each. */
  readonly failures: Error[] = [];
  send(mail: OutgoingMail) {
    const failure = this.failures.shift();
    if (failure) return Promise.reject(failure);
    this.sent.push(mail);
    return Promise.resolve({ messageId: `<${this.sent.length}@memoria>` });
  }
}

/** The shipped welcome templates. */
export function defaultWelcomeTemplates(): WelcomeDeps['welcomeTemplates'] {
  const { templates, problems } = loadWelcomeTemplates({
    email: DEFAULT_WELCOME_EMAIL_TEMPLATE,
    whatsapp: DEFAULT_WELCOME_WHATSAPP_TEMPLATE,
  });
  if (!templates) throw new Error(problems.map((p) => p.message).join('; '));
  return templates;
}

const SETTINGS: FlowSettings = { alertOnSuccess: false, revokeMode: 'delete', cancelPolicy: 'at_period_end', welcome: {} };
const CHANNEL = 'teste';

/** The plans exactly as given (not through the stored map), found by the same resolution rule. */
function plansAsGiven(plans: Plan[]): PlanLookup {
  const index = indexPlans(plans);
  return { resolve: (keys) => Promise.resolve(resolvePlan(index, keys)), learnIds: () => Promise.resolve(false) };
}

export class FlowHarness {
  readonly ead = new MemoryEad();
  readonly chatpro = new MemoryChatPro();
  readonly mail = new MemoryMail();
  now = Date.parse('2026-11-29T12:00:00Z');
  private worker!: Worker;

  private constructor(readonly store: Stores) {}

  /**
   * A store with `plans` mapped and a worker running the sale flows on it. `storage`: another
   * store than SQLite in memory (a STORE_TARGETS one); `plansInMemory`: the flows read `plans`
   * as given (fields the stored map does not keep, such as `accessDays`); `mail`: an SMTP server
   * is configured (the in-memory one); `channels`: WELCOME_CHANNELS (default whatsapp).
   */
  static async start(
    plans: Plan[],
    settings: Partial<FlowSettings> = {},
    options: { storage?: StorageConfig; plansInMemory?: boolean; mail?: boolean; channels?: WelcomeDeps['welcomeChannels'] } = {},
  ): Promise<FlowHarness> {
    const clock = () => harness.now;
    const harness: FlowHarness = new FlowHarness(await openStores(options.storage ?? { SQLITE_PATH: ':memory:' }, clock));
    const { store, ead, chatpro, mail } = harness;
    await store.plans.replaceAll(plans, 'teste');
    const log = createLogger('silent');
    const handlers = handlersFor({
      ead,
      chatpro,
      mail: options.mail ? mail : undefined,
      welcomeChannels: options.channels ?? ['whatsapp'],
      welcomeTemplates: defaultWelcomeTemplates(),
      plans: options.plansInMemory ? plansAsGiven(plans) : store.plans,
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

  /** Time moves to `at` (never back); the worker looks at once for what became due. */
  moveTo(at: number): void {
    this.now = Math.max(this.now, at);
    this.worker.wake();
  }

  /** Wakes the worker (work was queued outside `receive`, e.g. by support). */
  wake(): void {
    this.worker.wake();
  }

  /** The event once it reaches `status` (a scheduled one runs when the clock reaches it). */
  async reached(eventId: number, status: InboxEvent['status']): Promise<InboxEvent> {
    return waitFor(
      async () => {
        this.worker.wake();
        const event = await this.store.events.get(eventId);
        return event?.status === status ? event : undefined;
      },
      10_000,
      `event ${eventId} to be ${status}`,
    );
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
