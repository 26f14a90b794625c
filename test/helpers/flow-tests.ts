import { afterEach } from 'vitest';
import type { Plan } from '../../src/plans/plan-map.js';
import { FlowHarness } from './flow-harness.js';

/** What the flow tests on FlowHarness share: two plans of the school's map, and harnesses closed after each test. */

/** The plan of the fixtures' subscription sales. */
export const EXCEL: Plan = { name: 'Excel PRO', courses: [161, 197, 201] };
/** The plan of the fixtures' one-off sales. */
export const DESIGN: Plan = { name: 'Design Gráfico', courses: [254, 751, 169] };

/** `FlowHarness.start` for a file's tests: each harness it starts is closed after its test. */
export function harnessPerTest(): typeof FlowHarness.start {
  const open: FlowHarness[] = [];
  afterEach(async () => {
    for (const harness of open.splice(0)) await harness.close();
  });
  return async (...args) => {
    const harness = await FlowHarness.start(...args);
    open.push(harness);
    return harness;
  };
}
