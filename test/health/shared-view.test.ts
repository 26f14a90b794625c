import { afterEach, describe, expect, it } from 'vitest';
import { AlertOutbox } from '../../src/alerts/outbox.js';
import { PermanentError, TransientError } from '../../src/domain/errors.js';
import { ConnectionChecks } from '../../src/health/connection-checks.js';
import { createLogger } from '../../src/log/logger.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { Scheduler } from '../../src/timing/scheduler.js';
import { STORE_TARGETS } from '../helpers/databases.js';
import { waitFor } from '../helpers/runtime.js';
import type { InstanceCheckRow } from '../../src/health/check-store.js';

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

/** Alerts as an outbox keeps them: one per key. */
function alertLog() {
  const texts: string[] = [];
  const keys = new Set<string>();
  const outbox = {
    enqueue: (text: string, options: { key?: string } = {}) => {
      if (options.key && keys.has(options.key)) return Promise.resolve();
      if (options.key) keys.add(options.key);
      texts.push(text);
      return Promise.resolve();
    },
  };
  return { texts, outbox: outbox as unknown as AlertOutbox };
}

describe.each(STORE_TARGETS)('two instances that disagree about the EAD on $name', (target) => {
  it('one with a wrong key: it pauses alone, once told; the healthy one never pauses; no falhando/restabelecida pairs. A real outage and its recovery: both, once', async ({
    skip,
  }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const storage = await target.fresh();
    const alerts = alertLog();
    let eadUp = true;
    const instance = async (name: string, wrongKey: boolean) => {
      const store: Stores = await openStores(storage);
      cleanups.push(() => store.close());
      let changes = 0;
      let checks = 0;
      const connection = new ConnectionChecks({
        instance: name,
        checks: [
          {
            name: 'ead',
            run: () => {
              checks += 1;
              if (wrongKey) return Promise.reject(new PermanentError('EAD recusou a chave: confira EAD_API_KEY.', 'ead_auth'));
              return eadUp ? Promise.resolve() : Promise.reject(new TransientError('EAD: não respondeu a tempo.', 'timeout'));
            },
          },
        ],
        store,
        alerts: alerts.outbox,
        log,
        // Both check often and read each other often: flip-flops would show within the test.
        healthyIntervalMs: 150,
        failingIntervalMs: 150,
        shareIntervalMs: 50,
        onChange: () => (changes += 1),
      });
      const scheduler = new Scheduler({ owner: name, onError: () => undefined });
      for (const job of connection.jobs) scheduler.add(job);
      cleanups.push(() => scheduler.stop());
      scheduler.start();
      return { connection, store, changes: () => changes, checks: () => checks };
    };
    // The healthy one has checked before the other starts (an instance alone in an empty table
    // cannot tell its own failure from an outage).
    const healthy = await instance('b', false);
    await waitFor(
      async () => (await healthy.store.checks.instances()).some((row) => row.instance === 'b'),
      5_000,
      'the healthy one checked',
    );
    const wrong = await instance('a', true);
    let healthyPaused = false;
    await waitFor(
      () => {
        healthyPaused ||= healthy.connection.isFailing('ead');
        return wrong.checks() >= 10 && healthy.checks() >= 10;
      },
      10_000,
      'ten checks each',
    );
    expect(healthyPaused).toBe(false);
    expect(healthy.changes()).toBe(0);
    expect(wrong.connection.isFailing('ead')).toBe(true);
    expect(wrong.changes()).toBe(1); // paused once, never resumed by the other's view
    expect(alerts.texts).toHaveLength(1);
    expect(alerts.texts[0]).toContain('falhando em uma das instâncias');

    // A real outage: the healthy one fails too — every check fails: one alert; its return: one alert, and it resumes.
    eadUp = false;
    await waitFor(() => healthy.connection.isFailing('ead'), 5_000, 'the healthy one pauses');
    await waitFor(() => alerts.texts.length === 2, 5_000, 'the outage told');
    expect(alerts.texts[1]).toContain('Conexão com o EAD falhando*');
    eadUp = true;
    await waitFor(() => !healthy.connection.isFailing('ead'), 5_000, 'the healthy one resumes');
    await waitFor(() => alerts.texts.length === 3, 5_000, 'the return told');
    expect(alerts.texts[2]).toContain('restabelecida');
    const before = healthy.checks();
    await waitFor(() => healthy.checks() >= before + 5, 5_000, 'five more checks');
    expect(alerts.texts, alerts.texts.join('\n---\n')).toHaveLength(3);
    expect(wrong.connection.isFailing('ead')).toBe(true);
  });
});

