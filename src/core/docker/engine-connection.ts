// The watcher's link to the Docker engine: connect (ping, version, host memory, the event stream),
// notice a lost engine (the stream breaks, or pings stop being answered while the stream is quiet),
// and reconnect with the project's exponential backoff. Remembers when the engine was away, so a
// restart caused by a daemon restart can be explained. Never throws to its caller.
import type Dockerode from 'dockerode';
import { exponentialDelayMs } from '../backoff';
import { errnoCode, errorMessage, fieldOf } from '../narrow';
import { pingEngine, REQUEST_TIMEOUT_MS, withTimeout } from './engine-address';
import { EngineEventStream } from './event-stream';
import type { ContainerEvent } from './events';
import type { EngineOutage } from './restart-resolution';

export interface EngineInfo {
  version: string;
  apiVersion: string;
  /** Where the engine is (`unix:///var/run/docker.sock`). */
  target: string;
}

export interface EngineConnectionOptions {
  /** Timeout of single API calls (ping, inspect, list, stats, opening the event stream). Default 5 s. */
  requestTimeoutMs?: number;
  /** Reconnect backoff bounds. Defaults 500 ms .. 10 s (with jitter). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** While connected, ping the engine this often to notice a silently dead event stream. Default 30 s; 0 = never. */
  livenessIntervalMs?: number;
}

const ENGINE_CONNECTION_DEFAULTS: Required<EngineConnectionOptions> = {
  requestTimeoutMs: REQUEST_TIMEOUT_MS,
  reconnectMinMs: 500,
  reconnectMaxMs: 10_000,
  livenessIntervalMs: 30_000,
};

export interface EngineConnectionHandlers {
  /** A container event from the engine's stream, each once. */
  onEvent(ev: ContainerEvent): void;
  /** The engine answered and the event stream is open. A throw counts as a failed connect. */
  onConnected(engine: EngineInfo): Promise<void> | void;
  /** A connect attempt failed (a reconnect is scheduled). */
  onConnectFailed(err: unknown): void;
  /** The engine was lost while connected (a reconnect is scheduled). */
  onLost(reason: string): void;
}

/** Outages kept for diagnosis. */
const MAX_OUTAGES = 10;

export class EngineConnection {
  readonly events: EngineEventStream;
  private readonly opts: Required<EngineConnectionOptions>;
  private stopped = false;
  private connecting = false;
  private isConnected = false;
  /** Failed connects since the last success: the backoff's attempt number. */
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;
  private memTotal: number | undefined;
  /** Times the engine was away (ms), newest last. */
  private readonly outageLog: EngineOutage[] = [];

  /** `names`: the containers the event stream is filtered to; `targetDescription`: where the engine is. */
  constructor(
    private readonly docker: Dockerode,
    names: readonly string[],
    private readonly targetDescription: string,
    options: EngineConnectionOptions,
    private readonly handlers: EngineConnectionHandlers,
  ) {
    const d = ENGINE_CONNECTION_DEFAULTS;
    this.opts = {
      requestTimeoutMs: options.requestTimeoutMs ?? d.requestTimeoutMs,
      reconnectMinMs: options.reconnectMinMs ?? d.reconnectMinMs,
      reconnectMaxMs: options.reconnectMaxMs ?? d.reconnectMaxMs,
      livenessIntervalMs: options.livenessIntervalMs ?? d.livenessIntervalMs,
    };
    this.events = new EngineEventStream(docker, names, this.opts.requestTimeoutMs, {
      onEvent: (ev) => handlers.onEvent(ev),
      onLost: (reason) => this.lost(reason),
    });
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** The host's memory (`docker info` MemTotal), once known: the limit of a container without one. */
  get hostMemTotal(): number | undefined {
    return this.memTotal;
  }

  get outages(): readonly EngineOutage[] {
    return this.outageLog;
  }

  /** Connects now unless connected, connecting or stopped. Resolves once the attempt finished; never rejects. */
  async connect(): Promise<void> {
    if (this.stopped || this.connecting || this.isConnected) return;
    this.connecting = true;
    try {
      const t = this.opts.requestTimeoutMs;
      const version = await pingEngine(this.docker, t);
      if (this.memTotal === undefined) {
        try {
          const info: unknown = await withTimeout(this.docker.info(), t);
          const memTotal = fieldOf(info, 'MemTotal');
          if (typeof memTotal === 'number') this.memTotal = memTotal;
        } catch {
          /* optional */
        }
      }
      if (this.stopped) return;
      await this.events.open(() => this.stopped);
      if (this.stopped) return;
      this.isConnected = true;
      this.attempts = 0;
      const last = this.outageLog[this.outageLog.length - 1];
      if (last && last.to === undefined) last.to = Date.now();
      this.scheduleLiveness();
      await this.handlers.onConnected({ ...version, target: this.targetDescription });
    } catch (err) {
      this.events.close();
      this.isConnected = false;
      this.handlers.onConnectFailed(err);
      this.scheduleReconnect();
    } finally {
      this.connecting = false;
    }
  }

  /** An API call failed as if the engine were gone: make sure a reconnect is underway unless the stream still runs. */
  ensureReconnecting(): void {
    if (!this.events.isOpen) this.scheduleReconnect();
  }

  stop(): void {
    this.stopped = true;
    this.isConnected = false;
    for (const t of [this.reconnectTimer, this.livenessTimer]) if (t) clearTimeout(t);
    this.reconnectTimer = this.livenessTimer = undefined;
    this.events.close();
  }

  /** A quiet event stream over TCP can die without an error: ping now and then while connected. */
  private scheduleLiveness(): void {
    if (this.livenessTimer || this.stopped || this.opts.livenessIntervalMs <= 0) return;
    this.livenessTimer = setTimeout(async () => {
      this.livenessTimer = undefined;
      if (!this.isConnected || this.stopped) return;
      try {
        await withTimeout(this.docker.ping(), this.opts.requestTimeoutMs);
        this.scheduleLiveness();
      } catch (err) {
        if (!this.isConnected || this.stopped) return;
        const code = errnoCode(err) ?? errorMessage(err);
        this.events.close();
        this.lost(`engine stopped answering pings (${code})`);
      }
    }, this.opts.livenessIntervalMs);
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = exponentialDelayMs(this.attempts++, {
      baseMs: this.opts.reconnectMinMs,
      maxMs: this.opts.reconnectMaxMs,
    });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
  }

  private lost(reason: string): void {
    if (this.stopped) return;
    this.isConnected = false;
    if (this.livenessTimer) clearTimeout(this.livenessTimer);
    this.livenessTimer = undefined;
    this.events.markLost();
    this.outageLog.push({ from: Date.now() });
    if (this.outageLog.length > MAX_OUTAGES) this.outageLog.shift();
    this.handlers.onLost(reason);
    this.scheduleReconnect();
  }
}
