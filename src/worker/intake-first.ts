/**
 * Intake first: while Kiwify is delivering, new claims are held back — never longer than
 * `maxMs` in a row, so a steady stream of deliveries cannot hold sales back. An ack has
 * Kiwify's ~5 s deadline; a sale's processing can start a moment later.
 */
export class IntakeFirst {
  /** Since when claims have been held back (undefined: they are not). */
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
    if (now - this.since < this.maxMs) return true;
    this.since = undefined; // this claim goes ahead; the next burst starts a new wait
    return false;
  }
}
