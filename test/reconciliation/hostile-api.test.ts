import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { testEnv } from '../helpers/config.js';
import { startServerProcess, type ServerProcess } from '../helpers/process.js';
import { waitFor } from '../helpers/runtime.js';

/** The V8 flags `npm start` runs the server with (its heap cap is what a hostile answer must not break). */
const START_FLAGS = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }
).scripts.start
  .split(/\s+/)
  .filter((arg) => arg.startsWith('--max-'));

const ADMIN_TOKEN = 'admin-token-for-hostile-api-test';

let server: ServerProcess | undefined;
let sandbox: Sandbox | undefined;
afterEach(async () => {
  server?.child.kill('SIGKILL');
  await sandbox?.close();
  server = sandbox = undefined;
});

describe("Kiwify's API answering a 2 MB JSON a million levels deep", () => {
  it("the reconciliation fails that run with the error classified and told once; the process stays up under npm start's heap", async () => {
    expect(START_FLAGS).toContain('--max-old-space-size=128');
    sandbox = await startSandbox();
    sandbox.kiwifyApi.faults.failNext('deep_json', 1_000, (req) => req.path === '/v1/sales');
    const env = testEnv({
      ...sandbox.env,
      ...sandbox.kiwifyApiEnv,
      PORT: '0',
      ADMIN_TOKEN,
      LOG_LEVEL: 'info',
    });
    server = await startServerProcess('src/server.ts', env, START_FLAGS);
    const health = async () =>
      (await (await fetch(`${server!.url}/admin/api/health`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
        reconciliation: { error: string | null } | null;
      };
    const { reconciliation } = await waitFor(async () => ((await health()).reconciliation?.error ? health() : undefined), 20_000, 'a run');
    expect(reconciliation?.error).toMatch(/^Kiwify respondeu HTTP 200 com um JSON aninhado demais/);
    await waitFor(() => sandbox!.callmebot.calls.some((c) => c.text.includes('Conciliação com a Kiwify falhando')), 10_000, 'the alert');
    expect(sandbox.kiwifyApi.faults.injected).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${server.url}/secure`)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
    expect(sandbox.callmebot.calls.filter((c) => c.text.includes('Conciliação com a Kiwify falhando'))).toHaveLength(1);
  });
});
