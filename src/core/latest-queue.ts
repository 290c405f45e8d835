// Applies configurations one at a time; while one is being applied, newer ones replace each other and
// only the latest runs next. Two applies never overlap, so none can leave behind work nobody owns.

export class LatestWinsQueue<T> {
  private running?: Promise<void>;
  private pending?: { value: T; waiters: { resolve: () => void }[] };
  private closed = false;

  constructor(
    private readonly apply: (value: T) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Resolves once this value, or a newer one that replaced it, was applied (or the queue was closed). */
  push(value: T): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiters = this.pending?.waiters ?? [];
      waiters.push({ resolve });
      this.pending = { value, waiters };
      if (!this.running) this.running = this.drain();
    });
  }

  /** Nothing is applied after this; resolves when the apply under way (if any) has finished. */
  async close(): Promise<void> {
    this.closed = true;
    const dropped = this.pending;
    this.pending = undefined;
    for (const w of dropped?.waiters ?? []) w.resolve();
    await this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending && !this.closed) {
      const { value, waiters } = this.pending;
      this.pending = undefined;
      try {
        await this.apply(value);
      } catch (err) {
        this.onError(err);
      }
      for (const w of waiters) w.resolve();
    }
    this.running = undefined;
  }
}
