import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './config.js';
import type { ListeningSignal } from '../../src/http/http-server.js';

/** tsx's loader, by absolute path: processes run from a scratch folder, away from any `.env`. */
const TSX_LOADER = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Arguments and options to run a TypeScript entry point of this repository as its own process.
 * Its working directory is a scratch folder, so a `.env` a developer keeps in the checkout is
 * never read by a test.
 */
export function tsProcess(entry: string, args: string[] = [], nodeArgs: string[] = []) {
  return { args: [...nodeArgs, '--import', TSX_LOADER, resolve(REPO, entry), ...args], cwd: tempDir('bridge-proc-') };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts a TypeScript entry point (through tsx) as a real server process and waits for its "listening" signal (IPC). */
export async function startServerProcess(entry: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ServerProcess> {
  const run = tsProcess(entry, [], nodeArgs);
  const child = spawn(process.execPath, run.args, {
    cwd: run.cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20_000);
    child.on('message', (message: Partial<ListeningSignal>) => {
      if (message.event !== 'listening') return;
      clearTimeout(timer);
      resolve(`http://127.0.0.1:${message.port}`);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before starting:\n${out}`));
    });
  });
  return { child, url, output: () => out, exited };
}
