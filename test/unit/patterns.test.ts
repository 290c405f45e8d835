// Unit tests for src/core/patterns.ts: the bounded rolling window and pattern episodes, on simulated time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import {
  FailureLog,
  failureRecord,
  MAX_FAILURES,
  PATTERN_WINDOW_MS,
  PatternTracker,
  RollingWindow,
  SOON_AFTER_RESTART_S,
} from '../../src/core/patterns';
import type { Failure, FailureKind, FailureRecord, ServerState } from '../../src/core/server-state';

const T0 = Date.parse('2026-11-20T08:00:00.000Z');
const SEC = 1_000;
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function failure(
  now: number,
  extra: Partial<FailureRecord> = {},
  kind: FailureKind = 'unknown-session',
): FailureRecord {
  return { at: iso(now), kind, message: `failure at ${iso(now)}`, ...extra };
}

describe('RollingWindow', () => {
  it('stays within its capacity after 100 000 inserts', () => {
    const w = new RollingWindow<{ at: string; n: number }>(50, 24 * 3600_000);
    for (let i = 0; i < 100_000; i++) {
      const now = T0 + i * 10;
      w.add({ at: iso(now), n: i }, now);
      assert.ok(w.list().length <= 50);
    }
    assert.equal(w.list().length, 50);
    assert.equal(w.list()[0].n, 100_000 - 50, 'keeps the newest');
    assert.equal(w.list().at(-1)!.n, 99_999);
  });

  it('stays within its age window after 100 000 inserts over a simulated week', () => {
    const windowMs = 60 * SEC;
    const w = new RollingWindow<{ at: string }>(10_000, windowMs);
    const step = 6 * SEC; // 100 000 × 6 s ≈ 7 days
    for (let i = 0; i < 100_000; i++) {
      const now = T0 + i * step;
      w.add({ at: iso(now) }, now);
    }
    const now = T0 + 99_999 * step;
    assert.ok(w.list().length <= windowMs / step + 1, `${w.list().length} items`);
    for (const item of w.list()) assert.ok(Date.parse(item.at) >= now - windowMs);
  });

  it('keeps items in insertion order, oldest first', () => {
    const w = new RollingWindow<{ at: string; n: number }>(10, MIN);
    for (let i = 0; i < 5; i++) w.add({ at: iso(T0 + i * SEC), n: i }, T0 + i * SEC);
    assert.deepEqual(
      w.list().map((x) => x.n),
      [0, 1, 2, 3, 4],
    );
  });

  it('prune(now) drops items older than the window even without a new insert', () => {
    const w = new RollingWindow<{ at: string }>(10, MIN);
    w.add({ at: iso(T0) }, T0);
    w.add({ at: iso(T0 + 30 * SEC) }, T0 + 30 * SEC);
    assert.equal(w.list().length, 2);
    w.prune(T0 + 70 * SEC);
    assert.equal(w.list().length, 1);
    assert.equal(w.list()[0].at, iso(T0 + 30 * SEC));
    w.prune(T0 + 10 * MIN);
    assert.equal(w.list().length, 0);
  });

  it('an item exactly at the window edge is kept', () => {
    const w = new RollingWindow<{ at: string }>(10, MIN);
    w.add({ at: iso(T0) }, T0);
    w.prune(T0 + MIN);
    assert.equal(w.list().length, 1);
  });
});

