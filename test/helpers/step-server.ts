/**
 * A real server process for crash tests: the production runtime with test handlers whose
 * steps call a recorder on loopback (STEP_RECORDER_URL), so a test can hold a step open and
 * kill the process in the middle of it.
 */
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/config.js';
import { signalListening } from '../../src/http/http-server.js';
import { createRuntime } from '../../src/app/runtime.js';
import type { Handler } from '../../src/worker/types.js';

const recorder = process.env.STEP_RECORDER_URL!;

async function call(step: string, eventId: number): Promise<{ step: string }> {
  const res = await fetch(`${recorder}/step/${step}?event=${eventId}&pid=${process.pid}`, { method: 'POST' });
  if (!res.ok) throw new Error(`recorder answered ${res.status}`);
  return { step };
}

const twoSteps: Handler = async (ctx) => {
  await ctx.step('first', () => call('first', ctx.event.id));
  await ctx.step('second', () => call('second', ctx.event.id));
  return { outcome: 'duas etapas concluídas' };
};

// No connection checks: the EAD of these tests is nowhere (its check failing would hold the sale back).
// A lease of a minute: a restart that takes the event up within seconds did not wait for it to run out.
// STEP_POLL_MS: how often the worker looks for work unwoken (a test of wake-ups makes it 10 minutes).
const runtime = await createRuntime(loadConfig(), {
  handlers: { order_approved: twoSteps },
  connectionChecks: false,
  tuning: { leaseMs: 60_000, ...(process.env.STEP_POLL_MS ? { pollMs: Number(process.env.STEP_POLL_MS) } : {}) },
});
const server = await runtime.listen();
process.once('SIGTERM', () => {
  runtime.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
signalListening((server.address() as AddressInfo).port);
