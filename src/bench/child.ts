/**
 * Server processes for the benchmark and the drill (run compiled: node dist/bench/child.js <mode>):
 * - `bare`:  a bare Express 5 route that answers `200 {}` after parsing a JSON body — the baseline;
 * - `ack`, `drain`, `drill`: the bridge as `npm start` runs it (app/serve.ts: its HTTP server, its
 *   real store — SQLite or DATABASE_URL — the sale flows and the worker against the EAD/ChatPro the
 *   environment names, the parent's loopback fakes), with the mode's timings below, passed
 *   explicitly (tuning.ts): production's, except what the run cannot wait for.
 * Signals its parent over IPC once listening (signalListening).
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Tuning } from '../app/tuning.js';
import { loadConfig } from '../config/config.js';
import { signalListening } from '../http/http-server.js';
import { serve } from '../app/serve.js';

const TUNINGS: Record<string, Partial<Tuning>> = {
  // Production's, but a stop at the end of a run does not wait 20 s for running steps.
  ack: { shutdownTimeoutMs: 1_000 },
  // Sales queued by the bench (another process) wake no worker: found on the next poll, 100 ms not 1 s.
  drain: { pollMs: 100 },
  // Faults on every few calls: short deadlines, retries and leases, so 1,000 deliveries end in minutes.
  drill: {
    upstreamTimeoutMs: 400,
    retryBaseMs: 100,
    retryMaxMs: 2_000,
    maxAttempts: 40,
    leaseMs: 2_000,
    pollMs: 100,
    alertIntervalMs: 200,
  },
};

const mode = process.argv[2] ?? '';
const port = Number(process.env.PORT ?? 0);

if (mode === 'bare') {
  const app = express();
  app.post('/webhook', express.json({ limit: '1mb' }), (_req, res) => {
    res.json({});
  });
  const server = app.listen(port, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  signalListening((server.address() as AddressInfo).port);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
} else if (mode in TUNINGS) {
  await serve(loadConfig(), { tuning: TUNINGS[mode] });
} else {
  console.error(`uso: node dist/bench/child.js <bare|${Object.keys(TUNINGS).join('|')}>`);
  process.exit(2);
}
