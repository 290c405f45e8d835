// Why was a session lost? A pure function over the container events and facts seen around the loss.
import type { Evidence, FailureKind, LossCause } from '../server-state';
import { describeEvent, type ContainerEvent, type HealthState } from './events';

/** The server's health endpoint reported a smaller uptime than before: its process restarted. */
export interface UptimeDrop {
  at: string;
  fromSeconds: number;
  toSeconds: number;
}

/** Facts from `docker inspect` (of the instance that is running now, or the one that died). */
export interface InspectFacts {
  at?: string;
  running?: boolean;
  oomKilled?: boolean;
  exitCode?: number;
  startedAt?: string;
  health?: HealthState;
  healthOutput?: string;
}

export interface DiagnosisInput {
  /** When the session loss was noticed. */
  lossAt: string;
  /** Recent container events (any order; the ones outside the window are ignored). */
  events: ContainerEvent[];
  inspect?: InspectFacts;
  uptimeDrops?: UptimeDrop[];
  /** How the failure that revealed the loss was classified, when known (`unreachable`, `session-lost`, ...). */
  failureKind?: FailureKind;
  /** How far before the loss events count. Default 120 s. */
  lookbackMs?: number;
  /** How far after the loss events count (they may arrive after the MCP failure). Default 30 s. */
  lookaheadMs?: number;
}

export interface Diagnosis {
  cause: LossCause;
  /** Short words for people: `OOM kill`, `crash (exit 3)`, `docker restart`, ... */
  label: string;
  exitCode?: number;
  evidence: Evidence[];
}

const KILL_BEFORE_DIE_MS = 30_000;
const MAX_EVIDENCE = 12;

export function causeLabel(cause: LossCause, exitCode?: number): string {
  switch (cause) {
    case 'oom-kill':
      return 'OOM kill';
    case 'crash':
      return exitCode === undefined ? 'crash' : `crash (exit ${exitCode})`;
    case 'docker-restart':
      return 'docker restart';
    case 'stopped':
      return 'container stopped and started';
    case 'unhealthy-restart':
      return 'restart after failing health checks';
    case 'process-restart':
      return 'server process restarted inside the container';
    case 'network':
      return 'network';
    default:
      return 'unknown';
  }
}

function ev2evidence(ev: ContainerEvent): Evidence {
  return { at: ev.at, source: 'docker', detail: describeEvent(ev) };
}

