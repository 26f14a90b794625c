import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    root: new URL('..', import.meta.url).pathname,
    // A guard against hangs, not a speed target (those are in `npm run bench`): the tests that
    // start and kill server processes twice take 5–15 s here and over 30 s on a loaded machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start real loopback servers and child processes: keep parallelism modest on 2 cores.
    maxWorkers: 3,
    pool: 'threads',
    isolate: false,
  },
});
