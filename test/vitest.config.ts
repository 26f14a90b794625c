import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    root: new URL('..', import.meta.url).pathname,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests start real loopback servers and child processes: keep parallelism modest on 2 cores.
    maxWorkers: 3,
    pool: 'threads',
    isolate: false,
  },
});
