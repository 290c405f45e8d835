// Watches one container through the Docker Engine API: events, inspect facts, memory. No VS Code imports.
// Never throws to its caller and never emits 'error': problems arrive as 'problem' events.
// The coordinator: the engine link (engine-connection.ts), finding and inspecting the container
// (container-lookup.ts), what is known of it (container-record.ts), restarts (restart-resolution.ts)
// and memory reads (memory-sampler.ts) are each their own part; this wires them and emits.
import { EventEmitter } from 'node:events';
import type Dockerode from 'dockerode';
import {
  classifyDockerError,
  containerNotFound,
  createDockerClient,
  dockerBinaryOnPath,
  resolveDockerTarget,
} from './engine-address';
import type { DockerConnectionOptions, DockerProblem, DockerTarget } from './engine-address';
import { ContainerFinder, watchedNames, type ContainerFinderOptions } from './container-lookup';
import {
  ContainerRecord,
  type ContainerDown,
  type ContainerRecordOptions,
  type HealthChange,
} from './container-record';
import { diagnoseLoss, type Diagnosis } from './diagnose';
import { EngineConnection, type EngineConnectionOptions, type EngineInfo } from './engine-connection';
import type { ContainerEvent } from './events';
import type { MemorySample } from './memory';
import { ContainerMemory, type ContainerMemoryOptions } from './memory-sampler';
import { RestartTracker, type ContainerRestart, type RestartTrackerOptions } from './restart-resolution';
import type { ContainerSnapshot } from './snapshot';
import { containerLogs, restartContainer, startContainer } from './actions';
import type { ContainerLogs } from './logs';

export type { ContainerDown, HealthChange } from './container-record';
export type { ContainerRestart } from './restart-resolution';

/** Each part's options (and their defaults) are documented where the part is. */
export interface ContainerWatcherOptions
  extends DockerConnectionOptions,
    EngineConnectionOptions,
    ContainerFinderOptions,
    ContainerRecordOptions,
    RestartTrackerOptions,
    ContainerMemoryOptions {
  /** The configured container name (`archon-mcp`). */
  container: string;
  /** Names tried when the configured one is missing. Default: `Archon-MCP` for `archon-mcp`, else none. */
  fallbackNames?: string[];
  /** Use this client instead of building one from the connection options. */
  docker?: Dockerode;
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
  connected: [EngineInfo];
  disconnected: [{ at: string; reason: string }];
}

/** The arguments of event `K`, spelled as EventEmitter's `emit` spells them for a generic `K`. */
type WatcherEventArgs<K> = K extends keyof ContainerWatcherEvents ? ContainerWatcherEvents[K] : never;

export class ContainerWatcher extends EventEmitter<ContainerWatcherEvents> {
  readonly target: DockerTarget;
  private readonly docker: Dockerode;
  private stopped = false;
  private started = false;
  private readonly record: ContainerRecord;
  private readonly snap: ContainerSnapshot;
  private readonly engine: EngineConnection;
  private readonly finder: ContainerFinder;
  private readonly restarts: RestartTracker;
  private readonly memory: ContainerMemory;

  constructor(options: ContainerWatcherOptions) {
    super();
    if (options.docker) {
      this.docker = options.docker;
      this.target = resolveDockerTarget(options);
    } else {
      ({ docker: this.docker, target: this.target } = createDockerClient(options));
    }
    const names = watchedNames(options.container, options.fallbackNames);
    this.record = new ContainerRecord(options.container, options);
    this.snap = this.record.snap;
    this.engine = new EngineConnection(this.docker, names, this.target.description, options, {
      onEvent: (ev) => this.onEvent(ev),
      onConnected: (engine) => this.onConnected(engine),
      onConnectFailed: (err) => {
        this.snap.connected = false;
        this.setProblem(classifyDockerError(err, this.target, { dockerInstalled: dockerBinaryOnPath() }));
      },
      onLost: (reason) => this.onLost(reason),
    });
    this.finder = new ContainerFinder(this.docker, names, options, {
      currentId: () => this.snap.containerId,
      active: () => !this.stopped,
      connected: () => this.engine.connected,
      found: (name, id) => {
        this.record.found(name, id);
        if (this.snap.problem?.code === 'container-not-found') this.clearProblem();
      },
      missing: (running) => {
        this.record.missing({ forgetName: true });
        this.memory.stop();
        this.setProblem(containerNotFound(names, running));
      },
      inspected: (data, seq) => this.onInspect(data, seq),
      removed: () => this.record.missing(),
      inspectFailed: (seq) => this.emitHealth(this.record.healthDue(seq)),
      apiError: (err) => this.handleApiError(err),
    });
    this.restarts = new RestartTracker(
      {
        history: () => this.record.history,
        outages: () => this.engine.outages,
        resolved: (r) => this.emitSafe('restart', r),
      },
      options,
    );
    this.memory = new ContainerMemory(
      this.docker,
      {
        sampleable: () =>
          !this.stopped && this.engine.connected && this.snap.state === 'running' ? this.snap.containerId : undefined,
        configuredLimit: () => this.snap.memoryLimitBytes ?? 0,
        hostTotal: () => this.engine.hostMemTotal,
        sampled: (sample) => this.onMemory(sample),
      },
      options,
    );
  }

  /** Starts watching. Resolves once the first connection attempt finished (successful or not); never rejects. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.engine.connect();
  }

  /** Stops everything: the event stream, timers, sampling. */
  stop(): void {
    this.stopped = true;
    this.finder.stop();
    this.restarts.stop();
    this.memory.stop();
    this.engine.stop();
  }

