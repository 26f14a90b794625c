import { afterEach, describe, expect, it } from 'vitest';
import { AlertOutbox } from '../../src/alerts/outbox.js';
import { TransientError } from '../../src/domain/errors.js';
import { ConnectionChecks } from '../../src/health/connection-checks.js';
import { createLogger } from '../../src/log/logger.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { Scheduler } from '../../src/timing/scheduler.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { waitFor } from '../helpers/runtime.js';

/** The instances share one view of the EAD's health: one seeing it back resumes them all. */

const log = createLogger('silent');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanups.splice(0).reverse()) await close();
});

describe.each(STORE_TARGETS)('connection checks of two instances on $name', (target) => {
  it('one instance seeing the EAD back (or down) changes what every instance may run, within seconds', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const storage = await target.fresh();
    let eadUp = false;
    const instance = async () => {
      const store: Stores = await openStores(storage);
      cleanups.push(() => store.close());
      let changes = 0;
      const checks = new ConnectionChecks({
        checks: [
          {
            name: 'ead',
            run: () => (eadUp ? Promise.resolve() : Promise.reject(new TransientError('EAD: não respondeu a tempo.', 'timeout'))),
          },
        ],
        store,
        alerts: new AlertOutbox(store, [], log),
        log,
        // Neither instance checks again on its own during the test: only the shared view can tell it.
        healthyIntervalMs: 3_600_000,
        failingIntervalMs: 3_600_000,
        shareIntervalMs: 100,
        onChange: () => (changes += 1),
      });
      // Its jobs on a scheduler of their own, as the runtime runs them.
      const scheduler = new Scheduler({ owner: 'test', onError: () => undefined });
      for (const job of checks.jobs) scheduler.add(job);
      cleanups.push(() => scheduler.stop());
      return { checks, scheduler, changes: () => changes };
    };
    const a = await instance();
    const b = await instance();
    a.scheduler.start();
    b.scheduler.start();
    await waitFor(() => a.checks.isFailing('ead') && b.checks.isFailing('ead'), 5_000, 'both see the EAD down');

    eadUp = true;
    await a.checks.runOnce(); // A's recheck sees the EAD back
    expect(a.checks.isFailing('ead')).toBe(false);
    await waitFor(() => !b.checks.isFailing('ead'), 5_000, 'B resumes from what A saw');
    expect(b.changes()).toBe(2); // down, then up: B's worker was told both times

    eadUp = false;
    await b.checks.runOnce(); // now B sees it fail: A pauses too
    await waitFor(() => a.checks.isFailing('ead'), 5_000, 'A pauses from what B saw');
  });
});
