/**
 * Server processes for the benchmark (run compiled: node dist/bench/child.js <mode>):
 * - `bare`: a bare Express 5 route that answers `200 {}` after parsing a JSON body — the baseline;
 * - `ack`:  the bridge as in production — its HTTP server (runtime.listen: createHttpServer), its
 *           real store (SQLite or DATABASE_URL) and the sale flows with the worker running against
 *           the EAD/ChatPro the environment names (the parent's loopback fakes).
 * Signals its parent over IPC once listening (signalListening).
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadConfig } from '../config/config.js';
import { signalListening } from '../http/http-server.js';
import { createRuntime } from '../app/runtime.js';

const mode = process.argv[2];
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
} else if (mode === 'ack') {
  const runtime = await createRuntime(loadConfig());
  const server = await runtime.listen(port);
  signalListening((server.address() as AddressInfo).port);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      runtime.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
} else {
  console.error('uso: node dist/bench/child.js <bare|ack>');
  process.exit(2);
}
