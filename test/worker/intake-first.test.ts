import { describe, expect, it, vi } from 'vitest';
import type { AlertOutbox } from '../../src/alerts/outbox.js';
import { IntakeActivity } from '../../src/http/intake-activity.js';
import { createLogger } from '../../src/log/logger.js';
import type { Store } from '../../src/store/store.js';
import { IntakeFirst } from '../../src/worker/intake-first.js';
import { Worker } from '../../src/worker/worker.js';

describe('intake first', () => {
  it('holds claims back while signed deliveries arrive, never longer than the limit in a row', () => {
    let now = 0;
    const intake = new IntakeActivity(() => now, 100);
    const rule = new IntakeFirst(
      () => intake.busy(),
      () => now,
      1_000,
    );
    expect(rule.holdBack()).toBe(false); // nothing arriving

    intake.delivered();
    expect(rule.holdBack()).toBe(true);
    now = 90;
    expect(rule.holdBack()).toBe(true);
    now = 150; // quiet for 100 ms: claims go ahead
    expect(rule.holdBack()).toBe(false);

    // A steady stream: held back its first second, then claims go ahead for as long as it lasts
    // (a stream must never throttle the sales to a claim a second).
    const held: boolean[] = [];
    for (now = 200; now <= 10_000; now += 50) {
      intake.delivered();
      held.push(rule.holdBack());
    }
    expect(held.indexOf(false)).toBe(20); // at 1200 ms
    expect(held.slice(20).every((h) => !h)).toBe(true);
    // A quiet moment, then a new burst: a new wait.
    now += 200;
    expect(rule.holdBack()).toBe(false);
    intake.delivered();
    expect(rule.holdBack()).toBe(true);
  });
});

describe('the slots a worker may fill (issue 24)', () => {
  it("none for a burst's first second, one while deliveries keep the event loop saturated, all otherwise", () => {
    let now = 0;
    let loop = 0;
    const intake = new IntakeActivity(() => now, 100);
    const rule = new IntakeFirst(
      () => intake.busy(),
      () => now,
      1_000,
      () => loop,
    );
    expect(rule.slots(4)).toBe(4); // quiet
    intake.delivered();
    loop = 0.95;
    expect(rule.slots(4)).toBe(0); // a burst's first second
    now = 1_200;
    intake.delivered();
    expect(rule.slots(4)).toBe(1); // still coming, the CPU is the limit: acks keep their share
    loop = 0.3;
    expect(rule.slots(4)).toBe(4); // coming at a pace the loop carries (a real launch): every slot
    loop = 0.95;
    now = 1_400; // quiet for 200 ms: every slot, whatever the loop did
    expect(rule.slots(4)).toBe(4);
  });
});

describe('a worker yielding to intake', () => {
  it('keeps one look-again timer however many deliveries wake it', async () => {
    vi.useFakeTimers();
    try {
      let claims = 0;
      const store = {
        queue: {
          recoverAfterRestart: () => Promise.resolve(0),
          otherLeaseOwners: () => Promise.resolve([]),
          expireLeases: () => Promise.resolve(0),
          extendLeases: () => Promise.resolve(),
          claimDue: () => {
            claims += 1;
            return Promise.resolve([]);
          },
        },
      } as unknown as Store;
      const worker = new Worker({
        store,
        handlers: {},
        alerts: {} as AlertOutbox,
        log: createLogger('silent'),
        concurrency: 4,
        maxAttempts: 3,
        retryBaseMs: 1_000,
        leaseMs: 15_000,
        pollMs: 60_000,
        intakeBusy: () => true, // deliveries keep arriving
        clock: () => Date.now(),
      });
      await worker.start();
      const before = vi.getTimerCount();
      for (let i = 0; i < 1_000; i += 1) {
        worker.wake(); // one per delivery stored
        await vi.advanceTimersByTimeAsync(0);
      }
      expect(vi.getTimerCount() - before).toBeLessThanOrEqual(2);
      expect(claims).toBe(0); // held back: under a second of deliveries
      await vi.advanceTimersByTimeAsync(1_100);
      expect(claims).toBeGreaterThan(0); // never longer than MAX_INTAKE_DEFERRAL_MS
      await worker.stop(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