describe('PatternTracker: failures soon after a restart', () => {
  it(`is reported when the server uptime is under ${SOON_AFTER_RESTART_S} s`, () => {
    const t = new PatternTracker();
    const started = t.recordFailure(failure(T0, { serverUptimeSeconds: 12.4 }), T0);
    assert.equal(started.length, 1);
    assert.equal(started[0].id, 'soon-after-restart');
    assert.equal(started[0].count, 1);
    assert.equal(started[0].firstSeen, iso(T0));
    assert.match(started[0].detail, /12 s after the server started/);
    assert.match(started[0].detail, /unknown-session/);
  });

  it('is not reported at or above 300 s of uptime, nor without an uptime', () => {
    const t = new PatternTracker();
    assert.deepEqual(t.recordFailure(failure(T0, { serverUptimeSeconds: SOON_AFTER_RESTART_S }), T0), []);
    assert.deepEqual(t.recordFailure(failure(T0 + SEC, { serverUptimeSeconds: 3600 }), T0 + SEC), []);
    assert.deepEqual(t.recordFailure(failure(T0 + 2 * SEC), T0 + 2 * SEC), []);
    assert.deepEqual(t.active(T0 + 3 * SEC), []);
  });

  it('uptime 0 counts (a server that just started)', () => {
    const t = new PatternTracker();
    assert.equal(t.recordFailure(failure(T0, { serverUptimeSeconds: 0 }), T0).length, 1);
  });

  it('is reported once per episode, then counted', () => {
    const t = new PatternTracker();
    assert.equal(t.recordFailure(failure(T0, { serverUptimeSeconds: 5 }), T0).length, 1);
    for (let i = 1; i <= 20; i++) {
      const now = T0 + i * MIN;
      assert.deepEqual(
        t.recordFailure(failure(now, { serverUptimeSeconds: 5 }), now),
        [],
        `sighting ${i} re-announced`,
      );
    }
    const [active] = t.active(T0 + 20 * MIN);
    assert.equal(active.id, 'soon-after-restart');
    assert.equal(active.count, 21);
    assert.equal(active.firstSeen, iso(T0));
    assert.equal(active.lastSeen, iso(T0 + 20 * MIN));
  });

  it('is reported again after a quiet window (a new episode)', () => {
    const t = new PatternTracker();
    t.recordFailure(failure(T0, { serverUptimeSeconds: 5 }), T0);
    const later = T0 + PATTERN_WINDOW_MS + SEC;
    const again = t.recordFailure(failure(later, { serverUptimeSeconds: 5 }), later);
    assert.equal(again.length, 1);
    assert.equal(again[0].count, 1, 'a new episode starts counting again');
    assert.equal(again[0].firstSeen, iso(later));
  });

  it('sightings within the window keep the episode open even past one window from its start', () => {
    const t = new PatternTracker();
    // Every 20 minutes for 3 hours: never quiet for a whole window, so never re-announced.
    let announced = 0;
    for (let now = T0; now <= T0 + 180 * MIN; now += 20 * MIN) {
      announced += t.recordFailure(failure(now, { serverUptimeSeconds: 5 }), now).length;
    }
    assert.equal(announced, 1);
  });
});

describe('PatternTracker: repeated failures on one session', () => {
  it('is reported at the third failure on the same session', () => {
    const t = new PatternTracker();
    assert.deepEqual(t.recordFailure(failure(T0, { sessionId: 'sess-A' }), T0), []);
    assert.deepEqual(t.recordFailure(failure(T0 + MIN, { sessionId: 'sess-A' }), T0 + MIN), []);
    const third = t.recordFailure(failure(T0 + 2 * MIN, { sessionId: 'sess-A' }), T0 + 2 * MIN);
    assert.equal(third.length, 1);
    assert.equal(third[0].id, 'repeated-session-failures');
    assert.match(third[0].detail, /^3 failures on one session within 30 minutes$/);
  });

  it('is reported once per episode', () => {
    const t = new PatternTracker();
    const reports = [];
    for (let i = 0; i < 10; i++)
      reports.push(...t.recordFailure(failure(T0 + i * MIN, { sessionId: 'sess-A' }), T0 + i * MIN));
    assert.equal(reports.length, 1);
    assert.match(t.active(T0 + 10 * MIN)[0].detail, /^10 failures/);
  });

  it('failures on different sessions do not add up', () => {
    const t = new PatternTracker();
    for (let i = 0; i < 10; i++) {
      assert.deepEqual(t.recordFailure(failure(T0 + i * MIN, { sessionId: `sess-${i}` }), T0 + i * MIN), []);
    }
    assert.deepEqual(
      t.recordFailure(failure(T0 + 11 * MIN, { sessionId: 'sess-0' }), T0 + 11 * MIN),
      [],
      'only 2 on sess-0',
    );
  });

  it('failures without a session id never make this pattern', () => {
    const t = new PatternTracker();
    for (let i = 0; i < 10; i++) assert.deepEqual(t.recordFailure(failure(T0 + i * SEC), T0 + i * SEC), []);
  });

  it('failures further apart than the window do not count together', () => {
    const t = new PatternTracker();
    for (let i = 0; i < 6; i++) {
      const now = T0 + i * (PATTERN_WINDOW_MS / 2 + SEC);
      assert.deepEqual(t.recordFailure(failure(now, { sessionId: 'sess-A' }), now), [], `failure ${i}`);
    }
  });

  it('one failure can start two patterns at once', () => {
    const t = new PatternTracker();
    t.recordFailure(failure(T0, { sessionId: 's' }), T0);
    t.recordFailure(failure(T0 + SEC, { sessionId: 's' }), T0 + SEC);
    const both = t.recordFailure(failure(T0 + 2 * SEC, { sessionId: 's', serverUptimeSeconds: 3 }), T0 + 2 * SEC);
    assert.deepEqual(both.map((r) => r.id).sort(), ['repeated-session-failures', 'soon-after-restart']);
  });
});