  /** The latest snapshot (uptime computed now). */
  snapshot(): ContainerSnapshot {
    return this.record.view();
  }

  /** Container events seen recently (oldest first), for diagnosis and the report's timeline. */
  recentEvents(): ContainerEvent[] {
    return [...this.record.history];
  }

  /** Diagnoses a session loss noticed at `lossAt` with the events seen around it. */
  diagnose(input: Omit<Parameters<typeof diagnoseLoss>[0], 'events'> & { events?: ContainerEvent[] }): Diagnosis {
    return diagnoseLoss({
      ...input,
      events: input.events ?? this.record.history,
      inspect: input.inspect ?? this.record.inspectFacts(),
    });
  }

  /**
   * Asks for memory samples (a view shows them). Returns a release function. Sampling runs while any
   * request is held or `memoryAlerting` is on, and only while the container runs.
   */
  requestMemorySampling(): () => void {
    return this.memory.request();
  }

  setMemoryAlerting(on: boolean): void {
    this.memory.setAlerting(on);
  }

  setMemoryThreshold(fraction: number): void {
    this.memory.setThreshold(fraction);
  }

  /** True while memory samples are being taken. */
  get samplingMemory(): boolean {
    return this.memory.active;
  }

  /** Restarts the watched container. Rejects with a `DockerProblem`-shaped message on failure. */
  async restartContainer(timeoutSeconds = 10): Promise<void> {
    await restartContainer(this.docker, this.ref(' to restart.'), { timeoutSeconds });
  }

  /** Starts the watched container (stopped on purpose, or never started since the window opened). */
  async startContainer(): Promise<void> {
    await startContainer(
      this.docker,
      this.ref(
        ' to start (was it removed by "docker compose down"? Then run "docker compose up -d" in Archon\'s folder).',
      ),
    );
  }

  /** The last `tail` log lines of the watched container, stdout and stderr separated. */
  async logs(tail = 200): Promise<ContainerLogs> {
    return containerLogs(this.docker, this.ref('.'), { tail });
  }

  /** The container to act on, or an error that says why there is none (`rest` ends the sentence: " to restart."). */
  private ref(rest: string): string {
    const ref = this.record.ref;
    if (!ref) throw new Error(this.snap.problem?.message ?? `No container named "${this.snap.configuredName}"${rest}`);
    return ref;
  }

  // ---------------------------------------------------------------- engine

  private async onConnected(engine: EngineInfo): Promise<void> {
    this.snap.engine = engine;
    this.snap.connected = true;
    this.emitSafe('connected', engine);
    if (this.snap.problem && this.snap.problem.code !== 'container-not-found') this.clearProblem();
    await this.finder.lookup();
  }

  private onLost(reason: string): void {
    this.snap.connected = false;
    this.memory.stop();
    this.emitSafe('disconnected', { at: new Date().toISOString(), reason });
    this.setProblem({
      code: 'not-answering',
      message: `Lost the Docker engine at ${this.target.description} (${reason}); reconnecting.`,
      at: new Date().toISOString(),
    });
    this.touch();
  }

  // ---------------------------------------------------------------- inspect, events, memory

  private onInspect(data: Dockerode.ContainerInspectInfo, seq: number): void {
    const { restart, health } = this.record.applyInspect(data, seq);
    if (restart) this.restarts.newInstance(restart);
    this.emitHealth(health);
    this.memory.update();
    this.touch();
  }

  private emitHealth(change: HealthChange | undefined): void {
    if (change) this.emitSafe('health', change);
  }

  private onEvent(ev: ContainerEvent): void {
    this.record.remember(ev);
    this.emitSafe('event', ev);
    // An event for a container we do not know yet (created, or recreated under the same name).
    if (!this.snap.containerId || (ev.containerId && ev.containerId !== this.snap.containerId)) {
      if (ev.action === 'destroy' && ev.containerId !== this.snap.containerId) return;
      void this.finder.lookup();
      if (ev.action !== 'die' && ev.action !== 'oom') return;
    }
    const down = this.record.applyEvent(ev, this.finder.inspectSeq);
    if (down) {
      this.memory.stop();
      this.emitSafe('down', down);
      this.touch();
    }
    if (ev.action === 'start' || ev.action === 'restart') this.restarts.eventArrived();
    if (ev.action === 'destroy') {
      this.touch();
      void this.finder.lookup();
      return;
    }
    this.finder.requestInspect();
  }

  private onMemory(sample: MemorySample): void {
    if (this.stopped || this.snap.state !== 'running') return;
    const pressureChanged = this.record.recordMemory(sample);
    this.emitSafe('memory', sample);
    if (pressureChanged) this.emitSafe('pressure', { active: sample.pressure, sample });
    this.touch();
  }

  // ---------------------------------------------------------------- problems and emitting

  private handleApiError(err: unknown): void {
    const p = classifyDockerError(err, this.target);
    if (p.code === 'not-answering' || p.code === 'socket-missing' || p.code === 'permission-denied') {
      // The stream will notice too; make sure a reconnect is underway.
      this.setProblem(p);
      this.engine.ensureReconnecting();
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
  private emitSafe<K extends keyof ContainerWatcherEvents>(event: K, ...args: WatcherEventArgs<K>): void {
    try {
      this.emit<K>(event, ...args);
    } catch (e) {
      // A listener threw: report it once in the snapshot, never crash the watcher.
      this.snap.lastError = `listener for "${String(event)}" threw: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
}
