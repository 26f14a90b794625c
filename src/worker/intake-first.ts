/**
 * Intake first: when Kiwify starts delivering, new claims are held back for up to `maxMs`, so a
 * burst of deliveries is acknowledged before the worker competes for the CPU and the database.
 * Past that, claims go ahead for as long as deliveries keep coming (a steady stream must never
 * throttle the sales), and the next burst after a quiet moment starts a new wait.
 */
export class IntakeFirst {
  /** Since when deliveries have been arriving without a pause (undefined: intake is quiet). */
  private since: number | undefined;

  constructor(
    private readonly busy: () => boolean,
    private readonly clock: () => number,
    private readonly maxMs: number,
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
}
