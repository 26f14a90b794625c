/**
 * The layers of src/, enforced (`npm run lint`). From the bottom: timing, domain → kiwify, store,
 * clients, templates, log → metrics → alerts, worker → flows → jobs, support → discord, http → app, wiring, runtime → server.
 * Beside them, never imported by the server: sandbox (loopback fakes), demo, bench, cli.
 * Type-only imports count: a type is a dependency too.
 */
const SERVER = '^src/(?!(sandbox|demo|bench|cli)/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'A cycle makes two modules one: untangle it.', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'prom-client-only-in-metrics',
      comment: 'Only src/metrics/ speaks prom-client; the rest calls its MetricsRecorder (clients: an UpstreamObserver).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/metrics/' },
      to: { path: 'node_modules/prom-client' },
    },
    {
      name: 'server-never-imports-tools',
      comment: 'Server code never imports the fakes, the demo, the benchmarks or the CLI.',
      severity: 'error',
      from: { path: SERVER },
      to: { path: '^src/(sandbox|demo|bench|cli)/' },
    },
    {
      name: 'src-never-imports-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
