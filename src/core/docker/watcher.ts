// Watches one container through the Docker Engine API: events, inspect facts, memory. No VS Code imports.
// Never throws to its caller and never emits 'error': problems arrive as 'problem' events.
import { EventEmitter } from 'node:events';
import type Dockerode from 'dockerode';
import { exponentialDelayMs } from '../backoff';
import { SETTING_DEFAULTS } from '../defaults';
import {
  classifyDockerError,
  containerNotFound,
  createDockerClient,
  dockerBinaryOnPath,
  resolveDockerTarget,
  withTimeout,
  type DockerConnectionOptions,
  type DockerProblem,
  type DockerTarget,
} from './connection';
import { diagnoseLoss, killedBeforeDeath, type Diagnosis, type InspectFacts } from './diagnose';
import {

  eventKey,
  parseEngineEvent,
  type ContainerEvent,
  type HealthState,
  type RawEngineEvent,
} from './events';
import { formatMemory, memorySample, type MemorySample } from './memory';
import { EngineEventStream } from './event-stream';
import { MemorySampler } from './memory-sampler';
import { restartReady, resolveRestart, type EngineOutage, type PendingRestart } from './restart-resolution';
import type { ContainerSnapshot, ContainerState } from './snapshot';
import { containerLogs, restartContainer, startContainer } from './actions';
import type { ContainerLogs } from './logs';

export interface ContainerWatcherOptions extends DockerConnectionOptions {
  /** The configured container name (`archon-mcp`). */
  container: string;
  /** Names tried when the configured one is missing. Default: `Archon-MCP` for `archon-mcp`, else none. */
  fallbackNames?: string[];
  /** Use this client instead of building one from the connection options. */
  docker?: Dockerode;
  /** Memory pressure threshold as a fraction of the limit. Default 0.85. */
  memoryThreshold?: number;
  /** At most one memory sample per this many ms. Default 5000. */
  memorySampleIntervalMs?: number;
  /** Keep sampling memory for pressure alerts even when nothing shows it. Default true. */
  memoryAlerting?: boolean;
  /** Reconnect backoff bounds. Defaults 500 ms .. 10 s (with jitter). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** How often to look again for a missing container (events also trigger a look). Default 10 s. */
  lookupRetryMs?: number;
  /** How long to wait for a `restart` event after stop→start before deciding it was a stop/start by a person. Default 400 ms. */
  restartSettleMs?: number;
  /** Container events kept for diagnosis. Default 300. */
  historySize?: number;
  /** Timeout of single API calls (ping, inspect, list). Default 5 s. */
  requestTimeoutMs?: number;
  /** While connected, ping the engine this often to notice a silently dead event stream. Default 30 s; 0 = never. */
  livenessIntervalMs?: number;
}

/** The container went down (`die`). Emitted the moment the event arrives, before any inspect. */
export interface ContainerDown {
  at: string;
  exitCode?: number;
  /** An `oom` event came just before. */
  oom: boolean;
  event: ContainerEvent;
  instanceId?: string;
  /** Milliseconds from the engine's event time to this emit (clock of the engine vs ours). */
  latencyMs: number;
}

/** A new instance of the container is running. */
export interface ContainerRestart {
  at: string;
  /** This watcher's restart counter after this restart ("restart #4"). */
  count: number;
  instanceId: string;
  previousInstanceId?: string;
  diagnosis: Diagnosis;
  /** True when no `start` event was seen (the watcher was disconnected) and inspect revealed the new instance. */
  inferred: boolean;
}

export interface HealthChange {
  at: string;
  status: HealthState;
  previous: HealthState;
  output?: string;
}

export interface ContainerWatcherEvents {
  snapshot: [ContainerSnapshot];
  event: [ContainerEvent];
  down: [ContainerDown];
  restart: [ContainerRestart];
  health: [HealthChange];
  memory: [MemorySample];
  pressure: [{ active: boolean; sample: MemorySample }];
  problem: [DockerProblem];
  'problem-cleared': [];
  connected: [{ version: string; apiVersion: string; target: string }];
  disconnected: [{ at: string; reason: string }];
}

const LEGACY_NAMES: Record<string, string[]> = { 'archon-mcp': ['Archon-MCP'] };

