import { describe, expect, it } from 'vitest';
import { retry, type Sleep } from '../../src/timing/retry.js';

/** A sleep that only records the waits asked for. */
function recorder(): { waits: number[]; sleep: Sleep } {
  const waits: number[] = [];
  return { waits, sleep: (ms) => (waits.push(ms), Promise.resolve()) };
}

/** A call failing `failures` times (with what `errorOf` gives), then answering 'ok'. */
function flaky(failures: number, errorOf: (n: number) => Error = (n) => new Error(`falha ${n}`)) {
  let calls = 0;
  return {
    calls: () => calls,
    run: () => {
      calls += 1;
      return calls <= failures ? Promise.reject(errorOf(calls)) : Promise.resolve('ok');
    },
  };
}

describe('retry', () => {
  it('tries again after doubling waits, up to its attempts, then throws the last error', async () => {
    const { waits, sleep } = recorder();
    const call = flaky(2);
    await expect(retry(call.run, { attempts: 3, baseMs: 100, sleep })).resolves.toBe('ok');
    expect(waits).toEqual([100, 200]);

    const never = flaky(10);
    await expect(retry(never.run, { attempts: 3, baseMs: 100, sleep })).rejects.toThrow('falha 3');
    expect(never.calls()).toBe(3);
  });

  it("waits the upstream's hint instead of the backoff, and gives up on a hint past maxWaitMs", async () => {
    const { waits, sleep } = recorder();
    const hinted = (ms: number) => Object.assign(new Error('429'), { hint: ms });
    const hintMs = (err: unknown) => (err as { hint?: number }).hint;
    const call = flaky(1, () => hinted(1_250));
    await retry(call.run, { attempts: 3, baseMs: 100, hintMs, maxWaitMs: 5_000, sleep });
    expect(waits).toEqual([1_250]);

    const far = flaky(1, () => hinted(60_000));
    await expect(retry(far.run, { attempts: 3, baseMs: 100, hintMs, maxWaitMs: 5_000, sleep })).rejects.toThrow('429');
    expect(far.calls()).toBe(1);
  });

  it('throws at once what is not retryable', async () => {
    const { waits, sleep } = recorder();
    const call = flaky(5, () => new TypeError('permanente'));
    await expect(retry(call.run, { attempts: 5, baseMs: 10, retryable: (err) => !(err instanceof TypeError), sleep })).rejects.toThrow(
      'permanente',
    );
    expect(call.calls()).toBe(1);
    expect(waits).toEqual([]);
  });

  it('caps each wait at maxDelayMs and stops once the budget is spent (waits cut to what is left)', async () => {
    let now = 0;
    const waits: number[] = [];
    const sleep: Sleep = (ms) => {
      waits.push(ms);
      now += ms;
      return Promise.resolve();
    };
    const never = flaky(100);
    await expect(retry(never.run, { baseMs: 50, maxDelayMs: 200, budgetMs: 700, sleep, clock: () => now })).rejects.toThrow();
    expect(waits).toEqual([50, 100, 200, 200, 150]);
    expect(never.calls()).toBe(6);
  });

  it('an abort ends the wait under way with its reason, whatever sleep was injected, and no try follows', async () => {
    const abort = new AbortController();
    const call = flaky(5);
    let waiting: () => void = () => undefined;
    const waitStarted = new Promise<void>((resolve) => (waiting = resolve));
    const forever: Sleep = () => (waiting(), new Promise(() => undefined));
    const running = retry(call.run, { attempts: 5, baseMs: 10, signal: abort.signal, sleep: forever });
    await waitStarted;
    abort.abort(new Error('desligando'));
    await expect(running).rejects.toThrow('desligando');
    expect(call.calls()).toBe(1);
  });
});
