// When the Docker watcher calls a restart, and what it says caused it (pure logic over events).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerAction, ContainerEvent } from '../../src/core/docker/events';
import { resolveRestart, restartReady, type PendingRestart } from '../../src/core/docker/restart-resolution';

const T0 = Date.parse('2026-12-01T22:00:00.000Z');
const ev = (action: ContainerAction, dtMs: number, extra: Partial<ContainerEvent> = {}): ContainerEvent => ({
  at: new Date(T0 + dtMs).toISOString(),
  timeNano: String((T0 + dtMs) * 1e6),
  action,
  rawAction: action,
  containerId: 'c1',
  ...extra,
});
const pending = (over: Partial<PendingRestart> = {}): PendingRestart => ({
  count: 1,
  instanceId: 'c1@new',
  previousInstanceId: 'c1@old',
  startedAtMs: T0 + 1000,
  previousStartedAtMs: T0 - 60_000,
  detectedAtMs: T0 + 1100,
  facts: { at: new Date(T0 + 1100).toISOString(), running: true, health: 'none' },
  ...over,
});
const SETTLE = 400;

describe('restart resolution', () => {
  it('a crash restarted by its policy (die, start, no stop) is called at once', () => {
    const h = [ev('die', 0, { exitCode: 3 }), ev('start', 1000)];
    assert.equal(restartReady(pending(), h, T0 + 1100, SETTLE), true);
    const r = resolveRestart(pending(), h, []);
    assert.equal(r.inferred, false);
    assert.equal(r.at, h[1]!.at);
    assert.equal(r.diagnosis.cause, 'crash');
  });

  it('kill, die, stop, start waits for the restart event (docker restart) or the settle time', () => {
    const h = [ev('kill', -200), ev('die', 0, { exitCode: 137 }), ev('stop', 50), ev('start', 1000)];
    assert.equal(
      restartReady(pending(), h, T0 + 1200, SETTLE),
      false,
      'a stop: maybe docker stop + start, maybe docker restart',
    );
    assert.equal(restartReady(pending(), [...h, ev('restart', 1010)], T0 + 1200, SETTLE), true);
    assert.equal(restartReady(pending(), h, T0 + 1100 + SETTLE, SETTLE), true, 'after the settle time');
    assert.equal(resolveRestart(pending(), [...h, ev('restart', 1010)], []).diagnosis.cause, 'docker-restart');
  });

  it("docker restarts less than 2 s apart: the previous instance's start and restart events do not call this one early", () => {
    // Seen with fastmcp in a container: restart #4's start/restart 1.7 s before this instance's start, then kill,
    // die, stop; this instance's start event not in yet when inspect sees it. Calling it then said "stopped and started".
    const p = pending({ previousStartedAtMs: T0 - 700 });
    const h = [
      ev('start', -700),
      ev('restart', -699),
      ev('kill', -300, { signal: '15' }),
      ev('die', -50, { exitCode: 0 }),
      ev('stop', 0),
    ];
    assert.equal(restartReady(p, h, T0 + 1150, SETTLE), false, "waits for this instance's own events");
    const later = [...h, ev('start', 1000), ev('restart', 1001)];
    assert.equal(restartReady(p, later, T0 + 1150, SETTLE), true);
    assert.equal(resolveRestart(p, later, []).diagnosis.cause, 'docker-restart');
  });

  it('no start event: called after the settle time + 1 s, and marked inferred', () => {
    assert.equal(restartReady(pending(), [], T0 + 1100 + SETTLE + 999, SETTLE), false);
    assert.equal(restartReady(pending(), [], T0 + 1100 + SETTLE + 1000, SETTLE), true);
    const r = resolveRestart(pending(), [], []);
    assert.equal(r.inferred, true);
    assert.equal(r.at, new Date(T0 + 1000).toISOString());
    assert.ok(
      r.diagnosis.evidence.some((e) => /while the watcher was not connected/.test(e.detail)),
      JSON.stringify(r.diagnosis),
    );
  });

  it('an engine outage between the two instances makes it a Docker engine restart', () => {
    const r = resolveRestart(pending(), [], [{ from: T0 - 5000, to: T0 + 500 }]);
    assert.equal(r.diagnosis.cause, 'docker-restart');
    assert.equal(r.diagnosis.label, 'Docker engine restart');
    assert.ok(r.diagnosis.evidence.some((e) => /the Docker engine went away for 6 s/.test(e.detail)));
    assert.notEqual(
      resolveRestart(pending(), [], [{ from: T0 - 120_000, to: T0 - 100_000 }]).diagnosis.label,
      'Docker engine restart',
      'an outage before the old instance started says nothing',
    );
  });
});