export class ContainerWatcher extends EventEmitter<ContainerWatcherEvents> {
  readonly target: DockerTarget;
  private readonly docker: Dockerode;
  private readonly opts: Required<
    Pick<
      ContainerWatcherOptions,
      | 'memoryThreshold'
      | 'memorySampleIntervalMs'
      | 'memoryAlerting'
      | 'reconnectMinMs'
      | 'reconnectMaxMs'
      | 'lookupRetryMs'
      | 'restartSettleMs'
      | 'historySize'
      | 'requestTimeoutMs'
      | 'livenessIntervalMs'
    >
  >;
  private readonly names: string[];

  private started = false;
  private stopped = false;
  private connected = false;
  private connecting = false;
  /** Failed engine connects since the last success: the reconnect backoff's attempt number. */
  private reconnectAttempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private lookupTimer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;
  private readonly events: EngineEventStream;
  private readonly seenKeys: string[] = [];
  private readonly seenSet = new Set<string>();
  private readonly history: ContainerEvent[] = [];
  private inspecting = false;
  private inspectAgain = false;
  private memoryRefs = 0;
  private readonly memorySampler: MemorySampler;
  private hostMemTotal: number | undefined;
  private sawOomSinceStart = false;
  private pendingRestart: PendingRestart | undefined;
  /** Times the engine was away (ms), newest last; to explain restarts caused by a daemon restart. */
  private readonly outages: EngineOutage[] = [];
  private snap: ContainerSnapshot;
  private pendingHealth: (HealthChange & { afterSeq: number }) | undefined;
  private inspectSeq = 0;

  constructor(options: ContainerWatcherOptions) {
    super();
    if (options.docker) {
      this.docker = options.docker;
      this.target = resolveDockerTarget(options);
    } else {
      const c = createDockerClient(options);
      this.docker = c.docker;
      this.target = c.target;
    }
    this.opts = {
      memoryThreshold: options.memoryThreshold ?? SETTING_DEFAULTS['docker.memoryPressurePercent'] / 100,
      memorySampleIntervalMs: Math.max(250, options.memorySampleIntervalMs ?? 5000),
      memoryAlerting: options.memoryAlerting ?? SETTING_DEFAULTS['docker.memoryAlerts'],
      reconnectMinMs: options.reconnectMinMs ?? 500,
      reconnectMaxMs: options.reconnectMaxMs ?? 10_000,
      lookupRetryMs: options.lookupRetryMs ?? 10_000,
      restartSettleMs: options.restartSettleMs ?? 400,
      historySize: options.historySize ?? 300,
      requestTimeoutMs: options.requestTimeoutMs ?? 5000,
      livenessIntervalMs: options.livenessIntervalMs ?? 30_000,
    };
    this.memorySampler = new MemorySampler({ wanted: () => this.wantsMemory(), sample: () => this.sampleMemory() }, this.opts.memorySampleIntervalMs);
    const fallback = options.fallbackNames ?? LEGACY_NAMES[options.container.toLowerCase()] ?? [];
    this.names = [options.container, ...fallback.filter((n) => n !== options.container)];
    this.events = new EngineEventStream(this.docker, this.names, this.opts.requestTimeoutMs, {
      onEvent: (raw) => this.onRawEvent(raw),
      onLost: (reason) => this.onDisconnected(reason),
    });
    this.snap = {
      configuredName: options.container,
      matchedFallback: false,
      state: 'unknown',
      health: 'none',
      restarts: 0,
      oomKills: 0,
      memoryPressure: false,
      connected: false,
      updatedAt: new Date().toISOString(),
    };
  }

  /** Starts watching. Resolves once the first connection attempt finished (successful or not); never rejects. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.connect();
  }

  /** Stops everything: the event stream, timers, sampling. */
  stop(): void {
    this.stopped = true;
    this.connected = false;
    for (const t of [this.reconnectTimer, this.lookupTimer, this.settleTimer, this.livenessTimer]) if (t) clearTimeout(t);
    this.reconnectTimer = this.lookupTimer = this.settleTimer = this.livenessTimer = undefined;
    this.memorySampler.stop();
    this.events.close();
  }

  /** The latest snapshot (uptime computed now). */
  snapshot(): ContainerSnapshot {
    const s = { ...this.snap };
    if (s.state === 'running' && s.startedAt) s.uptimeSeconds = Math.max(0, (Date.now() - Date.parse(s.startedAt)) / 1000);
    else delete s.uptimeSeconds;
    return s;
  }

