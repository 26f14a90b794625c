/**
 * npm run bench — prints numbers, passes no judgement.
 *
 *   ack     signed order_approved deliveries (unique order ids) posted for a fixed time, at full
 *           speed and at a fixed 500 req/s; the same load against a bare Express 5 route that
 *           parses the same JSON body and answers {}: ours / bare is the headline.
 *           SQLite, and PostgreSQL when TEST_DATABASE_URL is set.
 *   drain   N approved sales queued; fake EAD and ChatPro answer after a fixed latency; time until
 *           all are done vs the bound sales × calls per sale × latency ÷ WORKER_CONCURRENCY.
 *   memory  peak RSS (VmHWM) of each server process.
 *
 * Options: --duration S (ack seconds, default 10) --sales N (default 1000) --latency MS (default 50)
 *          --concurrency N (default 4) --quick (duration 4, sales 200)
 * Servers run compiled (npm run build) in child processes; load and fakes run in this one.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { signKiwify } from '../kiwify/signature.js';
import { buildDelivery } from '../kiwify/samples.js';
import { startSandbox } from '../sandbox/index.js';
import { queueSales, freshPostgresUrl, dropPostgresSchemas } from './fixtures.js';
import { BENCH_ADMIN_TOKEN, inboxCounts, productionNodeFlags, startChild, type Child } from './processes.js';
import { steadyLoad, type SteadyResult } from './steady.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    sales: { type: 'string' },
    latency: { type: 'string' },
    concurrency: { type: 'string' },
    quick: { type: 'boolean' },
  },
});
const quick = Boolean(values.quick);
const DURATION = Number(values.duration ?? (quick ? 4 : 10));
const SALES = Number(values.sales ?? (quick ? 200 : 1000));
const LATENCY = Number(values.latency ?? 50);
const CONCURRENCY = Number(values.concurrency ?? 4);
const TOKEN = 'bench-token';
const PG = process.env.TEST_DATABASE_URL;
const DIST = new URL('../', import.meta.url).pathname; // dist/

const say = (line = '') => process.stdout.write(`${line}\n`);
const tmp = () => mkdtempSync(join(tmpdir(), 'bridge-bench-'));

function baseEnv(extra: Record<string, string>): Record<string, string> {
  return {
    KIWIFY_WEBHOOK_TOKEN: TOKEN,
    LOG_LEVEL: 'info',
    EAD_BASE_URL: 'http://127.0.0.1:9',
    EAD_API_KEY: 'bench',
    EAD_UNIT_ID: '1',
    CALLMEBOT_BASE_URL: 'http://127.0.0.1:9',
    CALLMEBOT_PHONE: '5561988880000',
    CALLMEBOT_APIKEY: 'bench',
    ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    ...extra,
  };
}

// ---- ack ---------------------------------------------------------------------------------------

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

const template = JSON.stringify(buildDelivery('order_approved', { plan: 'Excel PRO', cpf: '52998224725', orderId: '__ORDER__' }));
let sequence = 0;

/** Closed-loop load at full speed (each connection sends its next request on the answer). */
async function load(url: string, opts: { connections: number; duration: number }): Promise<LoadResult> {
  const result = await autocannon({
    url: `${url}/webhook`,
    connections: opts.connections,
    duration: opts.duration,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, ...nextDelivery() }),
      },
    ],
  });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

interface AckRow {
  target: string;
  full: LoadResult;
  at500: SteadyResult;
  rssMb: number;
}

function nextDelivery(): { path: string; body: string } {
  sequence += 1;
  const body = template.replace('__ORDER__', `bench-${process.pid}-${sequence}`);
  return { body, path: `/webhook?signature=${signKiwify(body, TOKEN)}` };
}

async function ack(target: string, child: Child): Promise<AckRow> {
  await load(child.url, { connections: 16, duration: 2 }); // warm-up
  const full = await load(child.url, { connections: 32, duration: DURATION });
  const at500 = await steadyLoad(child.url, { rate: 500, durationS: DURATION, request: nextDelivery });
  const rssMb = child.peakRssMb();
  await child.stop();
  return { target, full, at500, rssMb };
}

// ---- drain -------------------------------------------------------------------------------------

interface DrainRow {
  store: string;
  seconds: number;
  bound: number;
  callsPerSale: number;
  rssMb: number;
  failed: number;
}

