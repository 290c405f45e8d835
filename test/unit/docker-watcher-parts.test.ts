// The pure parts of the Docker watcher: finding the container by name (and its legacy name), what an
// inspect answer and container events make of the snapshot, the coalesced inspect queue and the
// restart tracker. The watcher as a whole runs against a real engine in test/docker/.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Dockerode from 'dockerode';
import { findContainer, InspectQueue, watchedNames } from '../../src/core/docker/container-lookup';
import { ContainerRecord } from '../../src/core/docker/container-record';
import type { ContainerAction, ContainerEvent } from '../../src/core/docker/events';
import { RestartTracker, type ContainerRestart, type PendingRestart } from '../../src/core/docker/restart-resolution';

const T0 = Date.parse('2026-12-01T22:00:00.000Z');
const iso = (dtMs: number) => new Date(T0 + dtMs).toISOString();
const ev = (action: ContainerAction, dtMs: number, extra: Partial<ContainerEvent> = {}): ContainerEvent => ({
  at: iso(dtMs),
  timeNano: String((T0 + dtMs) * 1e6),
  action,
  rawAction: action,
  containerId: 'c1',
  ...extra,
});
const listed = (names: string[], state = 'running', id = `${names[0]}-id-0123456789`) =>
  ({ Id: id, Names: names.map((n) => `/${n}`), State: state }) as Dockerode.ContainerInfo;

interface InspectState {
  status?: string;
  running?: boolean;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oom?: boolean;
  health?: string;
  output?: string;
}
function inspectAnswer(s: InspectState = {}): Dockerode.ContainerInspectInfo {
  const running = s.running ?? true;
  return {
    Id: 'c1c1c1c1c1c1c1c1',
    State: {
      Status: s.status ?? (running ? 'running' : 'exited'),
      Running: running,
      StartedAt: s.startedAt ?? iso(0),
      FinishedAt: s.finishedAt ?? '0001-01-01T00:00:00Z',
      ExitCode: s.exitCode ?? 0,
      OOMKilled: s.oom ?? false,
      ...(s.health ? { Health: { Status: s.health, FailingStreak: 0, Log: [{ Output: `${s.output ?? ''}\n` }] } } : {}),
    },
    RestartCount: 0,
    HostConfig: { Memory: 64 * 1024 * 1024, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } },
    Config: { Healthcheck: { Test: ['CMD-SHELL', 'curl -f localhost:8051/health'], Interval: 30e9, Retries: 3 } },
  } as unknown as Dockerode.ContainerInspectInfo;
}

