/**
 * Group commit: rows that arrive in the same turn of the event loop, or while a commit is under
 * way, are written together in the next commit, so many webhooks share one fsync. The flush waits
 * for the end of the current I/O phase (setImmediate): with a synchronous driver (better-sqlite3)
 * that is what lets every request read in this turn join the batch. Each caller is answered only
 * after the commit that holds its row; if a shared commit fails, each item is retried alone so one
 * bad row cannot fail its neighbours.
 */
export class Batcher<In, Out> {
  private queue: { input: In; resolve: (out: Out) => void; reject: (err: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly writeBatch: (inputs: In[]) => Promise<Out[]>,
    private readonly maxInFlight = 1,
    private readonly maxBatch = 256,
  ) {}

  add(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.flush(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async flush(batch: typeof this.queue): Promise<void> {
    try {
      const outs = await this.writeBatch(batch.map((item) => item.input));
      batch.forEach((item, i) => item.resolve(outs[i]));
    } catch (batchError) {
      if (batch.length === 1) {
        batch[0].reject(batchError);
        return;
      }
      for (const item of batch) {
        try {
          const [out] = await this.writeBatch([item.input]);
          item.resolve(out);
        } catch (err) {
          item.reject(err);
        }
      }
    }
  }
}
