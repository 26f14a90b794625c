import type { DestinationStream } from 'pino';
import type { Tuning } from '../../src/app/tuning.js';
import type { Runtime } from '../../src/app/runtime.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import type { EventStatus, InboxEvent } from '../../src/domain/inbox-event.js';
import { deliver } from './kiwify.js';
import { startRuntime, waitFor } from './runtime.js';

export interface SandboxedServer {
  sandbox: Sandbox;
  runtime: Runtime;
  // Properties, not methods: tests take them apart (`const { deliver, settled } = …`).
  deliver: (payload: unknown) => Promise<{ status: number; body: Record<string, any> }>;
  /** Waits until the event reaches `status` (default done) and returns it. */
  settled: (eventId: string | number, status?: EventStatus) => Promise<InboxEvent>;
  /** Waits until no event is pending, retrying or processing (scheduled ones excepted). */
  idle: () => Promise<void>;
  close: () => Promise<void>;
}

/** The whole server wired to loopback fakes of EAD, ChatPro and CallMeBot. */
export async function startSandboxedServer(
  env: Record<string, string | undefined> = {},
  logDestination?: DestinationStream,
  options: {
    connectionChecks?: boolean;
    /** Reconciles with the fake Kiwify API (its credentials in the environment). */
    kiwifyApi?: boolean;
    /** Runs on the fakes before the server starts (e.g. sales only Kiwify's API knows of). */
    beforeStart?: (sandbox: Sandbox) => void;
    /** Timings on top of the sandbox's (and TEST_TUNING). */
    tuning?: Partial<Tuning>;
    /** The sandbox's SMTP server in the environment (SMTP_URL, MAIL_FROM): welcomes may go by e-mail. */
    mail?: boolean;
  } = {},
): Promise<SandboxedServer> {
  const sandbox = await startSandbox({ mail: options.mail });
  options.beforeStart?.(sandbox);
  const runtime = await startRuntime({
    env: { ...sandbox.env, ...(options.kiwifyApi ? sandbox.kiwifyApiEnv : {}), ...env },
    logDestination,
    connectionChecks: options.connectionChecks,
    // Quick retries, capped, short deadlines: flow tests are about what happens, not how long the backoff waits.
    tuning: { retryBaseMs: 20, retryMaxMs: 200, upstreamTimeoutMs: 400, ...options.tuning },
  });
  const settled = (eventId: string | number, status: EventStatus = 'done') =>
    waitFor(
      async () => {
        const e = await runtime.store.events.get(Number(eventId));
        if (e && e.status !== status && (e.status === 'failed' || e.status === 'done' || e.status === 'ignored')) {
          throw new Error(`event ${eventId} ended ${e.status} (wanted ${status}): ${e.lastError ?? e.outcome}`);
        }
        return e?.status === status ? e : undefined;
      },
      15_000,
      `event ${eventId} ${status}`,
    );
  return {
    sandbox,
    runtime,
    deliver: (payload) => deliver(runtime.url(), payload),
    settled,
    idle: async () => {
      await waitFor(
        async () => {
          const c = await runtime.store.events.countByStatus();
          return c.processing + c.retrying === 0 && (await runtime.store.events.oldestDueWaitMs()) === 0;
        },
        15_000,
        'idle',
      );
    },
    close: async () => {
      await runtime.stop();
      await sandbox.close();
    },
  };
}