describe('PatternTracker: flapping', () => {
  /** healthy → lost → healing → healthy, `losses` times, `gapMs` apart. Returns every report. */
  function flap(
    t: PatternTracker,
    start: number,
    losses: number,
    gapMs: number,
    lostState: ServerState = 'session-lost',
  ) {
    const reports = [];
    reports.push(...t.recordState('healthy', start));
    for (let i = 0; i < losses; i++) {
      const at = start + (i + 1) * gapMs;
      reports.push(...t.recordState(lostState, at));
      reports.push(...t.recordState('healing', at + SEC));
      reports.push(...t.recordState('healthy', at + 2 * SEC));
    }
    return reports;
  }

  it('is reported at the fourth loss within 10 minutes', () => {
    const t = new PatternTracker();
    t.recordState('connecting', T0);
    t.recordState('healthy', T0 + SEC);
    const seen: string[][] = [];
    const states: ServerState[] = ['session-lost', 'unreachable', 'needs-attention', 'session-lost'];
    states.forEach((s, i) => {
      const at = T0 + (i + 1) * MIN;
      seen.push(t.recordState(s, at).map((r) => r.id));
      t.recordState('healthy', at + 10 * SEC);
    });
    assert.deepEqual(seen, [[], [], [], ['flapping']]);
    assert.match(t.active(T0 + 5 * MIN)[0].detail, /^4 losses within 10 minutes$/);
  });

  it('is reported once per episode however long it flaps', () => {
    const t = new PatternTracker();
    const reports = flap(t, T0, 50, MIN);
    assert.equal(reports.length, 1);
    assert.equal(reports[0].id, 'flapping');
    assert.ok(t.active(T0 + 51 * MIN)[0].count > 1, 'later sightings are counted');
  });

  it('three losses are not flapping', () => {
    const t = new PatternTracker();
    assert.deepEqual(flap(t, T0, 3, MIN), []);
  });

  it('losses more than 10 minutes apart are not flapping', () => {
    const t = new PatternTracker();
    assert.deepEqual(flap(t, T0, 20, 4 * MIN), []);
  });

  it('repeating the same state, or connecting/healing, is not counted as a new loss', () => {
    const t = new PatternTracker();
    t.recordState('healthy', T0);
    for (let i = 1; i <= 20; i++) {
      const s: ServerState = (['unreachable', 'healing', 'connecting', 'session-lost'] as const)[i % 4];
      assert.deepEqual(t.recordState(s, T0 + i * SEC), [], `step ${i} (${s})`);
    }
  });

  it('degraded counts as up: healthy ↔ degraded never flaps', () => {
    const t = new PatternTracker();
    for (let i = 0; i < 40; i++) assert.deepEqual(t.recordState(i % 2 ? 'degraded' : 'healthy', T0 + i * SEC), []);
  });

  it('is reported again after a quiet window', () => {
    const t = new PatternTracker();
    assert.equal(flap(t, T0, 4, MIN).length, 1);
    const later = T0 + 5 * MIN + PATTERN_WINDOW_MS + MIN;
    const again = flap(t, later, 4, MIN);
    assert.equal(again.length, 1);
    assert.equal(again[0].firstSeen, iso(later + 4 * MIN), 'a new episode starts at its fourth loss');
  });
});

