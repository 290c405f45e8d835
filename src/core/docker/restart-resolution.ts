// Deciding a container restart that inspect noticed: when enough events are in to call it, and what
// caused it. Pure functions over the watcher's event history, and the tracker that waits for them.
import { diagnoseLoss, findLastIndex, type Diagnosis, type InspectFacts } from './diagnose';
import type { ContainerEvent } from './events';

/** A new instance seen by inspect, waiting for its events. */
export interface PendingRestart {
  count: number;
  instanceId: string;
  previousInstanceId: string;
  startedAtMs: number;
  previousStartedAtMs: number;
  detectedAtMs: number;
  facts: InspectFacts;
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

/** A time the engine was away (ms). */
export interface EngineOutage {
  from: number;
  to?: number;
}

/**
 * The start event of this instance: engine time within 2 s of its StartedAt, and nearer to it than to
 * the previous instance's (restarts less than 2 s apart: until this one's start event is in, the last
 * start is the previous instance's, whose `restart` event would call this restart early and wrongly).
 */
function startEventIndex(p: PendingRestart, history: readonly ContainerEvent[]): number {
  return findLastIndex(history, (e) => {
    if (e.action !== 'start') return false;
    const d = Math.abs(Date.parse(e.at) - p.startedAtMs);
    return d < 2000 && d < Math.abs(Date.parse(e.at) - p.previousStartedAtMs);
  });
}

/**
 * True once the restart can be called: its start event is in and the episode had no `stop`, or the
 * `restart` event came (a `docker restart`), or the settle time passed; without a start event, after
 * the settle time + 1 s.
 */
export function restartReady(
  p: PendingRestart,
  history: readonly ContainerEvent[],
  nowMs: number,
  settleMs: number,
): boolean {
  const startIdx = startEventIndex(p, history);
  const elapsed = nowMs - p.detectedAtMs;
  if (startIdx < 0) return elapsed >= settleMs + 1000;
  const dieIdx = findLastIndex(history.slice(0, startIdx), (e) => e.action === 'die');
  const episode = history.slice(dieIdx >= 0 ? dieIdx : startIdx);
  return (
    !episode.some((e) => e.action === 'stop') || episode.some((e) => e.action === 'restart') || elapsed >= settleMs
  );
}

export interface ResolvedRestart {
  at: string;
  /** No start event was seen: the restart was inferred from inspect alone. */
  inferred: boolean;
  diagnosis: Diagnosis;
}

/** What caused the restart, from the events around it and the engine's own outages. */
export function resolveRestart(
  p: PendingRestart,
  history: readonly ContainerEvent[],
  outages: readonly EngineOutage[],
): ResolvedRestart {
  const startIdx = startEventIndex(p, history);
  const startEv = startIdx >= 0 ? history[startIdx] : undefined;
  const inferred = !startEv;
  const at = startEv?.at ?? new Date(p.startedAtMs).toISOString();
  let diagnosis = diagnoseLoss({
    lossAt: at,
    events: [...history],
    inspect: p.facts,
    lookbackMs: 120_000,
    lookaheadMs: 5_000,
  });
  // The engine itself went away between the two instances: a daemon restart took the container with it.
  const outage = outages.find((o) => o.from >= p.previousStartedAtMs - 1000 && o.from <= p.startedAtMs);
  if (outage && (diagnosis.cause === 'stopped' || diagnosis.cause === 'unknown')) {
    diagnosis = {
      cause: 'docker-restart',
      label: 'Docker engine restart',
      evidence: [
        ...diagnosis.evidence.filter((e) => !/how it went down was not seen/.test(e.detail)),
        {
          at: new Date(outage.from).toISOString(),
          source: 'docker' as const,
          detail: `the Docker engine went away${outage.to ? ` for ${Math.round((outage.to - outage.from) / 1000)} s` : ''}`,
        },
      ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)),
    };
  } else if (inferred && diagnosis.cause === 'unknown') {
    diagnosis.evidence.push({
      at,
      source: 'docker',
      detail: 'a new container instance appeared while the watcher was not connected to the engine',
    });
  }
  return { at, inferred, diagnosis };
}

export interface RestartTrackerHost {
  /** The container events seen so far, oldest first. */
  history(): readonly ContainerEvent[];
  /** The times the engine was away. */
  outages(): readonly EngineOutage[];
  /** A restart was called. */
  resolved(restart: ContainerRestart): void;
}

export interface RestartTrackerOptions {
  /** How long to wait for a `restart` event after stop→start before deciding it was a stop/start by a person. Default 400 ms. */
  restartSettleMs?: number;
}

/** How often a waiting restart looks again whether its events are in. */
const RECHECK_MS = 100;

/**
 * A new instance seen by inspect: its `start` event (and, for `docker restart`, the `restart` event
 * right after it) may not have arrived yet — or ever, when the engine was away — so the restart is
 * called a moment later, once `restartReady` says so. A newer instance calls the waiting one at once.
 */
export class RestartTracker {
  private pending: PendingRestart | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly settleMs: number;

  constructor(
    private readonly host: RestartTrackerHost,
    options: RestartTrackerOptions = {},
  ) {
    this.settleMs = options.restartSettleMs ?? 400;
  }

  newInstance(p: PendingRestart): void {
    if (this.pending) this.resolve(true);
    this.pending = p;
    this.resolve(false);
  }

  /** A `start` or `restart` event came: the waiting restart may be ready now. */
  eventArrived(): void {
    if (this.pending) this.resolve(false);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private resolve(force: boolean): void {
    const p = this.pending;
    if (!p) return;
    const history = this.host.history();
    if (!force && !restartReady(p, history, Date.now(), this.settleMs)) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.resolve(false);
      }, RECHECK_MS);
      return;
    }
    this.stop();
    this.pending = undefined;
    const { at, inferred, diagnosis } = resolveRestart(p, history, this.host.outages());
    this.host.resolved({
      at,
      count: p.count,
      instanceId: p.instanceId,
      previousInstanceId: p.previousInstanceId,
      inferred,
      diagnosis,
    });
  }
}
