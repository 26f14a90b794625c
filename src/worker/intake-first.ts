import { performance } from 'node:perf_hooks';

/** How busy the event loop was over the last look (0–1), read at most every `everyMs`. */
export type LoopBusy = () => number;

/** The event loop's utilization since the previous reading, re-read at most every 100 ms. */
export function eventLoopBusy(clock: () => number, everyMs = 100): LoopBusy {
  let last = performance.eventLoopUtilization();
  let lastAt = clock();
  let value = 0;
  return () => {
    const now = clock();
    if (now - lastAt >= everyMs) {
      const current = performance.eventLoopUtilization();
      value = performance.eventLoopUtilization(current, last).utilization;
      last = current;
      lastAt = now;
    }
    return value;
  };
}

/** Utilization from which the event loop counts as saturated. */
export const SATURATED = 0.8;

/**
 * Intake first: when Kiwify starts delivering, new claims are held back for up to `maxMs`, so a
 * burst of deliveries is acknowledged before the worker competes for the CPU and the database.
 * Past that, claims go ahead for as long as deliveries keep coming (a steady stream must never
 * stop the sales), and the next burst after a quiet moment starts a new wait. While deliveries
 * keep coming AND the event loop is saturated (the CPU is what limits the acks), the worker runs
 * one event at a time instead of WORKER_CONCURRENCY: sales go on, and acks keep their share. At a
 * real launch's pace the loop is far from saturated and every slot is used.
 */
export class IntakeFirst {
  /** Since when deliveries have been arriving without a pause (undefined: intake is quiet). */
  private since: number | undefined;

  constructor(
    private readonly busy: () => boolean,
    private readonly clock: () => number,
    private readonly maxMs: number,
    private readonly loopBusy: LoopBusy = () => 0,
  ) {}

  /** Whether to skip this claim (the caller looks again shortly). */
  holdBack(): boolean {
    if (!this.busy()) {
      this.since = undefined;
      return false;
    }
    const now = this.clock();
    this.since ??= now;
    return now - this.since < this.maxMs;
  }

  /** How many events may run now, of `concurrency`: 0 while held back, 1 under pressure (see above). */
  slots(concurrency: number): number {
    if (this.holdBack()) return 0;
    return this.busy() && this.loopBusy() >= SATURATED ? Math.min(1, concurrency) : concurrency;
  }
}
