import 'dotenv/config';
import { ConfigError, loadConfig } from './config/config.js';
import type { AddressInfo } from 'node:net';
import { signalListening } from './http/http-server.js';
import { createRuntime } from './app/runtime.js';

/** Reads the configuration, starts the server, stops cleanly on SIGTERM/SIGINT (or when the parent that started it over IPC is gone). Nothing else. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const runtime = await createRuntime(config);
  const server = await runtime.listen();
  signalListening((server.address() as AddressInfo).port);
  const stop = (reason: string): void => {
    runtime.log.info({ reason }, 'desligando');
    runtime.stop().then(
      () => process.exit(0),
      (err) => {
        runtime.log.error({ err }, 'erro ao desligar');
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop(signal));
  // Started by a parent over IPC (tests, benchmarks): never outlive it.
  if (process.connected) process.once('disconnect', () => stop('parent_gone'));
}

main().catch((err) => {
  console.error('Falha ao iniciar:', err instanceof Error ? err.message : err);
  process.exit(1);
});
