// Unit tests for src/core/down.ts (calm until something is lost) and the Docker fact it reads
// (`killedBeforeDeath`), and for how the status bar and tree render it (src/vscode/present.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { killedBeforeDeath } from '../../src/core/docker/diagnose';
import { parseEngineEvent, type ContainerEvent } from '../../src/core/docker/events';
import type { ContainerSnapshot } from '../../src/core/docker/snapshot';
import { whyDown } from '../../src/core/down';
import { CALM_DOWN_REASONS, DOWN_REASONS, type ServerSnapshot, type ServerState } from '../../src/core/server-state';
import { describe as describeServer, lookOfServer, tooltipLine, worst } from '../../src/vscode/present';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
/** The monitor started (the window opened) at T0. */
const WATCHING_SINCE = T0;

function ev(ms: number, action: string, attrs: Record<string, string> = {}, id = 'c0ffee'): ContainerEvent {
  const e = parseEngineEvent({
    Type: 'container',
    Action: action,
    Actor: { ID: id, Attributes: { name: 'archon-mcp', ...attrs } },
    timeNano: String(BigInt(T0 + ms) * 1_000_000n) as unknown as number,
  });
  assert.ok(e, action);
  return e;
}

function container(overrides: Partial<ContainerSnapshot> = {}): ContainerSnapshot {
  return {
    configuredName: 'archon-mcp',
    matchedName: 'archon-mcp',
    matchedFallback: false,
    containerId: 'c0ffee',
    state: 'exited',
    health: 'none',
    restarts: 0,
    oomKills: 0,
    memoryPressure: false,
    connected: true,
    updatedAt: at(0),
    ...overrides,
  };
}

function snap(state: ServerState, overrides: Partial<ServerSnapshot> = {}, c?: ContainerSnapshot): ServerSnapshot {
  return {
    name: 'Archon',
    url: 'http://localhost:8051/mcp',
    configuredTransport: 'auto',
    state,
    stateSince: at(0),
    heals: 0,
    healAttempts: 0,
    transitions: [],
    patterns: [],
    ...(c ? { container: c } : {}),
    ...overrides,
  };
}

const reached = { firstReachedAt: at(1_000) };

describe('killedBeforeDeath', () => {
  it('docker stop (kill 15, die, stop) and docker kill (kill 9, die 137) were meant', () => {
    const stop = [ev(0, 'kill', { signal: '15' }), ev(40, 'die', { exitCode: '0' }), ev(60, 'stop')];
    assert.equal(killedBeforeDeath(stop, stop[1]!), true);
    const kill = [ev(0, 'kill', { signal: '9' }), ev(20, 'die', { exitCode: '137' })];
    assert.equal(killedBeforeDeath(kill, kill[1]!), true);
  });
  it('a crash, an OOM kill, or a kill before the last start, or of another container, was not', () => {
    const crash = [ev(0, 'start'), ev(5_000, 'die', { exitCode: '3' })];
    assert.equal(killedBeforeDeath(crash, crash[1]!), false);
    const oom = [ev(0, 'oom'), ev(30, 'die', { exitCode: '137' })];
    assert.equal(killedBeforeDeath(oom, oom[1]!), false);
    const old = [ev(0, 'kill'), ev(10, 'die'), ev(20, 'start'), ev(9_000, 'die', { exitCode: '1' })];
    assert.equal(killedBeforeDeath(old, old[3]!), false);
    const other = [ev(0, 'kill', {}, 'beef'), ev(10, 'die', { exitCode: '1' })];
    assert.equal(killedBeforeDeath(other, other[1]!), false);
    const stale = [ev(0, 'kill'), ev(60_000, 'die', { exitCode: '1' })];
    assert.equal(killedBeforeDeath(stale, stale[1]!), false, 'a kill a minute earlier is not why it died');
  });
});

