// What is known about the watched container: the snapshot, kept from inspect answers and container
// events. Decides liveness (a death, a new instance) and health changes; no I/O and no timers — the
// watcher does the talking to the engine and emits what this returns.
import type Dockerode from 'dockerode';
import { killedBeforeDeath, type InspectFacts } from './diagnose';
import type { ContainerEvent, HealthState } from './events';
import type { MemorySample } from './memory';
import { formatMemory } from './memory';
import type { PendingRestart } from './restart-resolution';
import type { ContainerSnapshot } from './snapshot';
import { applyInspectAnswer } from './container-inspect';

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

export interface HealthChange {
  at: string;
  status: HealthState;
  previous: HealthState;
  output?: string;
}

/** What an inspect answer changed that the watcher must act on. */
export interface InspectOutcome {
  /** A new instance is running: a restart to resolve. */
  restart?: PendingRestart;
  /** A health change waiting for this inspect (it carries the latest check's output). */
  health?: HealthChange;
}

export interface ContainerRecordOptions {
  /** Container events kept for diagnosis. Default 300. */
  historySize?: number;
}

export class ContainerRecord {
  readonly snap: ContainerSnapshot;
  /** Container events seen, oldest first, at most `historySize`. */
  readonly history: ContainerEvent[] = [];
  private sawOomSinceStart = false;
  private pendingHealth: (HealthChange & { afterSeq: number }) | undefined;

  private readonly historySize: number;

  constructor(configuredName: string, options: ContainerRecordOptions = {}) {
    this.historySize = options.historySize ?? 300;
    this.snap = {
      configuredName,
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

  /** The latest snapshot (uptime computed now). */
  view(): ContainerSnapshot {
    const s = { ...this.snap };
    if (s.state === 'running' && s.startedAt)
      s.uptimeSeconds = Math.max(0, (Date.now() - Date.parse(s.startedAt)) / 1000);
    else delete s.uptimeSeconds;
    return s;
  }

  /** The container or its name the engine knows, for actions on it. */
  get ref(): string | undefined {
    return this.snap.containerId ?? this.snap.matchedName;
  }

  found(name: string, id: string): void {
    this.snap.matchedName = name;
    this.snap.matchedFallback = name !== this.snap.configuredName;
    this.snap.containerId = id;
  }

  /** No container by any of the names, or the one known was removed. */
  missing({ forgetName = false } = {}): void {
    this.snap.state = 'missing';
    delete this.snap.containerId;
    if (forgetName) delete this.snap.matchedName;
  }

  /** Takes in one inspect answer; `seq` is its place among inspects (health changes wait for a later one). */
  applyInspect(d: Dockerode.ContainerInspectInfo, seq: number): InspectOutcome {
    const snap = this.snap;
    const prevInstance = snap.instanceId;
    const prevStartedAt = snap.startedAt;
    const instanceId = applyInspectAnswer(snap, d);
    const out: InspectOutcome = {};
    if (instanceId && prevInstance && instanceId !== prevInstance) {
      snap.restarts++;
      out.restart = {
        count: snap.restarts,
        instanceId,
        previousInstanceId: prevInstance,
        startedAtMs: Date.parse(snap.startedAt ?? '') || Date.now(),
        previousStartedAtMs: Date.parse(prevStartedAt ?? '') || 0,
        detectedAtMs: Date.now(),
        facts: this.inspectFacts(),
      };
    }
    const h = this.healthDue(seq);
    if (h) out.health = h;
    return out;
  }

  /** The health change to emit once inspect number `seq` finished (answered or failed), if one waits for it. */
  healthDue(seq: number): HealthChange | undefined {
    const h = this.pendingHealth;
    if (!h || seq <= h.afterSeq) return undefined;
    this.pendingHealth = undefined;
    const change: HealthChange = { at: h.at, status: h.status, previous: h.previous };
    if (this.snap.healthOutput !== undefined) change.output = this.snap.healthOutput;
    return change;
  }

  /** Keeps an event (of any container by the watched names) in the history. */
  remember(ev: ContainerEvent): void {
    this.history.push(ev);
    if (this.history.length > this.historySize) this.history.splice(0, this.history.length - this.historySize);
  }

  /**
   * Takes in one event of the watched container, already remembered; `inspectSeq` is the latest
   * inspect started (a health change waits for the next one). Returns the death to report, for a `die`.
   */
  applyEvent(ev: ContainerEvent, inspectSeq: number): ContainerDown | undefined {
    const snap = this.snap;
    switch (ev.action) {
      case 'oom':
        snap.oomKills++;
        this.sawOomSinceStart = true;
        return undefined;
      case 'die': {
        const oom = this.sawOomSinceStart;
        if (ev.exitCode !== undefined) snap.lastExitCode = ev.exitCode;
        snap.lastDeath = {
          at: ev.at,
          oomKilled: oom,
          ...(!oom && killedBeforeDeath(this.history, ev) ? { deliberate: true } : {}),
          ...(ev.exitCode !== undefined ? { exitCode: ev.exitCode } : {}),
          ...(snap.instanceId ? { instanceId: snap.instanceId } : {}),
        };
        snap.state = 'exited';
        const down: ContainerDown = { at: ev.at, oom, event: ev, latencyMs: Date.now() - Date.parse(ev.at) };
        if (ev.exitCode !== undefined) down.exitCode = ev.exitCode;
        if (snap.instanceId) down.instanceId = snap.instanceId;
        return down;
      }
      case 'start':
        this.sawOomSinceStart = false;
        snap.state = 'running';
        return undefined;
      case 'health_status': {
        const h = ev.health ?? 'none';
        const previous = snap.health;
        snap.health = h;
        // Emitted after the inspect that follows, so it carries the latest health-check output.
        this.pendingHealth = { at: ev.at, status: h, previous, afterSeq: inspectSeq };
        return undefined;
      }
      case 'destroy':
        this.missing();
        return undefined;
      default:
        return undefined;
    }
  }

  /** Records a memory reading of the running container; true when memory pressure began or ended with it. */
  recordMemory(sample: MemorySample): boolean {
    const was = this.snap.memoryPressure;
    this.snap.memory = sample;
    this.snap.memoryText = formatMemory(sample);
    this.snap.memoryPressure = sample.pressure;
    return was !== sample.pressure;
  }

  /** What inspect says, in the form loss diagnosis takes it. */
  inspectFacts(): InspectFacts {
    const s = this.snap;
    const f: InspectFacts = { at: s.updatedAt, running: s.state === 'running', health: s.health };
    const death = s.lastDeath;
    if (s.oomKilled || death?.oomKilled) f.oomKilled = true;
    else if (s.oomKilled !== undefined) f.oomKilled = false;
    const exit = death?.exitCode ?? s.lastExitCode;
    if (exit !== undefined) f.exitCode = exit;
    if (s.startedAt) f.startedAt = s.startedAt;
    if (s.healthOutput !== undefined) f.healthOutput = s.healthOutput;
    return f;
  }
}
