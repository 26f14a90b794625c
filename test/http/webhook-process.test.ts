import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { testEnv } from '../helpers/config.js';
import { startServerProcess, type ServerProcess } from '../helpers/process.js';

/** The V8 flags `npm start` runs the server with (its heap cap is what a hostile body must not break). */
const START_FLAGS = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }
).scripts.start
  .split(/\s+/)
  .filter((arg) => arg.startsWith('--max-'));

let server: ServerProcess | undefined;
afterEach(() => {
  server?.child.kill('SIGKILL');
  server = undefined;
});

describe('the server process under hostile bodies', () => {
  it("five 1 MB bodies with a bogus signature leave it up, under npm start's heap cap, and /secure answering", async () => {
    expect(START_FLAGS).toContain('--max-old-space-size=128');
    server = await startServerProcess('src/server.ts', testEnv({ PORT: '0', LOG_LEVEL: 'info' }), START_FLAGS);
    const body = `{"order":{"a":[${'0,'.repeat(520_000)}0]}}`;
    expect(body.length).toBeGreaterThan(1_000_000);
    expect(body.length).toBeLessThanOrEqual(1024 * 1024);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${server!.url}/webhook?signature=${'0'.repeat(40)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }).then((r) => r.status),
      ),
    );
    expect(answers).toEqual([401, 401, 401, 401, 401]);
    expect((await fetch(`${server.url}/secure`)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });
});
