// The monitor on both protocol eras, against real servers run as child processes: the modern-only
// fixture (v2 server package, 2026-07-28, no sessions) and the Archon-like fixture (2025, sessions).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ServerMonitor } from '../../src/core/monitor';
import { MemorySessionStore } from '../../src/core/session-store';
import {
  DEFAULT_MONITOR_OPTIONS,
  type MonitorOptions,
  type ServerConfig,
  type ServerSnapshot,
  type Transition,
} from '../../src/core/server-state';
import { monitorSuite, waitFor } from '../helpers/monitor';

const FAST: MonitorOptions = { ...DEFAULT_MONITOR_OPTIONS, pingIntervalMs: 1_000, pingTimeoutMs: 2_000 };

const { monitors, serve } = monitorSuite();

function watch(config: ServerConfig, options: MonitorOptions = FAST) {
  const transitions: Transition[] = [];
  const monitor = new ServerMonitor(config, options, { store: new MemorySessionStore() });
  monitors.push(monitor);
  monitor.onDidChange((_s, t) => t && transitions.push(t));
  monitor.start();
  return { monitor, transitions };
}

const healthyAfter = (heals: number) => (s: ServerSnapshot) =>
  s.state === 'healthy' && s.heals >= heals && s.lastPing !== undefined;

describe('monitor on the 2026-07-28-only server', () => {
  test('healthy over server/discover, era 2026-07-28, no session; a restart is seen with its cause and healed', async () => {
    const server = await serve('modern');
    const { monitor, transitions } = watch({
      name: 'modern',
      url: server.url,
      transport: 'auto',
      healthUrl: server.healthUrl,
    });
    const first = await waitFor(
      monitor,
      (s) => s.state === 'healthy' && s.lastPing !== undefined && (s.health?.uptimeSeconds ?? 0) >= 1,
      'healthy with a probe and 1 s of uptime',
    );
    assert.equal(first.era, '2026-07-28');
    assert.equal(first.protocolVersion, '2026-07-28');
    assert.equal(first.sessionId, undefined, 'a modern server has no protocol session');
    assert.equal(first.serverInfo?.name, 'modern-mcp');
    assert.equal(first.transport, 'streamable-http');
    assert.ok(
      !transitions.some((t) => t.failure),
      `no failure on the way to healthy: ${transitions.map((t) => t.reason).join(', ')}`,
    );

    const seen = transitions.length;
    await server.restart();
    const healed = await waitFor(monitor, healthyAfter(1), 'healthy after the restart');
    const after = transitions.slice(seen);
    const incident = after.find((t) => t.to === 'session-lost');
    assert.ok(incident, `the restart is an incident: ${after.map((t) => `${t.to}(${t.reason})`).join(' → ')}`);
    assert.equal(incident.loss?.cause, 'process-restart', 'the uptime drop names the cause');
    assert.match(incident.failure?.message ?? '', /restarted.*no protocol session/);
    assert.equal(healed.lastLoss?.cause, 'process-restart');
    assert.ok(
      healed.lastLoss?.evidence.some((e) => e.source === 'health' && /uptime/.test(e.detail)),
      'the uptime reading is the evidence',
    );
    assert.equal(healed.era, '2026-07-28', 'the era is kept');
    assert.equal(after.at(-1)?.to, 'healthy');
    await monitor.stop();
  });

  test('without a health endpoint a restart into a new build is seen from the changed server/discover answer', async () => {
    const server = await serve('modern', { env: { SERVER_VERSION: '1.0.0' } });
    const { monitor, transitions } = watch({ name: 'modern-discover', url: server.url, transport: 'auto' });
    await waitFor(monitor, (s) => s.state === 'healthy' && s.lastPing !== undefined, 'healthy');
    const seen = transitions.length;
    await server.restart({ env: { SERVER_VERSION: '1.1.0' } });
    const healed = await waitFor(
      monitor,
      (s) => healthyAfter(1)(s) && s.serverInfo?.version === '1.1.0',
      'healthy on the new build',
    );
    const incident = transitions.slice(seen).find((t) => t.to === 'session-lost');
    assert.ok(
      incident,
      `the restart is an incident: ${transitions
        .slice(seen)
        .map((t) => `${t.to}(${t.reason})`)
        .join(' → ')}`,
    );
    assert.equal(incident.loss?.cause, 'process-restart');
    assert.ok(
      healed.lastLoss?.evidence.some((e) =>
        /server\/discover names modern-mcp 1\.1\.0, it named modern-mcp 1\.0\.0/.test(e.detail),
      ),
      `the discover change is the evidence: ${JSON.stringify(healed.lastLoss?.evidence)}`,
    );
    await monitor.stop();
  });
});

