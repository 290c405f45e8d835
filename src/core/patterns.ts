// A bounded log of failures and state changes, and the recurring patterns found in it.
import { FAILURE_KINDS, type Failure, type FailureRecord, type PatternReport, type ServerState } from './server-state';

export const PATTERN_WINDOW_MS = 30 * 60_000;
/**
 * Failures kept per server (the seed's "last 10"): what the repeated-session pattern counts (3 on one
 * session within the window) and what the report's "Recent failures" table shows.
 */
export const MAX_FAILURES = 10;
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
export function failureRecord(
  failure: Failure,
  at: string,
  sessionId?: string,
  serverUptimeSeconds?: number,
): FailureRecord {
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
  constructor(
    private readonly capacity: number,
    private readonly windowMs: number,
  ) {}
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
 * The kept failures, compact (issue 21: under 128 bytes a record instead of about 340): time, kind and
 * HTTP status as two doubles, the message, error code and session id by reference, equal messages and
 * codes kept once. What only a single
 * failure needs (the body excerpt, the uptime the pattern reads at once) stays in the snapshot's
 * `lastFailure`. A ring: no allocation per record beyond what the failure brought.
 */
export class FailureLog {
  /**
   * Per slot: the time (ms), then kind index × 1000 + HTTP status (0: none). A plain array of doubles
   * (V8 keeps them unboxed, on the heap): no ArrayBuffer behind it. Made at the first failure.
   */
  private numbers: number[] | undefined;
  /** Per slot: message, error code, session id. */
  private refs: (string | undefined)[] | undefined;
  /** The slot of the oldest record, and how many there are. */
  private start = 0;
  private count = 0;

  constructor(
    private readonly capacity: number,
    private readonly windowMs: number,
  ) {}

  get size(): number {
    return this.count;
  }

  add(f: FailureRecord, now: number): void {
    const numbers = (this.numbers ??= new Array<number>(this.capacity * 2).fill(0.5));
    const refs = (this.refs ??= new Array<string | undefined>(this.capacity * 3).fill(undefined));
    const slot = (this.start + this.count) % this.capacity;
    if (this.count === this.capacity) this.start = (this.start + 1) % this.capacity;
    else this.count++;
    const status = f.httpStatus !== undefined && f.httpStatus > 0 && f.httpStatus < 1000 ? f.httpStatus : 0;
    numbers[slot * 2] = Date.parse(f.at);
    numbers[slot * 2 + 1] = Math.max(0, FAILURE_KINDS.indexOf(f.kind)) * 1000 + status;
    // A message like one already kept is kept once: a server that keeps failing the same way (a restart
    // loop, a refused port) fills its log with one sentence, built anew each time.
    refs[slot * 3] = shared(refs, f.message);
    refs[slot * 3 + 1] = shared(refs, f.errorCode);
    refs[slot * 3 + 2] = f.sessionId;
    this.prune(now);
  }

  prune(now: number): void {
    const { numbers, refs } = this;
    if (!numbers || !refs) return;
    const oldest = now - this.windowMs;
    while (this.count > 0 && numbers[this.start * 2] < oldest) {
      refs[this.start * 3] = refs[this.start * 3 + 1] = refs[this.start * 3 + 2] = undefined;
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
  }

  /** How many kept failures happened on `sessionId`. */
  countOnSession(sessionId: string): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.refs![((this.start + i) % this.capacity) * 3 + 2] === sessionId) n++;
    return n;
  }

  /** The kept failures as records, oldest first (built on demand: the report asks rarely). */
  list(): FailureRecord[] {
    const out: FailureRecord[] = [];
    const { numbers, refs } = this;
    for (let i = 0; numbers && refs && i < this.count; i++) {
      const slot = (this.start + i) % this.capacity;
      const packed = numbers[slot * 2 + 1];
      const status = packed % 1000;
      const failure: Failure = {
        kind: FAILURE_KINDS[Math.floor(packed / 1000)],
        message: refs[slot * 3] ?? '',
        httpStatus: status || undefined,
        bodyExcerpt: undefined,
        errorCode: refs[slot * 3 + 1],
      };
      out.push(failureRecord(failure, new Date(numbers[slot * 2]).toISOString(), refs[slot * 3 + 2]));
    }
    return out;
  }
}

