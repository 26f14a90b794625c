import { describe, expect, it } from 'vitest';
import { backoffMs, MAX_BACKOFF_MS } from '../../src/timing/backoff.js';

describe('backoff', () => {
  it('doubles per attempt from the base', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 30_000, middle))).toEqual([30_000, 60_000, 120_000, 240_000]);
  });

  it('jitters by ±20 %', () => {
    expect(backoffMs(1, 30_000, () => 0)).toBe(24_000);
    expect(backoffMs(1, 30_000, () => 0.999999)).toBe(36_000);
  });

  it('is capped at one hour, or at the configured maximum', () => {
    expect(backoffMs(9, 30_000, () => 0.999999)).toBe(MAX_BACKOFF_MS);
    expect(backoffMs(50, 30_000, () => 0.5)).toBe(MAX_BACKOFF_MS);
    expect(backoffMs(12, 100, () => 0.5, 2_000)).toBe(2_000);
  });
});
