import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ListeningSignal } from '../http/server.js';

/**
 * The Node flags of `npm start` (package.json), so benchmarked servers run as in production:
 * "node --max-old-space-size=128 dist/server.js" → ["--max-old-space-size=128"].
 */
export function productionNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(/\s+/).filter((token) => token.startsWith('--'));
}

export interface Child {
  child: ChildProcess;
  url: string;
  /** Peak resident memory so far (VmHWM), in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/** Starts a compiled entry point as a child process and waits for its "listening" signal (IPC). */
export async function startChild(
  entry: string,
  args: string[],
  env: Record<string, string>,
  logFile?: NodeJS.WritableStream,
): Promise<Child> {
  const child = spawn(process.execPath, [...productionNodeFlags(), entry, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let head = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start:\n${head}`)), 30_000);
    const onData = (chunk: Buffer) => {
      if (head.length < 20_000) head += chunk.toString();
    };
    child.on('message', (message: Partial<ListeningSignal>) => {
      if (message.event !== 'listening') return;
      clearTimeout(timer);
      resolve(`http://127.0.0.1:${message.port}`);
    });
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code}) before starting:\n${head}`));
    });
  });
  if (logFile) {
    child.stdout!.pipe(logFile, { end: false });
    child.stderr!.pipe(logFile, { end: false });
  } else {
    child.stdout!.resume();
    child.stderr!.resume();
  }
  return {
    child,
    url,
    peakRssMb() {
      try {
        const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
        return Math.round(kb / 1024);
      } catch {
        return 0;
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The admin token benchmarked servers run with, to read their inbox counts. */
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';

export interface InboxCounts {
  pending: number;
  retrying: number;
  processing: number;
  failed: number;
}

/** Inbox counts from a running server's admin API (the server must run with BENCH_ADMIN_TOKEN). */
export async function inboxCounts(url: string): Promise<InboxCounts | null> {
  try {
    const res = await fetch(`${url}/admin/api/health`, { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } });
    return res.ok ? ((await res.json()) as { counts: InboxCounts }).counts : null;
  } catch {
    return null;
  }
}
