// The monitor's failure log (PatternTracker, fed by ServerMonitor.fail): one failure episode is one
// record. Against the real Archon-like fixture (a real MCP SDK server in a child process), killed and
// restarted on its port. Before the fix every restart left two "unreachable" records a few ms apart:
// a second check queued while the first one was failing pinged the dead connection again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { ServerMonitor } from '../../src/core/monitor';
import { MemorySessionStore } from '../../src/core/session-store';
import { DEFAULT_MONITOR_OPTIONS, type MonitorOptions, type ServerSnapshot } from '../../src/core/server-state';
import { monitorSuite, waitFor } from '../helpers/monitor';

const FAST: MonitorOptions = { ...DEFAULT_MONITOR_OPTIONS, pingIntervalMs: 1_000, pingTimeoutMs: 2_000 };
const RESTARTS = 4;

const { monitors, serve } = monitorSuite();

async function healthyMonitor(name: string) {
  const server = await serve('fixture');
  const monitor = new ServerMonitor({ name, url: server.url, transport: 'auto', healthUrl: server.healthUrl }, FAST, {
    store: new MemorySessionStore(),
  });
  monitors.push(monitor);
  monitor.start();
  await waitFor(monitor, (s) => s.state === 'healthy', 'first healthy');
  return { server, monitor };
}

const healedAfter = (heals: number) => (s: ServerSnapshot) => s.state === 'healthy' && s.heals > heals;

describe('failure records: one per failure episode', () => {
  test(`${RESTARTS} kill-and-restarts leave ${RESTARTS} failure records, one per outage, each on its own session`, async () => {
    const { server, monitor } = await healthyMonitor('restarts');
    const sessions: string[] = [];
    for (let i = 1; i <= RESTARTS; i++) {
      sessions.push(monitor.snapshot.sessionId!);
      const heals = monitor.snapshot.heals;
      await server.restart({ delayMs: 200 });
      await waitFor(monitor, healedAfter(heals), `healthy after restart ${i}`);
    }
    const records = monitor.recentFailures();
    const seen = records.map((r) => `${r.at.slice(11)} ${r.kind}`).join(', ');
    assert.equal(records.length, RESTARTS, `one record per restart: ${seen}`);
    // Down while it restarts (the push stream breaks first); a check that lands after it is back
    // finds the session gone instead. Either way, one failure.
    for (const r of records) assert.ok(r.kind === 'unreachable' || r.kind === 'unknown-session', seen);
    assert.deepEqual(
      records.map((r) => r.sessionId),
      sessions,
      'each record names the session the outage took',
    );
    // The transitions agree: one fall from healthy per restart.
    const up = (state: string) => state === 'healthy' || state === 'degraded';
    const falls = monitor.snapshot.transitions.filter((t) => up(t.from) && !up(t.to));
    assert.equal(falls.length, RESTARTS, falls.map((t) => `${t.from}→${t.to}`).join(' '));
    await monitor.stop();
  });

  test('a second check queued while the first one fails adds no second record', async () => {
    const { server, monitor } = await healthyMonitor('two-checks');
    await server.kill();
    monitor.checkNow('first check');
    // The first check's ping is under way (the queue took it): a second check is queued behind it.
    await tick();
    monitor.checkNow('second check');
    await waitFor(monitor, (s) => s.state === 'unreachable', 'unreachable');
    const heals = monitor.snapshot.heals;
    await server.restart();
    // The heal runs after every check queued before it, so by now the second one has run too.
    await waitFor(monitor, healedAfter(heals), 'healthy after the outage');
    const records = monitor.recentFailures();
    assert.equal(
      records.length,
      1,
      `records: ${records.map((r) => `${r.at.slice(11)} ${r.kind} ${r.message}`).join(' | ')}`,
    );
    assert.equal(records[0].kind, 'unreachable');
    assert.equal(
      monitor.snapshot.lastFailure?.at,
      records[0].at,
      'the latest failure is that record, not a later copy',
    );
    await monitor.stop();
  });
});
