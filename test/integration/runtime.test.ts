// DoctorRuntime, the core the VS Code layer drives: settings applied twice at once (activation and a
// configuration change close together) leave exactly one monitor and one gateway, and dispose()
// leaves no monitor, timer, socket or listening server behind.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { silentLogger } from '../../src/core/logger';
import { DoctorRuntime } from '../../src/core/runtime';
import { validateSettings, type Settings } from '../../src/core/settings';
import { freePort, startServer, type RunningServer } from '../helpers/servers';

const servers: RunningServer[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Handles that keep a process busy: what a leaked monitor or gateway would hold. */
const WATCHED = ['Timeout', 'TCPSocketWrap', 'TCPServerWrap'];
function resources(): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(WATCHED.map((k) => [k, 0]));
  for (const r of process.getActiveResourcesInfo()) if (r in counts) counts[r]++;
  return counts;
}

async function untilBackTo(baseline: Record<string, number>, timeoutMs: number): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = resources();
    if (WATCHED.every((k) => now[k] <= baseline[k])) return now;
    // Idle keep-alive sockets close on the server's timeout: wait for them, but not for ever.
    if (Date.now() > deadline) return now;
    await new Promise((r) => setTimeout(r, 100).unref());
  }
}

async function settingsFor(url: string, healthUrl: string | undefined, port: number): Promise<Settings> {
  const { settings, problems } = validateSettings({
    servers: [{ name: 'Archon', url, healthUrl }],
    pingIntervalSeconds: 2,
    docker: { enabled: false },
  });
  assert.deepEqual(problems, []);
  return { ...settings, gateway: { ...settings.gateway, port } };
}

test(
  'two applies at once: the latest wins, one monitor and one gateway; dispose() leaves nothing running',
  { timeout: 60_000 },
  async () => {
    const server = await startServer('fixture');
    servers.push(server);
    const stateDir = mkdtempSync(join(tmpdir(), 'runtime-test-'));
    dirs.push(stateDir);
    const baseline = resources();

    const runtime = new DoctorRuntime({ logger: silentLogger, gateway: { stateDir } });
    let live = 0;
    runtime.fleet.onMonitorCreated(() => live++);
    runtime.fleet.onMonitorRemoved(() => live--);
    const first = await settingsFor(server.url, undefined, await freePort());
    const second = await settingsFor(server.url, server.healthUrl, await freePort());
    // Activation and a configuration change close together: neither waits for the other.
    await Promise.all([runtime.apply(first), runtime.apply(second)]);

    assert.equal(runtime.settings, second, 'the latest settings are the ones in force');
    const monitors = runtime.fleet.list();
    assert.equal(monitors.length, 1);
    assert.equal(monitors[0]!.config.healthUrl, server.healthUrl, 'the monitor runs the latest configuration');
    assert.equal(live, 1, 'every monitor made was either stopped or is the one in the fleet');
    const gateway = runtime.gateway.current();
    assert.ok(gateway, 'the gateway runs');
    assert.equal(gateway.stats().port, second.gateway.port, 'on the latest port');
    // Something really runs: the monitor connects through the real server, the gateway answers.
    await new Promise<void>((resolve) => {
      if (monitors[0]!.snapshot.state === 'healthy') return resolve();
      const off = monitors[0]!.onDidChange((s) => s.state === 'healthy' && (off(), resolve()));
    });
    const health = await fetch(`${gateway.baseUrl}/.well-known/archon-mcp-doctor`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();
    assert.ok(runtime.fleet.snapshots()[0]!.gateway, 'the gateway section is in the snapshot');
    // A monitor made again (its own settings changed, the gateway's did not) still shows the gateway.
    await runtime.apply({
      ...second,
      monitor: { ...second.monitor },
      servers: [{ ...second.servers[0]!, healthUrl: undefined }],
    });
    assert.equal(runtime.gateway.current(), gateway, 'the same gateway goes on serving');
    assert.notEqual(runtime.fleet.list()[0], monitors[0], 'the monitor was made again');
    assert.equal(live, 1);
    assert.equal(
      runtime.fleet.snapshots()[0]!.gateway?.url,
      gateway.url('Archon'),
      'the new monitor shows the gateway',
    );
    const busy = resources();
    assert.ok(busy.TCPServerWrap > baseline.TCPServerWrap, `the gateway listens: ${JSON.stringify(busy)}`);

    await runtime.dispose();
    assert.equal(runtime.fleet.list().length, 0);
    assert.equal(live, 0, 'no monitor left');
    assert.equal(runtime.gateway.current(), undefined, 'no gateway left');
    const left = await untilBackTo(baseline, 15_000);
    assert.deepEqual(
      left,
      Object.fromEntries(WATCHED.map((k) => [k, Math.min(left[k]!, baseline[k]!)])),
      `before ${JSON.stringify(baseline)}, after dispose ${JSON.stringify(left)}: ${JSON.stringify(process.getActiveResourcesInfo())}`,
    );

    // Applying after dispose starts nothing.
    await runtime.apply(second);
    assert.equal(runtime.fleet.list().length, 0);
  },
);
