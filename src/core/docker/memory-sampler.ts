// When and how to read a container's memory: one read at a time, at most one per interval, only while
// the watcher wants samples (connected, running, someone looks or alerts are on). The watcher records
// the sample; this schedules the reads and never keeps two in flight.
import type Dockerode from 'dockerode';
import { SETTING_DEFAULTS } from '../defaults';
import { REQUEST_TIMEOUT_MS, withTimeout } from './engine-address';
import { memorySample, type MemorySample, type RawMemoryStats } from './memory';

/** One stats read (`stats?stream=false&one-shot=true`): its memory part, when the engine gave one. Rejects on engine errors. */
async function readMemoryStats(
  docker: Dockerode,
  containerId: string,
  timeoutMs: number,
): Promise<RawMemoryStats | undefined> {
  // Typed as complete; a container that is not running answers without memory_stats.
  const stats: Partial<Dockerode.ContainerStats> = await withTimeout(
    docker.getContainer(containerId).stats({ stream: false, 'one-shot': true }),
    timeoutMs,
  );
  return stats.memory_stats;
}

export interface MemorySamplerHost {
  /** Samples are wanted now. */
  wanted(): boolean;
  /** Takes and records one sample; failures are the host's to ignore or report. */
  sample(): Promise<void>;
}

export class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;

  constructor(
    private readonly host: MemorySamplerHost,
    private readonly intervalMs: number,
  ) {}

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

export interface ContainerMemoryHost {
  /** The container that can be read now: the engine is connected and it runs (undefined: none). */
  sampleable(): string | undefined;
  /** `HostConfig.Memory` (0: no limit). */
  configuredLimit(): number;
  /** The engine host's memory, the limit of a container without one. */
  hostTotal(): number | undefined;
  /** A reading came in (the host checks the container still runs). */
  sampled(sample: MemorySample): void;
}

export interface ContainerMemoryOptions {
  /** Memory pressure threshold as a fraction of the limit. Default: the setting's 85 %. */
  memoryThreshold?: number;
  /** At most one memory sample per this many ms (250 at least). Default 5000. */
  memorySampleIntervalMs?: number;
  /** Keep sampling memory for pressure alerts even when nothing shows it. Default: the setting's (on). */
  memoryAlerting?: boolean;
  /** Timeout of single API calls. Default 5 s. */
  requestTimeoutMs?: number;
}

/** The watcher's memory readings: wanted while someone asked for them or alerts are on, and the container can be read. */
export class ContainerMemory {
  private refs = 0;
  private threshold: number;
  private alerting: boolean;
  private readonly timeoutMs: number;
  private readonly sampler: MemorySampler;

  constructor(
    private readonly docker: Dockerode,
    private readonly host: ContainerMemoryHost,
    options: ContainerMemoryOptions,
  ) {
    this.threshold = options.memoryThreshold ?? SETTING_DEFAULTS['docker.memoryPressurePercent'] / 100;
    this.alerting = options.memoryAlerting ?? SETTING_DEFAULTS['docker.memoryAlerts'];
    this.timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.sampler = new MemorySampler(
      { wanted: () => host.sampleable() !== undefined && (this.refs > 0 || this.alerting), sample: () => this.read() },
      Math.max(250, options.memorySampleIntervalMs ?? 5000),
    );
  }

  /** True while memory samples are being taken. */
  get active(): boolean {
    return this.sampler.active;
  }

  /** Asks for samples; returns the release function (a second call does nothing). */
  request(): () => void {
    this.refs++;
    this.sampler.update();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.refs--;
      this.sampler.update();
    };
  }

  setAlerting(on: boolean): void {
    this.alerting = on;
    this.sampler.update();
  }

  setThreshold(fraction: number): void {
    this.threshold = fraction;
  }

  /** Whether samples are wanted may have changed: start or stop sampling. */
  update(): void {
    this.sampler.update();
  }

  stop(): void {
    this.sampler.stop();
  }

  private async read(): Promise<void> {
    const id = this.host.sampleable();
    if (!id) return;
    // A container that just died or an engine that went away: the event stream handles those.
    const stats = await readMemoryStats(this.docker, id, this.timeoutMs).catch(() => undefined);
    if (!stats) return;
    const hostTotal = this.host.hostTotal();
    const sample = memorySample(stats, {
      configuredLimit: this.host.configuredLimit(),
      threshold: this.threshold,
      ...(hostTotal ? { hostTotal } : {}),
    });
    if (sample) this.host.sampled(sample);
  }
}
