import { describe, expect, it } from 'vitest';
import { IntakeActivity } from '../../src/http/intake.js';
import { IntakeFirst } from '../../src/worker/intake-first.js';

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

    // A steady stream: held back 1 s, then one claim goes ahead, then held back again.
    const held: boolean[] = [];
    for (now = 200; now <= 2_400; now += 50) {
      intake.delivered();
      held.push(rule.holdBack());
    }
    expect(held.filter((h) => !h)).toHaveLength(2); // at 1200 and 2250 ms
    expect(held.indexOf(false)).toBe(20);
  });
});
