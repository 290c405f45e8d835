// Client POSTs being answered, per endpoint: a stopping gateway, or one dropping an endpoint, lets them
// finish (within a grace) before it closes what they need. GET streams are not counted: they never finish.
import type { ServerResponse } from 'node:http';

export class InFlight<K> {
  private readonly counts = new Map<K, number>();
  private readonly settled = new Set<() => void>();

  /** Counts `res` against `key` until it is finished or its connection closes. */
  track(key: K, res: ServerResponse): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    res.once('close', () => {
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left > 0) this.counts.set(key, left);
      else this.counts.delete(key);
      for (const check of [...this.settled]) check();
    });
  }

  count(key?: K): number {
    if (key !== undefined) return this.counts.get(key) ?? 0;
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** Resolves once nothing of `key` (of anything, without one) is in flight, or after `graceMs`: true when drained. */
  drain(graceMs: number, key?: K): Promise<boolean> {
    if (this.count(key) === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (drained: boolean) => {
        clearTimeout(timer);
        this.settled.delete(check);
        resolve(drained);
      };
      const check = () => {
        if (this.count(key) === 0) done(true);
      };
      const timer = setTimeout(() => done(false), graceMs);
      timer.unref();
      this.settled.add(check);
    });
  }
}
