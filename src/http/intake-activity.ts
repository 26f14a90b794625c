/**
 * Whether Kiwify is delivering right now: the time of the last delivery whose signature held.
 * The worker reads it to let acks go first during a burst (forged requests never count).
 */
export class IntakeActivity {
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: () => number,
    private readonly windowMs = 100,
  ) {}

  delivered(): void {
    this.lastAt = this.clock();
  }

  busy(): boolean {
    return this.clock() - this.lastAt < this.windowMs;
  }
}