describe('PatternTracker: active() and memory', () => {
  it('lists active patterns newest first', () => {
    const t = new PatternTracker();
    t.recordFailure(failure(T0, { serverUptimeSeconds: 5 }), T0);
    for (let i = 0; i < 3; i++) t.recordFailure(failure(T0 + (i + 1) * MIN, { sessionId: 's' }), T0 + (i + 1) * MIN);
    const ids = t.active(T0 + 5 * MIN).map((p) => p.id);
    assert.deepEqual(ids, ['repeated-session-failures', 'soon-after-restart']);
  });

  it('keeps a pattern for a while, then drops it once very old', () => {
    const t = new PatternTracker();
    t.recordFailure(failure(T0, { serverUptimeSeconds: 5 }), T0);
    assert.equal(t.active(T0 + PATTERN_WINDOW_MS - SEC).length, 1);
    assert.equal(t.active(T0 + 24 * 3600_000).length, 0, 'gone a day later');
  });

  it('active() also prunes the failure log by age', () => {
    const t = new PatternTracker();
    t.recordFailure(failure(T0, { sessionId: 's' }), T0);
    assert.equal(t.recentFailures().length, 1);
    t.active(T0 + PATTERN_WINDOW_MS + SEC);
    assert.equal(t.recentFailures().length, 0);
  });

  it('a simulated week of constant failures and flapping keeps memory bounded', () => {
    const t = new PatternTracker();
    const step = 6 * SEC;
    let announced = 0;
    for (let i = 0; i < 100_000; i++) {
      const now = T0 + i * step;
      announced += t.recordFailure(
        failure(now, { sessionId: `s-${Math.floor(i / 5)}`, serverUptimeSeconds: (i % 100) * 6 }),
        now,
      ).length;
      announced += t.recordState(i % 2 ? 'healthy' : 'unreachable', now).length;
    }
    const end = T0 + 100_000 * step;
    assert.equal(t.recentFailures().length, MAX_FAILURES, 'the newest failures, no more');
    for (const f of t.recentFailures()) assert.ok(Date.parse(f.at) >= end - PATTERN_WINDOW_MS - step);
    const active = t.active(end);
    assert.ok(active.length <= 3, `${active.length} patterns kept`);
    // Constant trouble is one long episode per pattern, not a report every few seconds.
    assert.ok(announced <= 3, `${announced} announcements over a week`);
  });
});

describe('failureRecord: one hidden class for the whole log', () => {
  // V8's own answer to "do these objects share a map", through its natives syntax (enabled for the
  // functions compiled after this call only).
  setFlagsFromString('--allow-natives-syntax');
  const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
  const distinctMaps = (objects: readonly object[]) =>
    objects.reduce<object[]>((reps, o) => (reps.some((r) => sameMap(r, o)) ? reps : [...reps, o]), []).length;
  // Failures as classify.ts builds them: the plain kind and the kind with an HTTP answer spread in.
  const failures = (n: number): Failure[] =>
    Array.from({ length: n }, (_, i) =>
      i % 2
        ? { kind: 'unreachable', message: `down ${i}`, errorCode: 'ECONNREFUSED' }
        : { ...{ httpStatus: 404, bodyExcerpt: 'Session not found' }, kind: 'unknown-session', message: `gone ${i}` },
    );

  it('200 records from failures of two shapes, with and without session and uptime, share one map', () => {
    const records = failures(200).map((f, i) =>
      failureRecord(f, iso(T0 + i * SEC), i % 3 ? `s-${i}` : undefined, i % 5 ? i * 1.5 : undefined),
    );
    assert.equal(distinctMaps(records), 1);
    // The check itself can fail: a spread plus properties (what the monitor did) gives a map per record.
    // Compiled by V8 itself, as the shipped bundle is: the test's own transform may lower the spread.
    // (How many maps depends on the spread site's inline cache: a site that only ever sees one source
    // shape, as the monitor's did, makes one per object; one that saw many shapes shares them.)
    const spreadRecord = new Function('f', 'at', 'sessionId', 'return { ...f, at, sessionId }') as (
      f: Failure,
      at: string,
      s: string,
    ) => FailureRecord;
    const unreachable = (i: number): Failure => ({
      kind: 'unreachable',
      message: `down ${i}`,
      errorCode: 'ECONNREFUSED',
    });
    const spread = Array.from({ length: 200 }, (_, i) => spreadRecord(unreachable(i), iso(T0 + i * SEC), `s-${i}`));
    assert.ok(distinctMaps(spread) > 100, `spread records: ${distinctMaps(spread)} maps`);
  });

  it('keeps every field of the failure and its context', () => {
    const f: Failure = {
      kind: 'unknown-session',
      message: 'gone',
      httpStatus: 400,
      bodyExcerpt: 'Bad Request',
      errorCode: undefined,
    };
    assert.deepEqual(failureRecord(f, iso(T0), 'abc', 12), {
      ...f,
      at: iso(T0),
      sessionId: 'abc',
      serverUptimeSeconds: 12,
    });
  });

  it('pattern reports keep one map as they are sighted again', () => {
    const t = new PatternTracker();
    for (let i = 0; i < 50; i++)
      t.recordFailure(failure(T0 + i * SEC, { sessionId: 's', serverUptimeSeconds: 10 }), T0 + i * SEC);
    const reports = t.active(T0 + 50 * SEC);
    assert.equal(reports.length, 2);
    assert.equal(distinctMaps(reports), 1);
    assert.ok(
      reports.every((r) => r.count > 1),
      'sighted more than once (replaced, not the first object)',
    );
  });
});

