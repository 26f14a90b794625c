import type { Command } from '../../src/cli/cli-io.js';

/** Runs a CLI command in this process with its own environment (never `.env`), collecting its output. */
export async function runCommand(command: Command, args: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await command(args, { env, out: (line = '') => out.push(line), err: (line = '') => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