describe('docker watcher parts: container lookup', () => {
  it('archon-mcp falls back to its legacy name Archon-MCP; other names have no fallback unless given', () => {
    assert.deepEqual(watchedNames('archon-mcp'), ['archon-mcp', 'Archon-MCP']);
    assert.deepEqual(watchedNames('Archon-MCP'), ['Archon-MCP'], 'the legacy name itself is not tried twice');
    assert.deepEqual(watchedNames('my-mcp'), ['my-mcp']);
    assert.deepEqual(watchedNames('archon-mcp', ['old', 'archon-mcp']), ['archon-mcp', 'old']);
  });

  it('the configured name wins over a fallback; a fallback is found when the configured one is missing', () => {
    const names = watchedNames('archon-mcp');
    const both = [listed(['Archon-MCP'], 'running', 'legacy'), listed(['archon-mcp'], 'exited', 'current')];
    assert.deepEqual(findContainer(both, names), { found: true, name: 'archon-mcp', id: 'current' });
    assert.deepEqual(findContainer([both[0]!], names), { found: true, name: 'Archon-MCP', id: 'legacy' });
  });

  it('nothing by those names: the running containers are named (a nameless one by its short id) to suggest one', () => {
    const r = findContainer(
      [
        listed(['web']),
        listed(['db'], 'exited'),
        { Id: 'abcdef0123456789', State: 'running' } as Dockerode.ContainerInfo,
      ],
      ['archon-mcp'],
    );
    assert.deepEqual(r, { found: false, running: ['web', 'abcdef012345'] });
  });

  it('the inspect queue runs a request that came during an inspect once more afterwards, not once per request', async () => {
    const runs: number[] = [];
    let release: () => void = () => undefined;
    const q = new InspectQueue(
      () => true,
      (seq) => {
        runs.push(seq);
        return runs.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
    );
    const first = q.now();
    q.request();
    q.request();
    q.request();
    assert.deepEqual(runs, [1]);
    release();
    await first;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(runs, [1, 2]);
    assert.equal(q.seq, 2);
    const idle = new InspectQueue(
      () => false,
      async () => assert.fail('not ready: no inspect'),
    );
    await idle.now();
    assert.equal(idle.seq, 0);
  });
});

describe('docker watcher parts: the container record', () => {
  it('an inspect fills the snapshot; a second one with a new start time is a restart to resolve', () => {
    const r = new ContainerRecord('archon-mcp');
    r.found('Archon-MCP', 'c1c1c1c1c1c1c1c1');
    assert.equal(r.snap.matchedFallback, true);
    assert.deepEqual(r.applyInspect(inspectAnswer(), 1), {}, 'the first instance seen is no restart');
    assert.equal(r.snap.state, 'running');
    assert.equal(r.snap.instanceId, `c1c1c1c1c1c1@${iso(0)}`);
    assert.equal(r.snap.restartPolicy, 'on-failure:3');
    assert.deepEqual(r.snap.healthcheck, { test: 'curl -f localhost:8051/health', intervalSeconds: 30, retries: 3 });
    assert.deepEqual(r.applyInspect(inspectAnswer(), 2), {}, 'the same instance again');
    const out = r.applyInspect(inspectAnswer({ startedAt: iso(5000) }), 3);
    assert.equal(out.restart?.count, 1);
    assert.equal(out.restart?.previousInstanceId, `c1c1c1c1c1c1@${iso(0)}`);
    assert.equal(out.restart?.startedAtMs, T0 + 5000);
    assert.equal(out.restart?.previousStartedAtMs, T0);
    assert.equal(r.snap.restarts, 1);
  });

  it('an exited instance: its death is kept from inspect, OOMKilled included; a never-started one has no instance', () => {
    const r = new ContainerRecord('archon-mcp');
    r.applyInspect(inspectAnswer({ running: false, finishedAt: iso(9000), exitCode: 137, oom: true }), 1);
    assert.deepEqual(r.snap.lastDeath, {
      at: iso(9000),
      exitCode: 137,
      oomKilled: true,
      instanceId: `c1c1c1c1c1c1@${iso(0)}`,
    });
    assert.equal(r.inspectFacts().oomKilled, true);
    assert.equal(r.inspectFacts().exitCode, 137);
    const fresh = new ContainerRecord('x');
    fresh.applyInspect(inspectAnswer({ status: 'created', running: false, startedAt: '0001-01-01T00:00:00Z' }), 1);
    assert.equal(fresh.snap.state, 'created');
    assert.equal(fresh.snap.instanceId, undefined);
    assert.equal(fresh.snap.lastDeath, undefined);
  });

  it('oom then die: the death is an OOM kill; kill then die: deliberate; a start clears the OOM', () => {
    const r = new ContainerRecord('archon-mcp');
    r.applyInspect(inspectAnswer(), 1);
    for (const e of [ev('oom', 100), ev('die', 120, { exitCode: 137 })]) r.remember(e);
    assert.equal(r.applyEvent(ev('oom', 100), 1), undefined);
    const down = r.applyEvent(r.history[1]!, 1);
    assert.equal(down?.oom, true);
    assert.equal(down?.exitCode, 137);
    assert.equal(down?.instanceId, `c1c1c1c1c1c1@${iso(0)}`);
    assert.equal(r.snap.state, 'exited');
    assert.equal(r.snap.oomKills, 1);
    assert.equal(r.snap.lastDeath?.oomKilled, true);
    assert.equal(r.snap.lastDeath?.deliberate, undefined);
    r.remember(ev('start', 2000));
    r.applyEvent(r.history[2]!, 1);
    assert.equal(r.snap.state, 'running');
    for (const e of [ev('kill', 3000, { signal: 'SIGTERM' }), ev('die', 3100, { exitCode: 0 })]) r.remember(e);
    r.applyEvent(r.history[3]!, 1);
    const stopped = r.applyEvent(r.history[4]!, 1);
    assert.equal(stopped?.oom, false, 'the OOM was before the last start');
    assert.equal(r.snap.lastDeath?.deliberate, true);
  });

  it('a health change waits for an inspect that started after it, and carries its output', () => {
    const r = new ContainerRecord('archon-mcp');
    r.applyInspect(inspectAnswer({ health: 'healthy', output: 'ok' }), 1);
    r.applyEvent(ev('health_status', 100, { rawAction: 'health_status: unhealthy', health: 'unhealthy' }), 1);
    assert.equal(r.snap.health, 'unhealthy');
    assert.equal(r.healthDue(1), undefined, 'inspect 1 started before the event');
    const out = r.applyInspect(inspectAnswer({ health: 'unhealthy', output: 'connection refused' }), 2);
    assert.deepEqual(out.health, {
      at: iso(100),
      status: 'unhealthy',
      previous: 'healthy',
      output: 'connection refused',
    });
    assert.equal(r.healthDue(3), undefined, 'emitted once');
  });

  it('the history keeps the newest events only', () => {
    const r = new ContainerRecord('x', { historySize: 2 });
    for (let i = 0; i < 5; i++) r.remember(ev('start', i));
    assert.deepEqual(
      r.history.map((e) => e.at),
      [iso(3), iso(4)],
    );
  });
});

describe('docker watcher parts: the restart tracker', () => {
  const pending = (over: Partial<PendingRestart> = {}): PendingRestart => ({
    count: 1,
    instanceId: 'c1@new',
    previousInstanceId: 'c1@old',
    startedAtMs: T0 + 1000,
    previousStartedAtMs: T0 - 60_000,
    detectedAtMs: Date.now(),
    facts: { at: iso(1100), running: true, health: 'none' },
    ...over,
  });

  it('a crash restart whose start event is in is called at once; a newer instance calls the waiting one at once', () => {
    const history: ContainerEvent[] = [];
    const resolved: ContainerRestart[] = [];
    const t = new RestartTracker(
      { history: () => history, outages: () => [], resolved: (r) => resolved.push(r) },
      { restartSettleMs: 60_000 },
    );
    history.push(ev('die', 0, { exitCode: 3 }), ev('start', 1000));
    t.newInstance(pending());
    assert.deepEqual(
      resolved.map((r) => [r.count, r.diagnosis.cause, r.inferred]),
      [[1, 'crash', false]],
    );
    // docker restart: kill, die, stop, start — waits for the restart event (the settle time is long here).
    history.push(ev('kill', 5000), ev('die', 5100, { exitCode: 137 }), ev('stop', 5150), ev('start', 6000));
    t.newInstance(
      pending({
        count: 2,
        instanceId: 'c1@3',
        previousInstanceId: 'c1@new',
        startedAtMs: T0 + 6000,
        previousStartedAtMs: T0 + 1000,
      }),
    );
    assert.equal(resolved.length, 1, 'a stop: waiting for a restart event');
    history.push(ev('restart', 6010));
    t.eventArrived();
    assert.deepEqual(
      resolved.map((r) => [r.count, r.diagnosis.cause]),
      [
        [1, 'crash'],
        [2, 'docker-restart'],
      ],
    );
    history.push(ev('kill', 9000), ev('die', 9100), ev('stop', 9150), ev('start', 10_000));
    t.newInstance(pending({ count: 3, instanceId: 'c1@4', startedAtMs: T0 + 10_000 }));
    t.newInstance(pending({ count: 4, instanceId: 'c1@5', startedAtMs: T0 + 20_000 }));
    assert.equal(resolved[2]?.count, 3, 'the waiting restart is called when a newer instance appears');
    t.stop();
  });
});
