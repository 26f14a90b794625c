import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sqliteDriverPackage } from '../../src/store/sqlite-driver.js';
import { tsProcess } from '../helpers/process.js';

/**
 * SQLite works on every Node the project runs on: better-sqlite3 12 aborts Node 24 when the
 * garbage collector frees a statement, 13 crashes Node 20 — each Node loads the release that
 * works on it. CI runs this file on Node 20 and Node 24 (.ci/node24).
 */
describe('the SQLite driver', () => {
  it('is better-sqlite3 12 on Node 20, and 13 (Node-API) from Node 22 on', () => {
    expect(sqliteDriverPackage('20.19.0')).toBe('better-sqlite3');
    expect(sqliteDriverPackage('22.0.0')).toBe('better-sqlite3-napi');
    expect(sqliteDriverPackage('24.21.0')).toBe('better-sqlite3-napi');
  });

  it(`survives the garbage collector freeing statements and databases (Node ${process.versions.node})`, async () => {
    const run = tsProcess('test/store/fixtures/gc-statements.ts', [], ['--expose-gc']);
    const child = spawn(process.execPath, run.args, { cwd: run.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    );
    expect({ code, signal, output: output.slice(-2000) }).toEqual({ code: 0, signal: null, output: expect.stringContaining('ok') });
  });
});