describe('whyDown: calm until something is lost', () => {
  it('up, connecting and healing servers are not "down"; nor is a session loss Docker does not explain', () => {
    for (const state of ['healthy', 'degraded', 'connecting', 'healing'] as const)
      assert.equal(whyDown(snap(state), WATCHING_SINCE), undefined, state);
    assert.equal(whyDown(snap('session-lost', reached), WATCHING_SINCE), undefined);
    assert.equal(whyDown(snap('session-lost', reached, container({ state: 'running' })), WATCHING_SINCE), undefined);
  });

  it('session-lost while the container is down (the monitor probes on in that state): the container says why', () => {
    const stopped = whyDown(
      snap(
        'session-lost',
        reached,
        container({ lastDeath: { at: at(5_000), exitCode: 0, oomKilled: false, deliberate: true } }),
      ),
      WATCHING_SINCE,
    );
    assert.deepEqual({ reason: stopped?.reason, calm: stopped?.calm }, { reason: 'stopped-on-purpose', calm: true });
    const crash = whyDown(
      snap('session-lost', reached, container({ lastDeath: { at: at(5_000), exitCode: 1, oomKilled: false } })),
      WATCHING_SINCE,
    );
    assert.deepEqual({ reason: crash?.reason, calm: crash?.calm }, { reason: 'crash', calm: false });
  });

  it('never reached since the window opened: calm, whatever Docker says about the past', () => {
    const d = whyDown(snap('unreachable'), WATCHING_SINCE);
    assert.deepEqual({ reason: d?.reason, calm: d?.calm }, { reason: 'not-started', calm: true });
    // Stopped yesterday with exit 137 (not seen happen): still calm, and startable.
    const old = whyDown(
      snap('unreachable', {}, container({ lastDeath: { at: at(-86_400_000), exitCode: 137, oomKilled: false } })),
      WATCHING_SINCE,
    );
    assert.equal(old?.reason, 'not-started');
    assert.equal(old?.startableContainer, 'archon-mcp');
    assert.match(old!.detail, /not running/);
  });

  it('a container that never started (created) or is missing: calm; only a created one is startable', () => {
    assert.equal(
      whyDown(snap('unreachable', {}, container({ state: 'created' })), WATCHING_SINCE)?.startableContainer,
      'archon-mcp',
    );
    const missing = whyDown(
      snap('unreachable', {}, container({ state: 'missing', containerId: undefined })),
      WATCHING_SINCE,
    );
    assert.equal(missing?.reason, 'not-started');
    assert.equal(missing?.startableContainer, undefined);
  });

  it('stopped on purpose while watched (docker stop, compose down): calm', () => {
    const stopped = whyDown(
      snap(
        'unreachable',
        reached,
        container({ lastDeath: { at: at(5_000), exitCode: 0, oomKilled: false, deliberate: true } }),
      ),
      WATCHING_SINCE,
    );
    assert.deepEqual(
      { reason: stopped?.reason, calm: stopped?.calm, start: stopped?.startableContainer },
      { reason: 'stopped-on-purpose', calm: true, start: 'archon-mcp' },
    );
    const down = whyDown(
      snap(
        'unreachable',
        reached,
        container({
          state: 'missing',
          containerId: undefined,
          lastDeath: { at: at(5_000), exitCode: 0, oomKilled: false, deliberate: true },
        }),
      ),
      WATCHING_SINCE,
    );
    assert.equal(down?.reason, 'stopped-on-purpose');
    assert.equal(down?.startableContainer, undefined, 'a removed container cannot be started');
    assert.match(down!.detail, /compose down/);
  });

  it('a crash or an OOM kill is a loss, even before the server was ever reached', () => {
    const crash = whyDown(
      snap('unreachable', {}, container({ lastDeath: { at: at(5_000), exitCode: 3, oomKilled: false } })),
      WATCHING_SINCE,
    );
    assert.deepEqual({ reason: crash?.reason, calm: crash?.calm }, { reason: 'crash', calm: false });
    assert.match(crash!.detail, /exit 3/);
    const oom = whyDown(
      snap(
        'unreachable',
        reached,
        container({ lastDeath: { at: at(5_000), exitCode: 137, oomKilled: true, deliberate: true } }),
      ),
      WATCHING_SINCE,
    );
    assert.deepEqual({ reason: oom?.reason, calm: oom?.calm }, { reason: 'oom-kill', calm: false });
  });

  it('a server that was healthy and vanished (no Docker, or its container still runs) is a loss', () => {
    assert.equal(whyDown(snap('unreachable', reached), WATCHING_SINCE)?.reason, 'vanished');
    const running = whyDown(
      snap(
        'unreachable',
        reached,
        container({ state: 'running', lastDeath: { at: at(5_000), oomKilled: false, deliberate: true } }),
      ),
      WATCHING_SINCE,
    );
    assert.deepEqual({ reason: running?.reason, calm: running?.calm }, { reason: 'vanished', calm: false });
  });

  it('healing that gave up is a loss', () => {
    assert.deepEqual(whyDown(snap('needs-attention', reached), WATCHING_SINCE)?.reason, 'heal-failed');
  });

  it('a Docker problem (engine unreachable) gives no container facts', () => {
    const c = container({
      problem: { code: 'socket-missing', message: 'No Docker engine', at: at(0) },
      lastDeath: { at: at(5_000), oomKilled: false, exitCode: 1 },
    });
    assert.equal(whyDown(snap('unreachable', reached, c), WATCHING_SINCE)?.reason, 'vanished');
  });

  it('the vocabulary: calm reasons are a subset of the closed union', () => {
    for (const r of CALM_DOWN_REASONS) assert.ok(DOWN_REASONS.includes(r));
    assert.deepEqual([...CALM_DOWN_REASONS].sort(), ['not-started', 'stopped-on-purpose']);
  });
});

describe('rendering a calm server', () => {
  const calm = snap('unreachable', {
    down: {
      reason: 'not-started',
      calm: true,
      detail: 'Archon has not been reached since the window opened',
      startableContainer: 'archon-mcp',
    },
  });
  const lost = snap('unreachable', {
    ...reached,
    down: { reason: 'vanished', calm: false, detail: 'Archon was healthy and went away' },
  });

  it('looks neutral and says "not running"; a loss keeps the error look', () => {
    assert.deepEqual(lookOfServer(calm), { icon: 'circle-slash', tone: 'idle', label: 'not running' });
    assert.equal(lookOfServer(lost).tone, 'error');
    assert.equal(lookOfServer(lost).label, 'unreachable');
    assert.equal(describeServer(calm), 'not running');
    assert.match(tooltipLine(calm), /not running · Archon has not been reached/);
  });

  it('ranks just above healthy: any real trouble elsewhere shows instead', () => {
    const healthy = snap('healthy', { name: 'Other' });
    assert.equal(worst([healthy, calm]), calm);
    assert.equal(worst([calm, snap('degraded', { name: 'Slow' })])?.name, 'Slow');
    assert.equal(worst([calm, lost])?.down?.reason, 'vanished');
  });
});
