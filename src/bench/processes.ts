import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ListeningSignal } from '../http/http-server.js';

const START_SCRIPT = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } })
  .scripts.start;

/**
 * The Node flags of `npm start` (package.json), so benchmarked servers run as in production:
 * "node --max-old-space-size=128 dist/server.mjs" → ["--max-old-space-size=128"].
 */
export function productionNodeFlags(): string[] {
  return START_SCRIPT.split(/\s+/).filter((token) => token.startsWith('--'));
}

/** The file `npm start` runs (the bundled server, dist/server.mjs), as an absolute path. */
export function productionEntry(): string {
  const file = START_SCRIPT.split(/\s+/).find((token) => /\.m?js$/.test(token));
  if (!file) throw new Error(`npm start does not name a .js/.mjs file: ${START_SCRIPT}`);
  return new URL(`../../${file}`, import.meta.url).pathname;
}

/**
 * `BENCH_CPU_PROF=DIR` writes a V8 CPU profile of every server process into DIR when it exits
 * (open it in Chrome's DevTools, Performance tab, or https://www.speedscope.app).
 */
function profileFlags(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/**
 * The bench's server process (child.ts: the bridge as npm start runs it, with a mode's timings),
 * as an absolute path; run with productionNodeFlags like the real server.
 */
export function benchChild(): string {
  return new URL('./child.js', import.meta.url).pathname;
}

export interface Child {
  child: ChildProcess;
  url: string;
  /** Peak resident memory so far (VmHWM), in MB. */
  peakRssMb(): number;
  /** Freezes the process (SIGSTOP) / lets it run again (SIGCONT). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** Starts a compiled entry point as a child process and waits for its "listening" signal (IPC). */
export async function startChild(
  entry: string,
  args: string[],
  env: Record<string, string>,
  logFile?: NodeJS.WritableStream,
): Promise<Child> {
  const child = spawn(process.execPath, [...productionNodeFlags(), ...profileFlags(), entry, ...args], {
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
    peakRssMb: () => peakRssMb(child),
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop: () => stopProcess(child),
  };
}

/** Peak resident memory so far (VmHWM) of a running process, in MB (0 once it has exited). */
export function peakRssMb(child: ChildProcess): number {
  try {
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

/** SIGTERM (and SIGCONT, should it be frozen), then waits for the exit. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  child.kill('SIGCONT');
  await exited;
}

/** The admin token benchmarked servers run with, to read their inbox counts. */
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';

/** The environment of a benchmarked bridge server; `extra` adds the store, the fakes, the port. */
export function serverEnv(webhookToken: string, extra: Record<string, string>): Record<string, string> {
  return {
    KIWIFY_WEBHOOK_TOKEN: webhookToken,
    LOG_LEVEL: 'info',
    EAD_BASE_URL: 'http://127.0.0.1:9',
    EAD_API_KEY: 'bench',
    EAD_UNIT_ID: '1',
    CALLMEBOT_BASE_URL: 'http://127.0.0.1:9',
    CALLMEBOT_PHONE: '5561988880000',
    CALLMEBOT_APIKEY: 'bench',
    ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    ALERT_ON_SUCCESS: 'false',
    ...extra,
  };
}

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