function cmp(a: ContainerEvent, b: ContainerEvent): number {
  const x = BigInt(a.timeNano);
  const y = BigInt(b.timeNano);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function diagnoseLoss(input: DiagnosisInput): Diagnosis {
  const lossMs = Date.parse(input.lossAt);
  const lookback = input.lookbackMs ?? 120_000;
  const lookahead = input.lookaheadMs ?? 30_000;
  const inWindow = (at: string) => {
    const t = Date.parse(at);
    return t >= lossMs - lookback && t <= lossMs + lookahead;
  };
  const events = input.events.filter((e) => inWindow(e.at)).sort(cmp);
  const drops = (input.uptimeDrops ?? []).filter((d) => inWindow(d.at));

  const result = (cause: LossCause, evidence: Evidence[], exitCode?: number): Diagnosis => {
    const d: Diagnosis = { cause, label: causeLabel(cause, exitCode), evidence: evidence.slice(-MAX_EVIDENCE) };
    if (exitCode !== undefined) d.exitCode = exitCode;
    return d;
  };

  const dieIdx = findLastIndex(events, (e) => e.action === 'die');
  if (dieIdx >= 0) {
    const die = events[dieIdx]!;
    // The life of the instance that died: back to the previous start (or the window's start).
    const prevStart = findLastIndex(events.slice(0, dieIdx), (e) => e.action === 'start');
    const prior = events.slice(prevStart + 1, dieIdx);
    const nextStartRel = events.slice(dieIdx + 1).findIndex((e) => e.action === 'start');
    const after = events.slice(dieIdx + 1);
    const beforeNextStart = nextStartRel >= 0 ? after.slice(0, nextStartRel) : after;
    const afterNextStart = nextStartRel >= 0 ? after.slice(nextStartRel) : [];
    const exitCode = die.exitCode ?? input.inspect?.exitCode;

    const evidence: Evidence[] = [];
    const relevant = [
      ...prior.filter((e) => e.action !== 'start'),
      die,
      ...after.filter((e) => e.action !== 'health_status'),
    ];
    for (const e of relevant) evidence.push(ev2evidence(e));
    if (input.inspect?.oomKilled)
      evidence.push({
        at: input.inspect.at ?? die.at,
        source: 'docker',
        detail: 'docker inspect: State.OOMKilled = true',
      });
    for (const d of drops) evidence.push(dropEvidence(d));
    evidence.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));

    const oomEvent = prior.some((e) => e.action === 'oom') || beforeNextStart.some((e) => e.action === 'oom');
    if (oomEvent || (input.inspect?.oomKilled && exitCode === 137)) return result('oom-kill', evidence, exitCode);

    const dieMs = Date.parse(die.at);
    const firstKill = prior.findIndex((e) => e.action === 'kill' && dieMs - Date.parse(e.at) <= KILL_BEFORE_DIE_MS);
    const killed = firstKill >= 0;
    const stopped = beforeNextStart.some((e) => e.action === 'stop');
    const restartEvent =
      afterNextStart.some((e) => e.action === 'restart') || beforeNextStart.some((e) => e.action === 'restart');
    if (killed || stopped || restartEvent) {
      // Health checks that fail once the stop has begun (a server slow to leave has closed its port)
      // are its effect, not its cause: only the health before the first kill counts.
      const lastHealth = [...(killed ? prior.slice(0, firstKill) : prior)]
        .reverse()
        .find((e) => e.action === 'health_status');
      if (lastHealth?.health === 'unhealthy') return result('unhealthy-restart', evidence);
      if (restartEvent) return result('docker-restart', evidence);
      return result('stopped', evidence);
    }
    return result('crash', evidence, exitCode);
  }

  // No `die` seen (for instance the watcher was disconnected when it happened).
  const restart = events.find((e) => e.action === 'restart');
  if (restart) {
    const ev = events.filter((e) => e.action !== 'health_status').map(ev2evidence);
    const lastHealth = [...events]
      .filter((e) => Date.parse(e.at) <= Date.parse(restart.at))
      .reverse()
      .find((e) => e.action === 'health_status');
    return result(lastHealth?.health === 'unhealthy' ? 'unhealthy-restart' : 'docker-restart', ev);
  }
  const start = events.find((e) => e.action === 'start');
  if (start) {
    const ev = events.filter((e) => e.action !== 'health_status').map(ev2evidence);
    if (input.inspect?.oomKilled)
      return result(
        'oom-kill',
        [
          ...ev,
          { at: input.inspect.at ?? start.at, source: 'docker', detail: 'docker inspect: State.OOMKilled = true' },
        ],
        137,
      );
    ev.push({ at: start.at, source: 'docker', detail: 'the container started again; how it went down was not seen' });
    return result('unknown', ev);
  }

  if (drops.length > 0) return result('process-restart', drops.map(dropEvidence));

  if (input.failureKind === 'unreachable' || input.failureKind === 'timeout') {
    if (input.inspect?.running !== false) {
      const ev: Evidence[] = [
        {
          at: input.lossAt,
          source: 'mcp',
          detail: `server ${input.failureKind === 'timeout' ? 'timed out' : 'unreachable'} while no container event was seen`,
        },
      ];
      if (input.inspect?.running)
        ev.push({ at: input.inspect.at ?? input.lossAt, source: 'docker', detail: 'the container kept running' });
      return result('network', ev);
    }
  }
  const ev: Evidence[] = events.map(ev2evidence);
  if (input.inspect?.running === false)
    ev.push({
      at: input.inspect.at ?? input.lossAt,
      source: 'docker',
      detail: `the container is not running (exit ${input.inspect.exitCode ?? '?'})`,
    });
  return result('unknown', ev);
}

/**
 * True when a `kill` event of the same container (since its last start, within 30 s) came before
 * this death: `docker stop`, `docker kill`, `docker restart` and compose down all send one; a crash
 * or an OOM kill by the kernel does not.
 */
export function killedBeforeDeath(events: readonly ContainerEvent[], die: ContainerEvent): boolean {
  const dieMs = Date.parse(die.at);
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e === die || e.containerId !== die.containerId || cmp(e, die) > 0) continue;
    if (e.action === 'start' || dieMs - Date.parse(e.at) > KILL_BEFORE_DIE_MS) return false;
    if (e.action === 'kill') return true;
  }
  return false;
}

function dropEvidence(d: UptimeDrop): Evidence {
  return {
    at: d.at,
    source: 'health',
    detail: `server uptime dropped from ${Math.round(d.fromSeconds)} s to ${Math.round(d.toSeconds)} s`,
  };
}

export function findLastIndex<T>(xs: readonly T[], pred: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (pred(xs[i]!)) return i;
  return -1;
}