describe('an instance reading the shared view while its own check is being recorded', () => {
  it('does not take the others agreeing with it for a disagreement (no spare recheck, which would hold off the next real one)', async () => {
    let clock = 1_000;
    let releaseRecord: () => void = () => undefined;
    const recordHeld = new Promise<void>((resolve) => (releaseRecord = resolve));
    const other: InstanceCheckRow = { name: 'ead', instance: 'other', status: 'failing', checked_at: 0, detail: 'timeout' };
    const checks = {
      now: () => clock,
      instances: () => Promise.resolve([other]),
      recordOwn: () => recordHeld,
      record: () => Promise.resolve(false),
    };
    let runs = 0;
    const connection = new ConnectionChecks({
      instance: 'self',
      checks: [{ name: 'ead', run: () => ((runs += 1), Promise.reject(new TransientError('EAD: não respondeu a tempo.', 'timeout'))) }],
      store: { checks },
      alerts: alertLog().outbox,
      log,
      failingIntervalMs: 60_000,
    });
    const own = connection.runOnce(); // its check fails; the write of its row is slow
    await waitFor(() => runs === 1, 1_000, 'the own check ran');
    clock += 5;
    other.checked_at = clock; // another instance checks after it, and sees the same failure
    clock += 5;
    const view = connection.readSharedView();
    await new Promise((resolve) => setImmediate(resolve)); // the view read and weighed
    releaseRecord();
    await Promise.all([view, own]);
    expect(runs).toBe(1);
    expect(connection.isFailing('ead')).toBe(true);
  });
});

describe('an instance whose check of a hanging system takes its whole deadline', () => {
  it('is not taken for gone meanwhile: another failing alone does not call it an outage', async () => {
    const interval = 1_000;
    const deadline = 5_000;
    let clock = 100_000;
    const rows: InstanceCheckRow[] = [{ name: 'ead', instance: 'slow', status: 'ok', checked_at: clock, detail: null }];
    const recorded: string[] = [];
    const checks = {
      now: () => clock,
      instances: () => Promise.resolve(rows),
      recordOwn: (instance: string, name: string, status: 'ok' | 'failing', detail: string | null) => {
        rows.push({ name, instance, status, checked_at: clock, detail });
        return Promise.resolve();
      },
      record: (_name: string, status: string) => (recorded.push(status), Promise.resolve(false)),
    };
    const alerts = alertLog();
    const wrongKey = new ConnectionChecks({
      instance: 'wrong-key',
      checks: [{ name: 'ead', run: () => Promise.reject(new PermanentError('EAD recusou a chave: confira EAD_API_KEY.', 'ead_auth')) }],
      store: { checks },
      alerts: alerts.outbox,
      log,
      healthyIntervalMs: interval,
      failingIntervalMs: interval,
      checkDeadlineMs: deadline,
    });
    // The slow one's next row is due an interval plus a deadline after its last: not yet.
    clock += 2 * interval + deadline / 2;
    await wrongKey.runOnce();
    expect(recorded).toEqual(['ok']);
    expect(alerts.texts).toHaveLength(1);
    expect(alerts.texts[0]).toContain('falhando em uma das instâncias');
    // Silent past that: gone, and the instance left is every instance.
    clock += deadline;
    await wrongKey.runOnce();
    expect(recorded).toEqual(['ok', 'failing']);
  });
});