/** `value`, or the equal string already in `kept` (so that it is kept once). */
function shared(kept: (string | undefined)[], value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  for (const k of kept) if (k === value) return k;
  return value;
}

/**
 * Detects patterns and reports each once when it starts: a pattern that was quiet for a whole
 * window and shows again starts a new episode.
 */
export class PatternTracker {
  /** Made at the first sighting: a server without patterns keeps no map. */
  private reports: Map<string, PatternReport> | undefined;
  /** Made at the first failure: a server that never failed keeps no log (issue 21). */
  private failures: FailureLog | undefined;
  /** Whether the last recorded state change was to a healthy state (undefined before the first). */
  private lastHealthy: boolean | undefined;
  /** When the server was lost (ms), within the flap window: all that flapping counts. Made at the first loss. */
  private drops: number[] | undefined;

  /** Records a pattern sighting; returns the report when this starts a new episode (so it is announced once). */
  sight(id: string, title: string, detail: string, now: number): PatternReport | undefined {
    const at = new Date(now).toISOString();
    const reports = (this.reports ??= new Map());
    const known = reports.get(id);
    if (known && now - Date.parse(known.lastSeen) < PATTERN_WINDOW_MS) {
      // A literal, not a spread plus changes: one hidden class for every report (see failureRecord).
      reports.set(id, {
        id,
        title: known.title,
        detail,
        firstSeen: known.firstSeen,
        lastSeen: at,
        count: known.count + 1,
      });
      return undefined;
    }
    const report = { id, title, detail, firstSeen: at, lastSeen: at, count: 1 };
    reports.set(id, report);
    return { ...report };
  }

  /** Adds a failure and returns the patterns that started because of it. */
  recordFailure(failure: FailureRecord, now: number): PatternReport[] {
    const failures = (this.failures ??= new FailureLog(MAX_FAILURES, PATTERN_WINDOW_MS));
    failures.add(failure, now);
    const started: PatternReport[] = [];
    const push = (r: PatternReport | undefined) => r && started.push(r);
    if (failure.serverUptimeSeconds !== undefined && failure.serverUptimeSeconds < SOON_AFTER_RESTART_S) {
      push(
        this.sight(
          'soon-after-restart',
          'Failures soon after a server restart',
          `failure (${failure.kind}) ${Math.round(failure.serverUptimeSeconds)} s after the server started`,
          now,
        ),
      );
    }
    if (failure.sessionId) {
      const onSession = failures.countOnSession(failure.sessionId);
      if (onSession >= REPEATED_ON_SESSION) {
        push(
          this.sight(
            'repeated-session-failures',
            'Repeated failures on one session',
            `${onSession} failures on one session within ${PATTERN_WINDOW_MS / 60_000} minutes`,
            now,
          ),
        );
      }
    }
    return started;
  }

  /** Adds a state change and returns the flapping pattern if it just started. */
  recordState(state: ServerState, now: number): PatternReport[] {
    const healthy = state === 'healthy' || state === 'degraded';
    if (this.lastHealthy === healthy) return [];
    if (state === 'connecting' || state === 'healing') return [];
    this.lastHealthy = healthy;
    if (healthy) return [];
    const list = (this.drops ??= []);
    list.push(now);
    let old = Math.max(0, list.length - MAX_STATE_CHANGES);
    while (old < list.length && list[old] < now - FLAP_WINDOW_MS) old++;
    if (old > 0) list.splice(0, old);
    const drops = list.length;
    if (drops < FLAP_CHANGES) return [];
    const r = this.sight('flapping', 'Flapping', `${drops} losses within ${FLAP_WINDOW_MS / 60_000} minutes`, now);
    return r ? [r] : [];
  }

  /** The kept failures (at most MAX_FAILURES, within the window), oldest first, without body excerpts. */
  recentFailures(): readonly FailureRecord[] {
    return this.failures?.list() ?? [];
  }

  /** Patterns seen within the last few windows (a quiet one is kept a while for the report), newest first. */
  active(now: number): PatternReport[] {
    this.failures?.prune(now);
    const reports = this.reports;
    if (!reports) return [];
    for (const [id, r] of reports) if (now - Date.parse(r.lastSeen) >= PATTERN_WINDOW_MS * 4) reports.delete(id);
    return [...reports.values()].sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
  }
}
