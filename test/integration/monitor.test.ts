// The monitor against real MCP servers run as child processes: healthy, restart, heal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ServerMonitor } from '../../src/core/monitor';
import { MemorySessionStore } from '../../src/core/session-store';
import {
  DEFAULT_MONITOR_OPTIONS,
  type MonitorOptions,
  type ServerConfig,
  type ServerSnapshot,
  type ServerState,
  type Transition,
} from '../../src/core/server-state';
import type { ServerKind } from '../helpers/servers';
import { monitorSuite, waitFor } from '../helpers/monitor';

const FAST: MonitorOptions = { ...DEFAULT_MONITOR_OPTIONS, pingIntervalMs: 2_000, pingTimeoutMs: 2_000 };

/** A monitor plus a record of every transition it made. */
function watch(config: ServerConfig, options: MonitorOptions = FAST, store = new MemorySessionStore()) {
  const transitions: Transition[] = [];
  const monitor = new ServerMonitor(config, options, { store });
  monitor.onDidChange((_s, t) => t && transitions.push(t));
  monitor.start();
  return { monitor, transitions, store };
}

const inState = (state: ServerState) => (s: ServerSnapshot) => s.state === state;

const KINDS: { kind: ServerKind; transport: ServerConfig['transport']; health?: boolean }[] = [
  { kind: 'fixture', transport: 'auto', health: true },
  { kind: 'everything-streamable', transport: 'streamable-http' },
  { kind: 'sdk-example', transport: 'auto' },
  { kind: 'everything-sse', transport: 'auto' },
];

const { monitors, serve } = monitorSuite();

for (const { kind, transport, health } of KINDS) {
  describe(`against ${kind}`, () => {
    test('healthy, then through a kill-and-restart on the same port to healthy with a new session', async () => {
      const server = await serve(kind);
      const { monitor, transitions } = watch({
        name: kind,
        url: server.url,
        transport,
        healthUrl: health ? server.healthUrl : undefined,
      });
      monitors.push(monitor);
      const first = await waitFor(monitor, inState('healthy'), 'first healthy');
      const firstSession = first.sessionId;
      if (kind !== 'everything-sse') assert.ok(firstSession, 'a session id after initialize');
      assert.equal(first.transport, kind === 'everything-sse' ? 'sse' : 'streamable-http');
      assert.ok(first.serverInfo?.name, 'server info recorded');

      const seen = transitions.length;
      await server.restart();
      await waitFor(monitor, (s) => s.state === 'healthy' && s.heals >= 1, 'healthy after restart');
      const path = transitions.slice(seen).map((t) => t.to);
      assert.ok(
        path.includes('session-lost') || path.includes('unreachable'),
        `passed through a loss: ${path.join(' → ')}`,
      );
      assert.equal(path.at(-1), 'healthy');
      if (firstSession) assert.notEqual(monitor.snapshot.sessionId, firstSession, 'a new session id');
      assert.ok(monitor.snapshot.lastHeal, 'heal recorded');
      await monitor.stop();
    });
  });
}

describe('outages and bad answers', () => {
  test('server down for 10 s, then back: healthy again on its own', async () => {
    const server = await serve('fixture');
    const { monitor, transitions } = watch({
      name: 'down10',
      url: server.url,
      transport: 'auto',
      healthUrl: server.healthUrl,
    });
    monitors.push(monitor);
    await waitFor(
      monitor,
      (s) => s.state === 'healthy' && s.health?.uptimeSeconds !== undefined,
      'healthy with an uptime reading',
    );
    await server.kill();
    await waitFor(monitor, inState('unreachable'), 'unreachable');
    await new Promise((r) => setTimeout(r, 10_000));
    assert.equal(monitor.snapshot.state, 'unreachable', 'still unreachable while down');
    assert.equal(monitor.snapshot.lastFailure?.kind, 'unreachable');
    await server.restart();
    const healed = await waitFor(monitor, inState('healthy'), 'healthy after outage');
    assert.ok(healed.lastHeal);
    assert.ok(
      transitions.some((t) => t.to === 'session-lost'),
      'the lost session was recorded with a cause',
    );
    assert.equal(healed.lastLoss?.cause, 'process-restart', 'uptime drop on /health names a process restart');
    await monitor.stop();
  });

  test('a non-MCP HTML server: protocol, with a clear message, no crash', async () => {
    const server = await serve('html');
    const { monitor } = watch(
      { name: 'html', url: server.url, transport: 'auto' },
      { ...FAST, maxAutoHealAttempts: 2 },
    );
    monitors.push(monitor);
    const s = await waitFor(monitor, (x) => x.lastFailure !== undefined, 'a failure');
    assert.equal(s.lastFailure?.kind, 'protocol');
    assert.match(s.lastFailure!.message, /not an mcp|not an answer an mcp server gives|no mcp endpoint/i);
    await waitFor(monitor, inState('needs-attention'), 'needs-attention after the heal budget', 15_000);
    await monitor.stop();
  });

  for (const garbageMode of ['invalid-json', 'random-bytes', 'bad-sse'] as const) {
    test(`a garbage answer (${garbageMode}): protocol, no crash`, async () => {
      const server = await serve('garbage', { garbageMode });
      const { monitor } = watch(
        { name: `garbage-${garbageMode}`, url: server.url, transport: 'streamable-http' },
        { ...FAST, maxAutoHealAttempts: 1 },
      );
      monitors.push(monitor);
      const s = await waitFor(monitor, (x) => x.lastFailure !== undefined, 'a failure');
      assert.ok(
        ['protocol', 'timeout'].includes(s.lastFailure!.kind),
        `kind ${s.lastFailure!.kind}: ${s.lastFailure!.message}`,
      );
      assert.ok(s.lastFailure!.message.length > 10);
      await monitor.stop();
    });
  }

  test('unreachable from the start: unreachable, then healthy when the server appears', async () => {
    const server = await serve('fixture');
    await server.kill();
    const { monitor } = watch({ name: 'late', url: server.url, transport: 'auto' });
    monitors.push(monitor);
    await waitFor(monitor, inState('unreachable'), 'unreachable');
    await server.restart();
    await waitFor(monitor, inState('healthy'), 'healthy');
    await monitor.stop();
  });
});

