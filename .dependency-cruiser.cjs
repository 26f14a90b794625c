/**
 * The layers of src/, as allow-lists (`npm run lint`): each folder names the folders it may import,
 * and everything else is refused — a new folder, or a new arrow, is a decision made here, not by
 * accident. Type-only imports count: a type is a dependency too.
 *
 * From the bottom (README → Layout draws it):
 *   domain, timing                      the vocabulary and time: nothing else of src
 *   log, intake, clients, store         each over the bottom only
 *   metrics, alerts, worker             counting, the alert outbox, the claim loop
 *   replay, sales, plans                replaying events; the sale's shared rules and steps; the plan map
 *   enrolment, revocation, privacy,     the features
 *   reconciliation, health
 *   support                             what support sees and does, across features
 *   http, admin, discord-console        the doors
 *   config                              the environment, parsed once
 *   app, server.ts                      the composition root: the only place that sees everything
 * Beside them, never imported by the server: sandbox (loopback fakes), demo, bench, cli.
 */
const allow = {
  domain: [],
  timing: [],
  log: ['domain'],
  intake: ['domain'],
  clients: ['domain', 'timing'],
  store: ['domain', 'timing'],
  metrics: ['domain', 'store', 'clients'],
  alerts: ['domain', 'timing', 'log', 'metrics', 'store'],
  worker: ['domain', 'timing', 'log', 'metrics', 'store', 'alerts'],
  replay: ['domain', 'store'],
  plans: ['domain', 'timing', 'log', 'store', 'replay'],
  sales: ['domain', 'intake', 'clients', 'worker', 'plans'],
  enrolment: ['domain', 'intake', 'clients', 'worker', 'sales', 'plans'],
  revocation: ['domain', 'intake', 'worker', 'sales'],
  privacy: ['domain', 'timing', 'log', 'store', 'sales'],
  reconciliation: ['domain', 'timing', 'log', 'store', 'intake', 'clients', 'alerts', 'plans', 'replay'],
  health: ['domain', 'timing', 'log', 'store', 'alerts'],
  support: ['domain', 'intake', 'store', 'alerts', 'sales', 'plans', 'privacy', 'reconciliation', 'health'],
  http: ['domain', 'timing', 'log', 'intake', 'store', 'metrics'],
  admin: ['domain', 'timing', 'store', 'http', 'replay', 'plans', 'privacy', 'support'],
  'discord-console': ['domain', 'timing', 'store', 'clients', 'alerts', 'http', 'replay', 'plans', 'privacy', 'support'],
  config: ['domain', 'clients', 'enrolment'],
};

const TOOLS = ['sandbox', 'demo', 'bench', 'cli'];
const SERVER = `^src/(?!(${TOOLS.join('|')})/)`;
const folders = (names) => `^src/(${names.join('|')})/`;

/** Packages only some folders may speak, by what they are for. */
const packages = [
  {
    pkg: 'express',
    folders: ['http', 'admin', 'discord-console', 'app', 'sandbox', 'bench'],
    why: 'Only the doors (and the fakes) speak Express.',
  },
  { pkg: 'axios', folders: ['clients'], why: 'Outbound HTTP goes through the thin clients.' },
  { pkg: 'nodemailer', folders: ['clients'], why: 'SMTP goes through the mail client.' },
  { pkg: 'prom-client', folders: ['metrics'], why: 'The rest calls the MetricsRecorder (clients: an UpstreamObserver).' },
  { pkg: '(pg|better-sqlite3|better-sqlite3-napi)', folders: ['store', 'bench'], why: 'The database drivers are the store’s.' },
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'A cycle makes two modules one: untangle it.', severity: 'error', from: {}, to: { circular: true } },
    ...Object.entries(allow).map(([folder, may]) => ({
      name: `${folder}-imports-only-${may.join('-') || 'itself'}`,
      comment: `src/${folder}/ may import only: ${may.join(', ') || 'nothing else of src'}.`,
      severity: 'error',
      from: { path: `^src/${folder}/` },
      to: { path: '^src/', pathNot: [folders([folder, ...may])] },
    })),
    {
      name: 'server-entry-imports-only-app-and-config',
      comment: 'src/server.ts reads the configuration and starts the app: nothing else.',
      severity: 'error',
      from: { path: '^src/server\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/(app|config)/'] },
    },
    {
      name: 'app-is-the-root-of-the-server',
      comment: 'The composition root wires the server: it never reaches into the tools.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: folders(TOOLS) },
    },
    {
      name: 'nothing-imports-the-root',
      comment: 'Only server.ts and the tools start the app; no layer reaches up into it.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(app|cli|demo|bench)/', '^src/server\\.ts$'] },
      to: { path: '^src/app/' },
    },
    {
      name: 'server-never-imports-tools',
      comment: 'Server code never imports the fakes, the demo, the benchmarks or the CLI.',
      severity: 'error',
      from: { path: SERVER },
      to: { path: folders(TOOLS) },
    },
    {
      name: 'sandbox-fakes-stand-alone',
      comment: 'The loopback fakes play the upstreams: they know the vocabulary and how Kiwify signs, nothing of the server.',
      severity: 'error',
      from: { path: '^src/sandbox/' },
      to: { path: '^src/', pathNot: ['^src/(sandbox|domain|intake)/'] },
    },
    ...packages.map(({ pkg, folders: may, why }) => ({
      name: `${pkg.replace(/\W/g, '')}-only-in-${may.join('-')}`,
      comment: why,
      severity: 'error',
      from: { path: '^src/', pathNot: [folders(may)] },
      to: { path: `node_modules/${pkg}/` },
    })),
    { name: 'src-never-imports-tests', severity: 'error', from: { path: '^src/' }, to: { path: '^test/' } },
    {
      name: 'every-folder-has-a-rule',
      comment: 'A new folder of src/ needs its line in `allow` above (or in TOOLS): say what it may import.',
      severity: 'error',
      from: { path: '^src/', pathNot: [folders([...Object.keys(allow), ...TOOLS, 'app']), '^src/server\\.ts$'] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
