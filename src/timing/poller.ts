/**
 * A loop of rounds of work on a timer: one round at a time, the next one `intervalMs` after the
 * last ended, or at once when a round says more is waiting or someone calls `wake()` (a round
 * woken while one runs follows right after it). A round that throws is reported and the loop
 * goes on. The worker, the alert dispatcher and the periodic jobs all run on one.
 */
export interface PollerOptions {
  /** One round; resolve `'again'` when more work is waiting (the next round starts at once). */
  run(): Promise<'again' | void>;
  /** Pause between rounds; a function when it depends on how the last round went. */
  intervalMs: number | (() => number);
  onError(err: unknown): void;
}

export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private wokenWhileRunning = false;
  private started = false;
  private stopped = false;

  constructor(private readonly opts: PollerOptions) {}

  /** Starts the loop; the first round runs after `delayMs` (default: at once). */
  start(delayMs = 0): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(delayMs);
  }

  /** Runs a round as soon as possible. */
  wake(): void {
    if (!this.started || this.stopped) return;
    if (this.running) this.wokenWhileRunning = true;
    else this.schedule(0);
  }

  /** No more rounds; resolves once the round under way (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.round(), delayMs);
    this.timer.unref();
  }

  private round(): void {
    this.wokenWhileRunning = false;
    this.running = this.opts
      .run()
      .catch((err: unknown) => {
        this.opts.onError(err);
        return undefined;
      })
      .then((next) => {
        this.running = undefined;
        const interval = typeof this.opts.intervalMs === 'function' ? this.opts.intervalMs() : this.opts.intervalMs;
        this.schedule(next === 'again' || this.wokenWhileRunning ? 0 : interval);
      });
  }
}
