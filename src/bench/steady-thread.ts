import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { deliveriesFor, startSequenceAt, type Scenario } from './deliveries.js';
import { steadyLoad, type SteadyResult } from './steady.js';

/**
 * The steady 500 req/s load in a thread of its own: its timer and its latency clock run on an
 * event loop and a heap the bench's other work (pre-filled tables, result arrays, autocannon)
 * never pauses — a pause there was charged to the server under test as latency.
 */

interface Job {
  url: string;
  rate: number;
  durationS: number;
  scenario: Scenario;
  /** Deliveries of this run start at this sequence number (the main thread's are far below). */
  firstSequence: number;
}

let threads = 0;

export function steadyLoadInThread(url: string, opts: { rate: number; durationS: number; scenario: Scenario }): Promise<SteadyResult> {
  threads += 1;
  const job: Job = { url, ...opts, firstSequence: threads * 100_000_000 };
  const worker = new Worker(new URL(import.meta.url), { workerData: job });
  return new Promise<SteadyResult>((resolve, reject) => {
    worker.once('message', (result: SteadyResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`steady load thread exited (${code}) without a result`)));
  });
}

if (!isMainThread && parentPort) {
  const job = workerData as Job;
  startSequenceAt(job.firstSequence);
  const result = await steadyLoad(job.url, { rate: job.rate, durationS: job.durationS, request: deliveriesFor(job.scenario) });
  parentPort.postMessage(result);
}
