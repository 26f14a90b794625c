import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config.js';
import { signalListening } from '../http/http-server.js';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime.js';

/**
 * A server process's life: the runtime listening (its parent, if any, told over IPC), stopped
 * cleanly on SIGTERM/SIGINT or when the parent that started it over IPC is gone. What `npm start`
 * runs (server.ts), and the bench and drill processes with their explicit timings.
 */
export async function serve(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const runtime = await createRuntime(config, options);
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
  return runtime;
}
