// detect_ms, heal_ms and ping_ms: the monitor with default settings against quick restarts of the fixture;
// python_detect_ms, python_heal_ms, python_ping_ms: the same against Archon's own server library (the
// Archon-shaped mcp==1.12.2 FastMCP server of test/fixtures/python; needs `bash scripts/setup-python.sh`).
import { openConnection } from '../src/core/mcp-connection';
import { ServerMonitor } from '../src/core/monitor';
import { DEFAULT_MONITOR_OPTIONS, type ServerSnapshot } from '../src/core/server-state';
import { pythonProblem, startPythonServer } from '../test/helpers/python';
import { isListening, startServer, type RunningServer } from '../test/helpers/servers';
import { median, round, sleep, type Metrics } from './stats';

const RESTARTS = 10;

/** Resolves with the time (performance.now) at which `predicate` first holds for the monitor's snapshot. */
function when(monitor: ServerMonitor, predicate: (s: ServerSnapshot) => boolean, timeoutMs = 30_000): Promise<number> {
  if (predicate(monitor.snapshot)) return Promise.resolve(performance.now());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout; state ${monitor.snapshot.state}`)), timeoutMs);
    const off = monitor.onDidChange((s) => {
      if (!predicate(s)) return;
      const at = performance.now();
      clearTimeout(timer);
      off();
      resolve(at);
    });
  });
}

/** Polls the port every 2 ms and resolves with the moment it first accepts a connection. */
async function firstAccept(port: number, timeoutMs = 30_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await isListening(port)) return performance.now();
    await sleep(2);
  }
  throw new Error('server did not come back');
}

export async function benchMonitor(): Promise<Metrics> {
  const metrics = await measure(await startServer('fixture'), '');
  const noPython = pythonProblem(['mcp-1.12']);
  if (noPython) process.stderr.write(`bench monitor: no python_* metrics: ${noPython}\n`);
  else Object.assign(metrics, await measure(await startPythonServer('mcp-1.12'), 'python_'));
  return metrics;
}

async function measure(server: RunningServer, prefix: string): Promise<Metrics> {
  const monitor = new ServerMonitor(
    { name: 'bench', url: server.url, transport: 'auto', healthUrl: server.healthUrl },
    DEFAULT_MONITOR_OPTIONS,
  );
  const detect: number[] = [];
  const heal: number[] = [];
  const pings: number[] = [];
  try {
    monitor.start();
    await when(monitor, (s) => s.state === 'healthy');
    for (let i = 0; i < RESTARTS; i++) {
      await sleep(300);
      const heals = monitor.snapshot.heals;
      const left = when(monitor, (s) => s.state !== 'healthy');
      const healed = when(monitor, (s) => s.state === 'healthy' && s.heals > heals);
      const killedAt = performance.now();
      await server.kill();
      const restarting = server.restart();
      const [leftAt, acceptAt, healthyAt] = await Promise.all([left, firstAccept(server.port), healed, restarting]);
      detect.push(leftAt - killedAt);
      heal.push(Math.max(0, healthyAt - acceptAt));
    }
    const conn = await openConnection({ url: server.url, transport: 'streamable-http', headers: {}, timeoutMs: 5_000 });
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await conn.client.ping();
      pings.push(performance.now() - t0);
    }
    await conn.close();
  } finally {
    await monitor.stop();
    await server.stop();
  }
  return {
    [`${prefix}detect_ms`]: { value: round(median(detect)), unit: 'ms' },
    [`${prefix}heal_ms`]: { value: round(median(heal)), unit: 'ms' },
    [`${prefix}ping_ms`]: { value: round(median(pings), 3), unit: 'ms' },
  };
}
