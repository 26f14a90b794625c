import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startSandbox } from '../sandbox/sandbox.js';
import { sleep, tmp } from './options.js';
import { peakRssMb, productionEntry, productionNodeFlags, serverEnv, stopProcess } from './processes.js';

/**
 * From spawning the compiled server (as npm start) to its first `/secure` 200, polled every 5 ms
 * — what a platform that starts the process on demand waits for. SQLite; the first run creates
 * and migrates the database, the others start on it.
 */

export interface ColdStart {
  /** Milliseconds of each run, in order. */
  runs: number[];
  rssMb: number;
}

/** A port free right now on loopback. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function secureOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function coldStart(runs: number): Promise<ColdStart> {
  const sandbox = await startSandbox();
  const sqlite = join(tmp(), 'cold.db');
  const times: number[] = [];
  let rssMb = 0;
  try {
    for (let i = 0; i < runs; i += 1) {
      const port = await freePort();
      const env = serverEnv('bench-token', { ...sandbox.env, SQLITE_PATH: sqlite, PORT: String(port) });
      const started = performance.now();
      const child = spawn(process.execPath, [...productionNodeFlags(), productionEntry()], {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: 'ignore',
      });
      try {
        for (;;) {
          if (child.exitCode !== null) throw new Error(`dist/server.mjs exited (${child.exitCode}) before answering /secure`);
          if (await secureOk(`http://127.0.0.1:${port}/secure`)) break;
          await sleep(5);
        }
        times.push(performance.now() - started);
        rssMb = Math.max(rssMb, peakRssMb(child));
      } finally {
        await stopProcess(child);
      }
    }
  } finally {
    await sandbox.close();
  }
  return { runs: times, rssMb };
}
