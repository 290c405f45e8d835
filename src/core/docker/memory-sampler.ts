// When to read a container's memory: one read at a time, at most one per interval, only while the
// watcher wants samples (connected, running, someone looks or alerts are on). The watcher reads and
// records the sample; this schedules the reads and never keeps two in flight.

export interface MemorySamplerHost {
  /** Samples are wanted now. */
  wanted(): boolean;
  /** Takes and records one sample; failures are the host's to ignore or report. */
  sample(): Promise<void>;
}

export class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;

  constructor(private readonly host: MemorySamplerHost, private readonly intervalMs: number) {}

  /** True while samples are being taken (one is scheduled or under way). */
  get active(): boolean {
    return this.timer !== undefined || this.inFlight;
  }

  /** Starts sampling when it is wanted and not running yet; stops it when it is no longer wanted. */
  update(): void {
    if (this.host.wanted()) {
      if (!this.timer && !this.inFlight) this.schedule(0);
    } else this.stop();
  }

  /** No further sample is scheduled (one under way finishes and does not schedule another unless wanted). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, delayMs);
  }

  private async run(): Promise<void> {
    if (!this.host.wanted()) return;
    this.inFlight = true;
    try {
      await this.host.sample();
    } catch {
      // The host records what it can; a failed read just waits for the next one.
    } finally {
      this.inFlight = false;
      if (this.host.wanted()) this.schedule(this.intervalMs);
    }
  }
}