describe('FailureLog: the compact failure history', () => {
  const rec = (i: number): FailureRecord =>
    failureRecord(
      {
        kind: i % 2 ? 'unreachable' : 'unknown-session',
        message: `m${i}`,
        httpStatus: i % 2 ? undefined : 404,
        bodyExcerpt: 'not kept',
        errorCode: i % 2 ? 'ECONNREFUSED' : undefined,
      },
      iso(T0 + i * SEC),
      `s-${i % 3}`,
      7,
    );

  it('gives back what pattern detection and the report read, oldest first, the newest `capacity` of them', () => {
    const log = new FailureLog(4, PATTERN_WINDOW_MS);
    for (let i = 0; i < 7; i++) log.add(rec(i), T0 + i * SEC);
    const kept = log.list();
    assert.equal(log.size, 4);
    assert.deepEqual(
      kept.map((r) => r.message),
      ['m3', 'm4', 'm5', 'm6'],
    );
    assert.deepEqual(kept[0], {
      kind: 'unreachable',
      message: 'm3',
      httpStatus: undefined,
      bodyExcerpt: undefined,
      errorCode: 'ECONNREFUSED',
      at: iso(T0 + 3 * SEC),
      sessionId: 's-0',
      serverUptimeSeconds: undefined,
    });
    assert.deepEqual(kept[1], {
      kind: 'unknown-session',
      message: 'm4',
      httpStatus: 404,
      bodyExcerpt: undefined,
      errorCode: undefined,
      at: iso(T0 + 4 * SEC),
      sessionId: 's-1',
      serverUptimeSeconds: undefined,
    });
    assert.equal(log.countOnSession('s-0'), 2, 'm3 and m6');
    assert.equal(log.countOnSession('s-2'), 1, 'm5 (m2 was dropped)');
  });

  it('drops records older than the window, also across the ring edge', () => {
    const log = new FailureLog(3, MIN);
    for (let i = 0; i < 5; i++) log.add(rec(i), T0 + i * SEC);
    log.prune(T0 + 3 * SEC + MIN);
    assert.deepEqual(
      log.list().map((r) => r.message),
      ['m3', 'm4'],
    );
    log.prune(T0 + 10 * MIN);
    assert.equal(log.size, 0);
    log.add(rec(600), T0 + 10 * MIN);
    assert.deepEqual(
      log.list().map((r) => r.message),
      ['m600'],
    );
  });

  it('every failure kind and HTTP status comes back as it went in', () => {
    const log = new FailureLog(20, PATTERN_WINDOW_MS);
    const kinds: FailureKind[] = [
      'unknown-session',
      'unreachable',
      'timeout',
      'server-error',
      'auth',
      'era-mismatch',
      'unknown-method',
      'protocol',
    ];
    kinds.forEach((kind, i) =>
      log.add(
        failureRecord({ kind, message: kind, httpStatus: i ? 400 + i * 33 : undefined }, iso(T0 + i), undefined),
        T0 + i,
      ),
    );
    assert.deepEqual(
      log.list().map((r) => [r.kind, r.httpStatus]),
      kinds.map((k, i) => [k, i ? 400 + i * 33 : undefined]),
    );
  });
});
