import type { DestinationStream } from 'pino';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import type { Tuning } from '../../src/app/tuning.js';
import type { AlertChannel } from '../../src/alerts/channels.js';
import type { HandlerRegistry } from '../../src/worker/types.js';
import { testConfig } from './config.js';

export interface TestRuntimeOptions {
  env?: Record<string, string | undefined>;
  handlers?: HandlerRegistry;
  alertChannels?: AlertChannel[];
  logDestination?: DestinationStream;
  /** EAD/ChatPro connection checks (default: off, so flow tests see only the flows' own calls). */
  connectionChecks?: boolean;
  /** Timings on top of TEST_TUNING. */
  tuning?: Partial<Tuning>;
}

/** A test server's pace: alerts at once, retries and polls every 50 ms (tests are about what happens, not when). */
export const TEST_TUNING: Partial<Tuning> = { alertIntervalMs: 0, retryBaseMs: 50, pollMs: 50 };

/** A whole server (HTTP, worker, alerts) on a free loopback port with a temporary SQLite file. */
export async function startRuntime(options: TestRuntimeOptions = {}): Promise<Runtime> {
  const runtime = await createRuntime(testConfig(options.env), {
    handlers: options.handlers,
    alertChannels: options.alertChannels,
    logDestination: options.logDestination,
    connectionChecks: options.connectionChecks ?? false,
    tuning: { ...TEST_TUNING, ...options.tuning },
  });
  await runtime.listen(0);
  return runtime;
}

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