describe('healing choices', () => {
  test('a stored session the server still has is resumed after a "reload"', async () => {
    const server = await serve('fixture');
    const store = new MemorySessionStore();
    const a = watch({ name: 'reload', url: server.url, transport: 'auto' }, FAST, store);
    monitors.push(a.monitor);
    const first = await waitFor(a.monitor, inState('healthy'), 'healthy');
    await a.monitor.stop();
    const b = watch({ name: 'reload', url: server.url, transport: 'auto' }, FAST, store);
    monitors.push(b.monitor);
    const second = await waitFor(b.monitor, inState('healthy'), 'healthy after reload');
    assert.equal(second.sessionId, first.sessionId, 'same session id');
    assert.equal(b.transitions[0].reason, 'resumed');
    await b.monitor.stop();
  });

  test('a stored session the server lost is replaced by a fresh one', async () => {
    const server = await serve('fixture');
    const store = new MemorySessionStore();
    const a = watch({ name: 'stale', url: server.url, transport: 'auto' }, FAST, store);
    monitors.push(a.monitor);
    const first = await waitFor(a.monitor, inState('healthy'), 'healthy');
    await a.monitor.stop();
    await server.restart();
    const b = watch({ name: 'stale', url: server.url, transport: 'auto' }, FAST, store);
    monitors.push(b.monitor);
    const second = await waitFor(b.monitor, inState('healthy'), 'healthy');
    assert.notEqual(second.sessionId, first.sessionId);
    await b.monitor.stop();
  });

  test('autoHeal off: a lost session goes to needs-attention and stays there', async () => {
    const server = await serve('fixture');
    const { monitor, transitions } = watch(
      { name: 'manual', url: server.url, transport: 'auto' },
      { ...FAST, autoHeal: false },
    );
    monitors.push(monitor);
    await waitFor(monitor, inState('healthy'), 'healthy');
    await server.restart();
    await waitFor(monitor, inState('needs-attention'), 'needs-attention');
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(monitor.snapshot.state, 'needs-attention');
    assert.ok(!transitions.slice(1).some((t) => t.to === 'healthy'), 'no automatic heal');
    await monitor.reconnect();
    assert.equal(monitor.snapshot.state, 'healthy', 'a person can reconnect');
    await monitor.stop();
  });

  test('reconnect() gives a fresh session on a healthy server', async () => {
    const server = await serve('fixture');
    const { monitor } = watch({ name: 'manual2', url: server.url, transport: 'auto' });
    monitors.push(monitor);
    const first = await waitFor(monitor, inState('healthy'), 'healthy');
    const before = first.sessionId;
    await monitor.reconnect();
    assert.equal(monitor.snapshot.state, 'healthy');
    assert.notEqual(monitor.snapshot.sessionId, before);
    await monitor.stop();
  });

  test('a 404-answering server (newer Python SDK style) heals too', async () => {
    const server = await serve('fixture', { unknownSessionStatus: 404 });
    const { monitor, transitions } = watch({ name: 'py404', url: server.url, transport: 'auto' });
    monitors.push(monitor);
    await waitFor(monitor, inState('healthy'), 'healthy');
    const seen = transitions.length;
    await server.restart();
    await waitFor(monitor, (s) => s.state === 'healthy' && s.heals >= 1, 'healed');
    assert.ok(transitions.slice(seen).some((t) => t.to === 'session-lost' || t.to === 'unreachable'));
    await monitor.stop();
  });
});