  /** Container events seen recently (oldest first), for diagnosis and the report's timeline. */
  recentEvents(): ContainerEvent[] {
    return [...this.history];
  }

  /** Diagnoses a session loss noticed at `lossAt` with the events seen around it. */
  diagnose(input: Omit<Parameters<typeof diagnoseLoss>[0], 'events'> & { events?: ContainerEvent[] }): Diagnosis {
    return diagnoseLoss({ ...input, events: input.events ?? this.history, inspect: input.inspect ?? this.inspectFacts() });
  }

  /**
   * Asks for memory samples (a view shows them). Returns a release function. Sampling runs while any
   * request is held or `memoryAlerting` is on, and only while the container runs.
   */
  requestMemorySampling(): () => void {
    this.memoryRefs++;
    this.memorySampler.update();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.memoryRefs--;
      this.memorySampler.update();
    };
  }

  setMemoryAlerting(on: boolean): void {
    this.opts.memoryAlerting = on;
    this.memorySampler.update();
  }

  setMemoryThreshold(fraction: number): void {
    this.opts.memoryThreshold = fraction;
  }

  /** True while memory samples are being taken. */
  get samplingMemory(): boolean {
    return this.memorySampler.active;
  }

  /** Restarts the watched container. Rejects with a `DockerProblem`-shaped message on failure. */
  async restartContainer(timeoutSeconds = 10): Promise<void> {
    const id = this.snap.containerId ?? this.snap.matchedName;
    if (!id) throw new Error(this.snap.problem?.message ?? `No container named "${this.snap.configuredName}" to restart.`);
    await restartContainer(this.docker, id, { timeoutSeconds });
  }

  /** Starts the watched container (stopped on purpose, or never started since the window opened). */
  async startContainer(): Promise<void> {
    const id = this.snap.containerId ?? this.snap.matchedName;
    if (!id) throw new Error(this.snap.problem?.message ?? `No container named "${this.snap.configuredName}" to start (was it removed by "docker compose down"? Then run "docker compose up -d" in Archon's folder).`);
    await startContainer(this.docker, id);
  }

  /** The last `tail` log lines of the watched container, stdout and stderr separated. */
  async logs(tail = 200): Promise<ContainerLogs> {
    const id = this.snap.containerId ?? this.snap.matchedName;
    if (!id) throw new Error(this.snap.problem?.message ?? `No container named "${this.snap.configuredName}".`);
    return containerLogs(this.docker, id, { tail });
  }

  // ---------------------------------------------------------------- connection

  private async connect(): Promise<void> {
    if (this.stopped || this.connecting || this.connected) return;
    this.connecting = true;
    try {
      const t = this.opts.requestTimeoutMs;
      await withTimeout(this.docker.ping(), t);
      const version = (await withTimeout(this.docker.version(), t)) as { Version?: string; ApiVersion?: string };
      if (this.hostMemTotal === undefined) {
        try {
          const info = (await withTimeout(this.docker.info(), t)) as { MemTotal?: number };
          if (typeof info.MemTotal === 'number') this.hostMemTotal = info.MemTotal;
        } catch {
          /* optional */
        }
      }
      if (this.stopped) return;
      await this.events.open(() => this.stopped);
      if (this.stopped) return;
      this.connected = true;
      this.reconnectAttempts = 0;
      const last = this.outages[this.outages.length - 1];
      if (last && last.to === undefined) last.to = Date.now();
      const engine = { version: String(version.Version ?? '?'), apiVersion: String(version.ApiVersion ?? '?'), target: this.target.description };
      this.snap.engine = engine;
      this.snap.connected = true;
      this.emitSafe('connected', engine);
      this.scheduleLiveness();
      if (this.snap.problem && this.snap.problem.code !== 'container-not-found') this.clearProblem();
      await this.lookup();
    } catch (err) {
      this.events.close();
      this.connected = false;
      this.snap.connected = false;
      this.setProblem(classifyDockerError(err, this.target, { dockerInstalled: dockerBinaryOnPath() }));
      this.scheduleReconnect();
    } finally {
      this.connecting = false;
    }
  }

  /** A quiet event stream over TCP can die without an error: ping now and then while connected. */
  private scheduleLiveness(): void {
    if (this.livenessTimer || this.stopped || this.opts.livenessIntervalMs <= 0) return;
    this.livenessTimer = setTimeout(async () => {
      this.livenessTimer = undefined;
      if (!this.connected || this.stopped) return;
      try {
        await withTimeout(this.docker.ping(), this.opts.requestTimeoutMs);
        this.scheduleLiveness();
      } catch (err) {
        if (!this.connected || this.stopped) return;
        const code = (err as { code?: string }).code ?? (err as Error).message;
        this.events.close();
        this.onDisconnected(`engine stopped answering pings (${code})`);
      }
    }, this.opts.livenessIntervalMs);
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = exponentialDelayMs(this.reconnectAttempts++, { baseMs: this.opts.reconnectMinMs, maxMs: this.opts.reconnectMaxMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
  }

  private onDisconnected(reason: string): void {
    if (this.stopped) return;
    this.connected = false;
    this.snap.connected = false;
    if (this.livenessTimer) clearTimeout(this.livenessTimer);
    this.livenessTimer = undefined;
    this.events.markLost();
    this.memorySampler.stop();
    this.outages.push({ from: Date.now() });
    if (this.outages.length > 10) this.outages.shift();
    this.emitSafe('disconnected', { at: new Date().toISOString(), reason });
    this.setProblem({
      code: 'not-answering',
      message: `Lost the Docker engine at ${this.target.description} (${reason}); reconnecting.`,
      at: new Date().toISOString(),
    });
    this.touch();
    this.scheduleReconnect();
  }

  // ---------------------------------------------------------------- lookup and inspect

  private async lookup(): Promise<void> {
    if (this.stopped) return;
    try {
      const list = (await withTimeout(this.docker.listContainers({ all: true }), this.opts.requestTimeoutMs)) as Dockerode.ContainerInfo[];
      let matched: string | undefined;
      let info: Dockerode.ContainerInfo | undefined;
      for (const name of this.names) {
        info = list.find((c) => (c.Names ?? []).some((n) => n.replace(/^\//, '') === name));
        if (info) {
          matched = name;
          break;
        }
      }
      if (!info || !matched) {
        const running = list.filter((c) => c.State === 'running').map((c) => (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''));
        this.snap.state = 'missing';
        delete this.snap.containerId;
        delete this.snap.matchedName;
        this.memorySampler.stop();
        this.setProblem(containerNotFound(this.names, running));
        this.scheduleLookup();
        return;
      }
      if (this.lookupTimer) {
        clearTimeout(this.lookupTimer);
        this.lookupTimer = undefined;
      }
      this.snap.matchedName = matched;
      this.snap.matchedFallback = matched !== this.snap.configuredName;
      this.snap.containerId = info.Id;
      if (this.snap.problem?.code === 'container-not-found') this.clearProblem();
      await this.inspectNow();
    } catch (err) {
      this.handleApiError(err);
    }
  }

  private scheduleLookup(): void {
    if (this.stopped || this.lookupTimer) return;
    this.lookupTimer = setTimeout(() => {
      this.lookupTimer = undefined;
      if (this.connected) void this.lookup();
    }, this.opts.lookupRetryMs);
  }

  /** Runs one inspect now or right after the one in flight (coalesced). */
  private requestInspect(): void {
    if (this.inspecting) {
      this.inspectAgain = true;
      return;
    }
    void this.inspectNow();
  }

  private async inspectNow(): Promise<void> {
    const id = this.snap.containerId;
    if (!id || this.stopped) return;
    this.inspecting = true;
    const seq = ++this.inspectSeq;
    try {
      const data = (await withTimeout(this.docker.getContainer(id).inspect(), this.opts.requestTimeoutMs)) as Dockerode.ContainerInspectInfo;
      if (!this.stopped) this.applyInspect(data, seq);
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 404) {
        // Removed (perhaps recreated under the same name): look for it again.
        delete this.snap.containerId;
        this.snap.state = 'missing';
        void this.lookup();
      } else {
        this.handleApiError(err);
      }
      if (this.pendingHealth && seq > this.pendingHealth.afterSeq) this.flushHealth();
    } finally {
      this.inspecting = false;
      if (this.inspectAgain && !this.stopped) {
        this.inspectAgain = false;
        void this.inspectNow();
      }
    }
  }

  private applyInspect(d: Dockerode.ContainerInspectInfo, seq = Number.MAX_SAFE_INTEGER): void {
    const st = d.State;
    const prevInstance = this.snap.instanceId;
    const prevStartedAt = this.snap.startedAt;
    const neverStarted = !st.StartedAt || st.StartedAt.startsWith('0001-');
    const instanceId = neverStarted ? undefined : `${d.Id.slice(0, 12)}@${st.StartedAt}`;
    this.snap.containerId = d.Id;
    this.snap.state = normalizeState(st.Status);
    if (instanceId) this.snap.instanceId = instanceId;
    if (!neverStarted) this.snap.startedAt = st.StartedAt;
    this.snap.oomKilled = st.OOMKilled;
    if (!st.Running && typeof st.ExitCode === 'number') this.snap.lastExitCode = st.ExitCode;
    if (!st.Running && !neverStarted && st.FinishedAt && !st.FinishedAt.startsWith('0001-')) {
      // The instance that ended: keep what the engine says about it (OOMKilled resets on the next start).
      const ld = this.snap.lastDeath;
      if (ld && ld.instanceId === instanceId) {
        if (st.OOMKilled) ld.oomKilled = true;
        if (ld.exitCode === undefined) ld.exitCode = st.ExitCode;
      } else if (!ld || Date.parse(st.FinishedAt) > Date.parse(ld.at) + 1000) {
        this.snap.lastDeath = { at: st.FinishedAt, exitCode: st.ExitCode, oomKilled: !!st.OOMKilled, ...(instanceId ? { instanceId } : {}) };
      }
    }
    this.snap.engineRestartCount = d.RestartCount;
    const hc = d.HostConfig;
    this.snap.memoryLimitBytes = hc.Memory ?? 0;
    const rp = hc.RestartPolicy;
    this.snap.restartPolicy = rp?.Name ? (rp.Name === 'on-failure' && rp.MaximumRetryCount ? `on-failure:${rp.MaximumRetryCount}` : rp.Name) : 'no';
    const check = (d.Config as { Healthcheck?: { Test?: string[]; Interval?: number; Retries?: number } }).Healthcheck;
    if (check?.Test && check.Test[0] !== 'NONE') {
      const h: NonNullable<ContainerSnapshot['healthcheck']> = { test: check.Test.slice(1).join(' ') };
      if (check.Interval) h.intervalSeconds = check.Interval / 1e9;
      if (check.Retries) h.retries = check.Retries;
      this.snap.healthcheck = h;
    } else delete this.snap.healthcheck;
    const health = (st as { Health?: { Status?: string; FailingStreak?: number; Log?: { Output?: string }[] } }).Health;
    if (health?.Status && st.Running) {
      this.snap.health = health.Status === 'healthy' || health.Status === 'unhealthy' || health.Status === 'starting' ? health.Status : 'none';
      this.snap.healthFailingStreak = health.FailingStreak ?? 0;
      const last = health.Log?.[health.Log.length - 1];
      if (last?.Output !== undefined) this.snap.healthOutput = last.Output.trim().slice(0, 500);
    } else {
      this.snap.health = 'none';
      delete this.snap.healthFailingStreak;
      delete this.snap.healthOutput;
    }
    if (instanceId && prevInstance && instanceId !== prevInstance) this.onNewInstance(prevInstance, instanceId, prevStartedAt);
    if (this.pendingHealth && seq > this.pendingHealth.afterSeq) this.flushHealth();
    this.memorySampler.update();
    this.touch();
  }

  private flushHealth(): void {
    const h = this.pendingHealth;
    this.pendingHealth = undefined;
    if (!h) return;
    const change: HealthChange = { at: h.at, status: h.status, previous: h.previous };
    if (this.snap.healthOutput !== undefined) change.output = this.snap.healthOutput;
    this.emitSafe('health', change);
  }

  /**
   * A new instance was seen by inspect. Its `start` event (and, for `docker restart`, the `restart`
   * event right after it) may not have arrived yet — or ever, when the engine was away — so the
   * restart is decided a moment later: once the start event is in and either the episode had no
   * `stop` or the `restart` event came; at the latest after the settle time (+1 s without a start event).
   */
  private onNewInstance(previousInstanceId: string, instanceId: string, previousStartedAt: string | undefined): void {
    if (this.pendingRestart) this.resolvePendingRestart(true);
    this.snap.restarts++;
    const startedAtMs = Date.parse(this.snap.startedAt ?? '') || Date.now();
    this.pendingRestart = {
      count: this.snap.restarts,
      instanceId,
      previousInstanceId,
      startedAtMs,
      previousStartedAtMs: Date.parse(previousStartedAt ?? '') || 0,
      detectedAtMs: Date.now(),
      facts: this.inspectFacts(),
    };
    this.resolvePendingRestart(false);
  }

  private resolvePendingRestart(force: boolean): void {
    const p = this.pendingRestart;
    if (!p) return;
    if (!force && !restartReady(p, this.history, Date.now(), this.opts.restartSettleMs)) {
      if (!this.settleTimer) {
        this.settleTimer = setTimeout(() => {
          this.settleTimer = undefined;
          this.resolvePendingRestart(false);
        }, 100);
      }
      return;
    }
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    this.pendingRestart = undefined;
    const { at, inferred, diagnosis } = resolveRestart(p, this.history, this.outages);
    this.emitSafe('restart', { at, count: p.count, instanceId: p.instanceId, previousInstanceId: p.previousInstanceId, inferred, diagnosis });
  }

  private inspectFacts(): InspectFacts {
    const f: InspectFacts = { at: this.snap.updatedAt, running: this.snap.state === 'running', health: this.snap.health };
    const death = this.snap.lastDeath;
    if (this.snap.oomKilled || death?.oomKilled) f.oomKilled = true;
    else if (this.snap.oomKilled !== undefined) f.oomKilled = false;
    const exit = death?.exitCode ?? this.snap.lastExitCode;
    if (exit !== undefined) f.exitCode = exit;
    if (this.snap.startedAt) f.startedAt = this.snap.startedAt;
    if (this.snap.healthOutput !== undefined) f.healthOutput = this.snap.healthOutput;
    return f;
  }

  // ---------------------------------------------------------------- events

  private onRawEvent(raw: RawEngineEvent): void {
    let ev: ContainerEvent | undefined;
    try {
      ev = parseEngineEvent(raw);
    } catch {
      return;
    }
    if (!ev) {
      // Ignored events (exec_*) still advance the resume point.
      if (raw.timeNano !== undefined) this.events.advance(String(raw.timeNano));
      return;
    }
    const key = eventKey(ev);
    if (this.seenSet.has(key)) return;
    this.seenSet.add(key);
    this.seenKeys.push(key);
    if (this.seenKeys.length > 1000) this.seenSet.delete(this.seenKeys.shift()!);
    this.events.advance(ev.timeNano);
    this.history.push(ev);
    if (this.history.length > this.opts.historySize) this.history.splice(0, this.history.length - this.opts.historySize);
    this.handleEvent(ev);
  }

  private handleEvent(ev: ContainerEvent): void {
    this.emitSafe('event', ev);
    // An event for a container we do not know yet (created, or recreated under the same name).
    if (!this.snap.containerId || (ev.containerId && ev.containerId !== this.snap.containerId)) {
      if (ev.action === 'destroy' && ev.containerId !== this.snap.containerId) return;
      void this.lookup();
      if (ev.action !== 'die' && ev.action !== 'oom') return;
    }
    switch (ev.action) {
      case 'oom':
        this.snap.oomKills++;
        this.sawOomSinceStart = true;
        break;
      case 'die': {
        if (ev.exitCode !== undefined) this.snap.lastExitCode = ev.exitCode;
        this.snap.lastDeath = {
          at: ev.at,
          oomKilled: this.sawOomSinceStart,
          ...(!this.sawOomSinceStart && killedBeforeDeath(this.history, ev) ? { deliberate: true } : {}),
          ...(ev.exitCode !== undefined ? { exitCode: ev.exitCode } : {}),
          ...(this.snap.instanceId ? { instanceId: this.snap.instanceId } : {}),
        };
        this.snap.state = 'exited';
        this.memorySampler.stop();
        const down: ContainerDown = {
          at: ev.at,
          oom: this.sawOomSinceStart,
          event: ev,
          latencyMs: Date.now() - Date.parse(ev.at),
        };
        if (ev.exitCode !== undefined) down.exitCode = ev.exitCode;
        if (this.snap.instanceId) down.instanceId = this.snap.instanceId;
        this.emitSafe('down', down);
        this.touch();
        break;
      }
      case 'start':
        this.sawOomSinceStart = false;
        this.snap.state = 'running';
        if (this.pendingRestart) this.resolvePendingRestart(false);
        break;
      case 'restart':
        if (this.pendingRestart) this.resolvePendingRestart(false);
        break;
      case 'health_status': {
        const h = ev.health ?? 'none';
        const previous = this.snap.health;
        this.snap.health = h;
        // Emitted after the inspect that follows, so it carries the latest health-check output.
        this.pendingHealth = { at: ev.at, status: h, previous, afterSeq: this.inspectSeq };
        break;
      }
      case 'destroy':
        delete this.snap.containerId;
        this.snap.state = 'missing';
        this.touch();
        void this.lookup();
        return;
      default:
        break;
    }
    this.requestInspect();
  }

  // ---------------------------------------------------------------- memory

  private wantsMemory(): boolean {
    return !this.stopped && this.connected && this.snap.state === 'running' && !!this.snap.containerId && (this.memoryRefs > 0 || this.opts.memoryAlerting);
  }

  /** One memory reading, recorded in the snapshot (the sampler decides when). */
  private async sampleMemory(): Promise<void> {
    const id = this.snap.containerId!;
    try {
      const stats = (await withTimeout(
        this.docker.getContainer(id).stats({ stream: false, 'one-shot': true }),
        this.opts.requestTimeoutMs,
      )) as { memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> } };
      if (this.stopped) return;
      const limit = this.snap.memoryLimitBytes ?? 0;
      const sample = stats.memory_stats
        ? memorySample(stats.memory_stats, { configuredLimit: limit, threshold: this.opts.memoryThreshold, ...(this.hostMemTotal ? { hostTotal: this.hostMemTotal } : {}) })
        : undefined;
      if (sample && this.snap.state === 'running') {
        const was = this.snap.memoryPressure;
        this.snap.memory = sample;
        this.snap.memoryText = formatMemory(sample);
        this.snap.memoryPressure = sample.pressure;
        this.emitSafe('memory', sample);
        if (was !== sample.pressure) this.emitSafe('pressure', { active: sample.pressure, sample });
        this.touch();
      }
    } catch {
      // A container that just died or an engine that went away: the event stream handles those.
    }
  }

  // ---------------------------------------------------------------- helpers

  private handleApiError(err: unknown): void {
    const p = classifyDockerError(err, this.target);
    if (p.code === 'not-answering' || p.code === 'socket-missing' || p.code === 'permission-denied') {
      // The stream will notice too; make sure a reconnect is underway.
      this.setProblem(p);
      if (!this.events.isOpen) this.scheduleReconnect();
    } else {
      this.snap.lastError = p.message;
      this.touch();
    }
  }

  private setProblem(p: DockerProblem): void {
    const same = this.snap.problem?.message === p.message;
    this.snap.problem = p;
    this.snap.lastError = p.message;
    this.touch();
    if (!same) this.emitSafe('problem', p);
  }

  private clearProblem(): void {
    if (!this.snap.problem) return;
    delete this.snap.problem;
    this.touch();
    this.emitSafe('problem-cleared');
  }

  private touch(): void {
    this.snap.updatedAt = new Date().toISOString();
    this.emitSafe('snapshot', this.snapshot());
  }

  /** Emits without letting a listener's exception escape into the engine stream handlers. */
  private emitSafe<K extends keyof ContainerWatcherEvents>(event: K, ...args: ContainerWatcherEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: ContainerWatcherEvents[K]) => boolean)(event, ...args);
    } catch (e) {
      // A listener threw: report it once in the snapshot, never crash the watcher.
      this.snap.lastError = `listener for "${String(event)}" threw: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
}

function normalizeState(s: string | undefined): ContainerState {
  switch (s) {
    case 'running':
    case 'restarting':
    case 'exited':
    case 'paused':
    case 'created':
    case 'dead':
    case 'removing':
      return s;
    default:
      return 'unknown';
  }
}