describe('monitor on the 2026-07-28-only server, between probes', () => {
  test('the subscriptions/listen stream breaking shows a restart at once, long before the next probe', async () => {
    const server = await serve('modern', { env: { SERVER_VERSION: '2.0.0' } });
    // A probe interval longer than the test's wait: only the broken stream can bring the news.
    const { monitor, transitions } = watch(
      { name: 'modern-listen', url: server.url, transport: 'auto' },
      { ...FAST, pingIntervalMs: 120_000 },
    );
    await waitFor(monitor, (s) => s.state === 'healthy' && s.lastPing !== undefined, 'healthy');
    const seen = transitions.length;
    await server.restart({ env: { SERVER_VERSION: '2.0.1' } });
    const healed = await waitFor(
      monitor,
      (s) => s.state === 'healthy' && s.serverInfo?.version === '2.0.1',
      'healthy on the new build',
      15_000,
    );
    const incident = transitions.slice(seen).find((t) => t.to === 'session-lost');
    assert.ok(
      incident,
      `the restart is an incident: ${transitions
        .slice(seen)
        .map((t) => `${t.to}(${t.reason})`)
        .join(' → ')}`,
    );
    assert.equal(incident.loss?.cause, 'process-restart');
    assert.equal(healed.era, '2026-07-28');
    await monitor.stop();
  });
});

describe('monitor on the 2025 Archon-like server', () => {
  test('era 2025 with a session; a restart is a session loss healed with a new session, as before', async () => {
    const server = await serve('fixture');
    const { monitor, transitions } = watch({
      name: 'archon',
      url: server.url,
      transport: 'auto',
      healthUrl: server.healthUrl,
    });
    const first = await waitFor(monitor, (s) => s.state === 'healthy' && s.lastPing !== undefined, 'healthy');
    assert.equal(first.era, '2025');
    assert.match(first.protocolVersion ?? '', /^2025-/);
    assert.ok(first.sessionId, 'a 2025 session');
    const firstSession = first.sessionId;
    const seen = transitions.length;
    await server.restart();
    const healed = await waitFor(monitor, healthyAfter(1), 'healthy after the restart');
    assert.ok(transitions.slice(seen).some((t) => t.to === 'session-lost' || t.to === 'unreachable'));
    assert.notEqual(healed.sessionId, firstSession, 'a new session');
    assert.equal(healed.era, '2025');
    await monitor.stop();
  });
});

describe('monitor when the server changes era', () => {
  test('a 2025 server replaced by a 2026-07-28-only one on the same port: era-mismatch, negotiated again, never protocol', async () => {
    const old = await serve('fixture');
    const { monitor, transitions } = watch({ name: 'switch', url: old.url, transport: 'auto' });
    await waitFor(monitor, (s) => s.state === 'healthy' && s.era === '2025', 'healthy on 2025');
    await old.stop();
    await serve('modern', { port: old.port });
    const healed = await waitFor(
      monitor,
      (s) => s.state === 'healthy' && s.era === '2026-07-28',
      'healthy on 2026-07-28',
    );
    assert.equal(healed.sessionId, undefined, 'the 2025 session is gone with the 2025 server');
    assert.equal(healed.serverInfo?.name, 'modern-mcp');
    const kinds = transitions.map((t) => t.failure?.kind).filter(Boolean);
    assert.ok(!kinds.includes('protocol'), `no failure read as protocol: ${kinds.join(', ')}`);
    assert.ok(kinds.includes('era-mismatch'), `the -32022 answer is read as an era mismatch: ${kinds.join(', ')}`);
    assert.ok(
      transitions.some((t) => t.to === 'session-lost'),
      'the 2025 session that went with the old server is recorded as lost',
    );
    await monitor.stop();
  });
});
