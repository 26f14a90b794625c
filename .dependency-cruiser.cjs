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
      name: 'bottom-layers-stand-alone',
      comment: 'timing/ (clock, poller, backoff) and domain/ (rules and words) import nothing else of src/.',
      severity: 'error',
      from: { path: '^src/(timing|domain)/' },
      to: { path: '^src/', pathNot: ['^src/(timing|domain)/'] },
    },
    {
      name: 'store-knows-only-the-bottom',
      comment: 'The store persists; it does not know flows, clients, HTTP or the configuration.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/', pathNot: ['^src/(store|domain|timing)/'] },
    },
    {
      name: 'kiwify-knows-only-the-domain',
      comment: 'Delivery parsing and signatures are pure.',
      severity: 'error',
      from: { path: '^src/kiwify/' },
      to: { path: '^src/', pathNot: ['^src/(kiwify|domain)/'] },
    },
    {
      name: 'templates-only-read-files',
      comment: 'The template files and their loader: they read a file and compile it with the domain, nothing else.',
      severity: 'error',
      from: { path: '^src/templates/' },
      to: { path: '^src/', pathNot: ['^src/(templates|domain)/'] },
    },
    {
      name: 'clients-are-thin',
      comment: 'One client per external system: it knows HTTP and its upstream, never the inbox, flows or routes.',
      severity: 'error',
      from: { path: '^src/clients/' },
      to: { path: '^src/', pathNot: ['^src/(clients|domain|timing)/'] },
    },
    {
      name: 'metrics-only-count',
      comment: 'The metrics count what they are told and read the store; they know nothing of flows, routes, jobs or the configuration.',
      severity: 'error',
      from: { path: '^src/metrics/' },
      to: { path: '^src/', pathNot: ['^src/(metrics|store|clients|kiwify|domain|timing)/'] },
    },
    {
      name: 'prom-client-only-in-metrics',
      comment: 'Only src/metrics/ speaks prom-client; the rest calls its MetricsRecorder (clients: an UpstreamObserver).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/metrics/' },
      to: { path: 'node_modules/prom-client' },
    },
    {
      name: 'flows-are-the-story',
      comment: 'The sale flows use client interfaces and the worker contract; never HTTP, support, jobs, alerts internals or the configuration.',
      severity: 'error',
      from: { path: '^src/flows/' },
      to: { path: '^src/(http|support|jobs|alerts|config(\\.ts|/)|wiring\\.ts|runtime\\.ts|app\\.ts|server\\.ts)' },
    },
    {
      name: 'worker-runs-any-handler',
      comment: 'The worker knows the handler contract, not the flows behind it.',
      severity: 'error',
      from: { path: '^src/worker/' },
      to: { path: '^src/(flows|http|support|jobs|clients|config(\\.ts|/)|wiring\\.ts|runtime\\.ts)' },
    },
    {
      name: 'alerts-only-deliver',
      comment: 'The alert outbox and its channels know the store and the clients, never the use cases or the consoles above them.',
      severity: 'error',
      from: { path: '^src/alerts/' },
      to: { path: '^src/(http|support|discord|flows|worker|jobs|config(\\.ts|/)|wiring\\.ts|runtime\\.ts)' },
    },
    {
      name: 'discord-is-a-console',
      comment: 'The Discord console sits beside the HTTP layer: it uses the support use cases and the store, never the flows, the worker or an upstream client beyond its own interface.',
      severity: 'error',
      from: { path: '^src/discord/' },
      to: { path: '^src/(http|flows|worker|jobs|config(\\.ts|/)|wiring\\.ts|runtime\\.ts|app\\.ts)' },
    },
    {
      name: 'routes-never-call-clients',
      comment: 'HTTP routes go through the support use cases and the store, never straight to an upstream.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/(clients|flows|worker|jobs)/' },
    },
    {
      name: 'support-is-not-http',
      comment: 'The support use cases serve the admin page, the API and the CLI alike: no Express in them.',
      severity: 'error',
      from: { path: '^src/support/' },
      to: { path: '^(src/http/|node_modules/express)' },
    },
    {
      name: 'no-express-below-http',
      comment: 'Only the HTTP layer (and the loopback fakes) speak Express.',
      severity: 'error',
      from: { path: '^src/(domain|store|clients|flows|worker|jobs|alerts|kiwify|timing|support)/' },
      to: { path: 'node_modules/express' },
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