async function drain(store: 'sqlite' | 'postgres'): Promise<DrainRow> {
  const sandbox = await startSandbox();
  sandbox.ead.faults.latencyMs = LATENCY;
  sandbox.chatpro.faults.latencyMs = LATENCY;
  const storage =
    store === 'postgres' ? { DATABASE_URL: await freshPostgresUrl(PG!), SQLITE_PATH: '' } : { SQLITE_PATH: join(tmp(), 'drain.db') };
  await queueSales(storage, SALES);
  const env = baseEnv({
    ...sandbox.env,
    ...Object.fromEntries(Object.entries(storage).filter(([, v]) => v)),
    WORKER_CONCURRENCY: String(CONCURRENCY),
    ALERT_ON_SUCCESS: 'false',
    PORT: '0',
  });
  // From process start: start-up counts, and the worker begins before the server says it is ready.
  const started = Date.now();
  const server = await startChild(join(DIST, 'server.js'), [], env);
  let failed: number;
  for (;;) {
    const health = await inboxCounts(server.url);
    failed = health?.failed ?? 0;
    if (health && health.pending + health.retrying + health.processing === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (Date.now() - started) / 1000;
  const calls = sandbox.ead.calls.length + sandbox.chatpro.calls.length;
  const rssMb = server.peakRssMb();
  await server.stop();
  await sandbox.close();
  return {
    store,
    seconds,
    bound: (SALES * 4 * LATENCY) / CONCURRENCY / 1000,
    callsPerSale: calls / SALES,
    rssMb,
    failed,
  };
}

// ---- report ------------------------------------------------------------------------------------

const pad = (v: unknown, n: number) => String(v).padStart(n);

say(`kiwify-ead-bridge bench — node ${process.version} ${productionNodeFlags().join(' ')} (as npm start), ${new Date().toISOString()}`);
say(
  `ack: ${DURATION}s per run (autocannon, 32 connections, at full speed; then a steady open-loop 500 req/s); drain: ${SALES} sales, ${LATENCY} ms upstream latency, WORKER_CONCURRENCY=${CONCURRENCY}`,
);
say();

const ackRows: AckRow[] = [];
ackRows.push(await ack('bare Express 5', await startChild(join(DIST, 'bench/child.js'), ['bare'], { PORT: '0' })));
ackRows.push(
  await ack(
    'bridge · SQLite',
    await startChild(join(DIST, 'bench/child.js'), ['ack'], baseEnv({ SQLITE_PATH: join(tmp(), 'ack.db'), PORT: '0' })),
  ),
);
if (PG) {
  ackRows.push(
    await ack(
      'bridge · PostgreSQL',
      await startChild(join(DIST, 'bench/child.js'), ['ack'], baseEnv({ DATABASE_URL: await freshPostgresUrl(PG), PORT: '0' })),
    ),
  );
} else {
  say('(TEST_DATABASE_URL não definido: PostgreSQL fora desta rodada)');
}

const bare = ackRows[0].full.rps;
say('ACK (POST /webhook → 200)        full speed                                  at 500 req/s');
say('target                 req/s  ratio   p50   p99   max  err    req/s   p50   p99   max  err  peak RSS');
for (const r of ackRows) {
  say(
    `${r.target.padEnd(20)} ${pad(r.full.rps, 7)} ${pad((r.full.rps / bare).toFixed(2), 6)} ${pad(r.full.p50, 5)} ${pad(r.full.p99, 5)} ${pad(r.full.max, 5)} ${pad(r.full.errors, 4)}  ${pad(r.at500.rps, 7)} ${pad(r.at500.p50, 5)} ${pad(r.at500.p99, 5)} ${pad(r.at500.max, 5)} ${pad(r.at500.errors, 4)}  ${pad(r.rssMb, 5)} MB`,
  );
}
say('(latencies in ms; ratio = req/s ÷ bare Express req/s)');
say();

const drainRows: DrainRow[] = [await drain('sqlite')];
if (PG) drainRows.push(await drain('postgres'));
say('DRAIN (queued sales → all done)');
say('store        sales  seconds  bound (s)  ratio  calls/sale  failed  peak RSS');
for (const r of drainRows) {
  say(
    `${r.store.padEnd(10)} ${pad(SALES, 7)} ${pad(r.seconds.toFixed(1), 8)} ${pad(r.bound.toFixed(1), 10)} ${pad((r.seconds / r.bound).toFixed(2), 6)} ${pad(r.callsPerSale.toFixed(2), 11)} ${pad(r.failed, 7)}  ${pad(r.rssMb, 5)} MB`,
  );
}
say(`(bound = sales × 4 calls × ${LATENCY} ms ÷ ${CONCURRENCY}; calls/sale counts EAD + ChatPro calls, the unit token included)`);
say();
const peak = Math.max(...ackRows.map((r) => r.rssMb), ...drainRows.map((r) => r.rssMb));
say(`MEMORY  peak RSS of any server process: ${peak} MB`);
await dropPostgresSchemas();
