// A bounded log of failures and state changes, and the recurring patterns found in it.
import type { Failure, FailureRecord, PatternReport, ServerState } from './types';

export const PATTERN_WINDOW_MS = 30 * 60_000;
const MAX_FAILURES = 200;
const MAX_STATE_CHANGES = 200;
export const SOON_AFTER_RESTART_S = 5 * 60;
const REPEATED_ON_SESSION = 3;
const FLAP_CHANGES = 4;
const FLAP_WINDOW_MS = 10 * 60_000;

/**
 * A failure with its time and context, always built as one literal with every field in one order.
 * Not `{ ...failure, at }`: on Node 20's V8 an object spread followed by more properties gives each
 * result its own hidden class (map, descriptors, dependent code), and the log keeps 200 of them.
 */
export function failureRecord(failure: Failure, at: string, sessionId?: string, serverUptimeSeconds?: number): FailureRecord {
  return {
    kind: failure.kind,
    message: failure.message,
    httpStatus: failure.httpStatus,
    bodyExcerpt: failure.bodyExcerpt,
    errorCode: failure.errorCode,
    at,
    sessionId,
    serverUptimeSeconds,
  };
}

/** Keeps the newest items, dropping those older than the window or beyond the capacity. */
export class RollingWindow<T extends { at: string }> {
  private items: T[] = [];
  constructor(private readonly capacity: number, private readonly windowMs: number) {}
  add(item: T, now: number): void {
    this.items.push(item);
    this.prune(now);
  }
  prune(now: number): void {
    const oldest = now - this.windowMs;
    let drop = Math.max(0, this.items.length - this.capacity);
    while (drop < this.items.length && Date.parse(this.items[drop].at) < oldest) drop++;
    if (drop > 0) this.items.splice(0, drop);
  }
  list(): readonly T[] {
    return this.items;
  }
}

/**
 * Detects patterns and reports each once when it starts: a pattern that was quiet for a whole
 * window and shows again starts a new episode.
 */
export class PatternTracker {
  private readonly reports = new Map<string, PatternReport>();
  private readonly failures = new RollingWindow<FailureRecord>(MAX_FAILURES, PATTERN_WINDOW_MS);
  private readonly changes = new RollingWindow<{ at: string; healthy: boolean }>(MAX_STATE_CHANGES, FLAP_WINDOW_MS);

  /** Records a pattern sighting; returns the report when this starts a new episode (so it is announced once). */
  sight(id: string, title: string, detail: string, now: number): PatternReport | undefined {
    const at = new Date(now).toISOString();
    const known = this.reports.get(id);
    if (known && now - Date.parse(known.lastSeen) < PATTERN_WINDOW_MS) {
      // A literal, not a spread plus changes: one hidden class for every report (see failureRecord).
      this.reports.set(id, { id, title: known.title, detail, firstSeen: known.firstSeen, lastSeen: at, count: known.count + 1 });
      return undefined;
    }
    const report = { id, title, detail, firstSeen: at, lastSeen: at, count: 1 };
    this.reports.set(id, report);
    return { ...report };
  }

  /** Adds a failure and returns the patterns that started because of it. */
  recordFailure(failure: FailureRecord, now: number): PatternReport[] {
    this.failures.add(failure, now);
    const started: PatternReport[] = [];
    const push = (r: PatternReport | undefined) => r && started.push(r);
    if (failure.serverUptimeSeconds !== undefined && failure.serverUptimeSeconds < SOON_AFTER_RESTART_S) {
      push(this.sight('soon-after-restart', 'Failures soon after a server restart',
        `failure (${failure.kind}) ${Math.round(failure.serverUptimeSeconds)} s after the server started`, now));
    }
    if (failure.sessionId) {
      const onSession = this.failures.list().filter((f) => f.sessionId === failure.sessionId).length;
      if (onSession >= REPEATED_ON_SESSION) {
        push(this.sight('repeated-session-failures', 'Repeated failures on one session',
          `${onSession} failures on one session within ${PATTERN_WINDOW_MS / 60_000} minutes`, now));
      }
    }
    return started;
  }

  /** Adds a state change and returns the flapping pattern if it just started. */
  recordState(state: ServerState, now: number): PatternReport[] {
    const healthy = state === 'healthy' || state === 'degraded';
    const last = this.changes.list().at(-1);
    if (last && last.healthy === healthy) return [];
    if (state === 'connecting' || state === 'healing') return [];
    this.changes.add({ at: new Date(now).toISOString(), healthy }, now);
    const drops = this.changes.list().filter((c) => !c.healthy).length;
    if (drops < FLAP_CHANGES) return [];
    const r = this.sight('flapping', 'Flapping', `${drops} losses within ${FLAP_WINDOW_MS / 60_000} minutes`, now);
    return r ? [r] : [];
  }

  recentFailures(): readonly FailureRecord[] {
    return this.failures.list();
  }

  /** Patterns seen within the last few windows (a quiet one is kept a while for the report), newest first. */
  active(now: number): PatternReport[] {
    this.failures.prune(now);
    for (const [id, r] of this.reports) if (now - Date.parse(r.lastSeen) >= PATTERN_WINDOW_MS * 4) this.reports.delete(id);
    return [...this.reports.values()].sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
  }
}
