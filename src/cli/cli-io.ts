import { config as loadDotenv } from 'dotenv';

/** What a command reads and writes: its environment, and two streams of lines. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  out: (line?: string) => void;
  err: (line?: string) => void;
}

/** A command: arguments in, lines out, an exit code back (0 ok, 1 failed, 2 bad usage). */
export type Command = (argv: string[], io: CliIo) => Promise<number>;

/**
 * Runs a command from its entry file (`npm run events -- …`): reads `.env` like the server, and
 * ends quietly when the reader of a pipe goes away (`npm run events -- list | head`). Tests call
 * the command itself, with their own environment: nothing of `.env` reaches them.
 */
export async function runCli(command: Command): Promise<void> {
  loadDotenv({ quiet: true });
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  process.exitCode = await command(process.argv.slice(2), {
    env: process.env,
    out: (line = '') => process.stdout.write(`${line}\n`),
    err: (line = '') => process.stderr.write(`${line}\n`),
  });
}
