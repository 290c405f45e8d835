// docker_detect_ms, docker_heal_ms and watcher_cpu_pct: the monitor (default settings) and its DockerLink
// against 10 `docker restart`s of the Archon-like fixture in a REAL container, and the ContainerWatcher's
// CPU share while idle with memory sampling on (in a child process). Skips (returns {}) without an engine.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { portAccepts } from '../src/core/health';
import { DEFAULT_DOCKER_LINK_OPTIONS, DockerLink, type ContainerDown } from '../src/core/docker';
import { silentLogger } from '../src/core/logger';
import { ServerMonitor } from '../src/core/monitor';
import { DEFAULT_MONITOR_OPTIONS, type ServerSnapshot } from '../src/core/server-state';
import {
  CONTAINER_PORT,
  ROOT,
  engineProblem,
  removeContainer,
  runFixtureContainer,
  type FixtureContainer,
} from '../test/helpers/docker';
import { median, round, sleep, type Metrics } from './stats';

const RESTARTS = 10;
/** How long the watcher's CPU is measured while idle. */
const CPU_WINDOW_MS = 20_000;
/** Time for the child to connect and take its first memory sample before measuring. */
const CPU_WARMUP_MS = 2_000;

/** Wall-clock now in ms with sub-millisecond precision (comparable with the engine's event times on this host). */
const wallNow = () => performance.timeOrigin + performance.now();

/** Resolves with the wall time at which `predicate` first holds for the monitor's snapshot. */
function when(monitor: ServerMonitor, predicate: (s: ServerSnapshot) => boolean, timeoutMs = 30_000): Promise<number> {
  if (predicate(monitor.snapshot)) return Promise.resolve(wallNow());
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      off();
      rej(new Error(`timeout; state ${monitor.snapshot.state}`));
    }, timeoutMs);
    const off = monitor.onDidChange((s) => {
      if (!predicate(s)) return;
      const at = wallNow();
      clearTimeout(timer);
      off();
      res(at);
    });
  });
}

/**
 * Polls the server INSIDE the container (its bridge IP, port 8051, every 2 ms) and resolves with the wall
 * time it first accepts a connection. The published host port is not used: Docker's proxy accepts there
 * before the server listens. The IP is re-read every 100 ms (a restarted container may get another one).
 */
async function firstAccept(fc: FixtureContainer, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let ip = '';
  let done = false;
  const refresh = (async () => {
    while (!done && Date.now() < deadline) {
      try {
        const nets = Object.values((await fc.container.inspect()).NetworkSettings.Networks ?? {});
        ip = nets.find((n) => n.IPAddress)?.IPAddress || ip;
      } catch {
        /* between instances */
      }
      await sleep(100);
    }
  })();
  try {
    while (Date.now() < deadline) {
      if (ip && (await portAccepts(`http://${ip}:${CONTAINER_PORT}/`, 200))) return wallNow();
      await sleep(2);
    }
    throw new Error('the server in the container did not accept connections again');
  } finally {
    done = true;
    await refresh;
  }
}

/** The engine's own time of an event, in ms since the epoch (from `timeNano`, else `at`). */
function engineTimeMs(d: ContainerDown): number {
  if (/^\d+$/.test(d.event.timeNano)) return Number(BigInt(d.event.timeNano)) / 1e6;
  return Date.parse(d.at);
}

/**
 * Bundles the watcher the way esbuild.mjs bundles the extension (CommonJS, dockerode's unused ssh2 and
 * BuildKit parts stubbed), so that the child runs it in plain Node: no TypeScript loader in the measurement.
 */
async function bundleWatcher(dir: string): Promise<string> {
  const esbuild = await import('esbuild');
  const outfile = join(dir, 'watcher.js');
  const stubs: Record<string, string> = {
    ssh2: "exports.Client = function () { throw new Error('ssh2 is not part of this build'); };",
    session: "module.exports = function () { throw new Error('BuildKit sessions are not part of this build'); };",
    buildkit: 'module.exports = {};',
  };
  await esbuild.build({
    entryPoints: [resolve(ROOT, 'src/core/docker/watcher.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    plugins: [
      {
        name: 'unused-docker-parts',
        setup(build) {
          build.onResolve({ filter: /^ssh2$/ }, () => ({ path: 'ssh2', namespace: 'stub' }));
          build.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) =>
            /[\\/]dockerode[\\/]/.test(args.importer) ? { path: args.path.slice(2), namespace: 'stub' } : undefined,
          );
          build.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({ contents: stubs[args.path], loader: 'js' }));
        },
      },
    ],
  });
  return outfile;
}

/**
 * Runs a ContainerWatcher (memory alerting on, default sampling) in a child process (plain Node, the
 * watcher bundled) and returns that process's CPU time over wall time, measured with process.cpuUsage()
 * inside it after a warm-up. Nothing is subtracted: Node's own idle cost is included.
 */
async function watcherCpu(container: string): Promise<{ pct: number; samples: number; connected: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), 'amd-bench-watcher-'));
  try {
    return await runWatcherChild(await bundleWatcher(dir), container);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runWatcherChild(
  watcherPath: string,
  container: string,
): Promise<{ pct: number; samples: number; connected: boolean }> {
  const script = `
    const { ContainerWatcher } = require(${JSON.stringify(watcherPath)});
    const w = new ContainerWatcher({ container: ${JSON.stringify(container)}, memoryAlerting: true });
    let samples = 0;
    w.on('memory', () => samples++);
    w.start().then(() => setTimeout(() => {
      const c0 = process.cpuUsage(); const t0 = performance.now(); const s0 = samples;
      setTimeout(() => {
        const c = process.cpuUsage(c0); const wallMs = performance.now() - t0;
        const snap = w.snapshot();
        process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, wallMs, samples: samples - s0, connected: snap.connected, state: snap.state }) + '\\n');
        w.stop();
        process.exit(0);
      }, ${CPU_WINDOW_MS});
    }, ${CPU_WARMUP_MS}));
  `;
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['-e', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), CPU_WINDOW_MS + CPU_WARMUP_MS + 30_000);
    child.on('error', rej);
    child.on('exit', (code) => {
      clearTimeout(killer);
      try {
        const r = JSON.parse(out.trim().split('\n').pop() ?? '') as {
          cpuMs: number;
          wallMs: number;
          samples: number;
          connected: boolean;
        };
        res({ pct: (r.cpuMs / r.wallMs) * 100, samples: r.samples, connected: r.connected });
      } catch {
        rej(new Error(`watcher child exited ${code} without a result: ${out}${err}`));
      }
    });
  });
}

export async function benchDocker(): Promise<Metrics> {
  const why = await engineProblem();
  if (why) {
    process.stderr.write(`bench: docker: skipped: ${why}\n`);
    return {};
  }
  const name = `amd-bench-${process.pid}`;
  const detectRaw: number[] = [];
  const heal: number[] = [];
  const downLatency: number[] = [];
  let cpu: Awaited<ReturnType<typeof watcherCpu>> | undefined;
  let monitor: ServerMonitor | undefined;
  let link: DockerLink | undefined;
  try {
    // Archon's compose healthcheck runs every 30 s; a 1 s check would add exec events to every second.
    const fc = await runFixtureContainer({ name, memoryMb: 256, healthIntervalMs: 30_000 });
    monitor = new ServerMonitor(
      { name: 'bench', url: fc.url, transport: 'auto', healthUrl: fc.healthUrl, container: name },
      DEFAULT_MONITOR_OPTIONS,
      { diagnoseLoss: (at) => link?.diagnose(at) },
    );
    link = new DockerLink(monitor, name, DEFAULT_DOCKER_LINK_OPTIONS, silentLogger);
    link.start();
    monitor.start();
    await when(monitor, (s) => s.state === 'healthy' && s.container?.state === 'running');
    for (let i = 0; i < RESTARTS; i++) {
      await sleep(300);
      const m = monitor;
      const heals = m.snapshot.heals;
      const left = when(m, (s) => s.state !== 'healthy');
      const healed = when(m, (s) => s.state === 'healthy' && s.heals > heals);
      const down = new Promise<ContainerDown>((res) => link!.watcher.once('down', res));
      // The watcher's restart (with its diagnosis) may come just after the monitor healed.
      const restarted = new Promise<void>((res) => link!.watcher.once('restart', () => res()));
      // Poll for the server inside the container once it is down (so that the old instance does not count).
      const accepted = down.then(() => firstAccept(fc));
      await fc.container.restart({ t: 2 });
      const [d, leftAt, acceptAt, healthyAt] = await Promise.all([down, left, accepted, healed, restarted]);
      downLatency.push(d.latencyMs);
      const dieAt = engineTimeMs(d);
      // Signed: the server closes its connections on SIGTERM, so the monitor often leaves `healthy`
      // before the engine reports the die, and then this is negative.
      detectRaw.push(leftAt - dieAt);
      heal.push(healthyAt - acceptAt);
      if (m.snapshot.lastLoss?.cause !== 'docker-restart') {
        process.stderr.write(
          `bench: docker: restart ${i + 1}: loss diagnosed as ${m.snapshot.lastLoss?.cause ?? 'nothing'}\n`,
        );
      }
    }
    link.stop();
    await monitor.stop();
    link = undefined;
    monitor = undefined;
    cpu = await watcherCpu(name);
  } finally {
    link?.stop();
    await monitor?.stop();
    await removeContainer(name).catch(() => undefined);
  }
  const before = detectRaw.filter((x) => x < 0).length;
  process.stderr.write(
    `bench: docker: die → left healthy (raw, ms): ${detectRaw.map((x) => round(x, 1)).join(', ')}` +
      `${before ? ` (${before} of ${detectRaw.length} before the die event: the server's connections broke at SIGTERM)` : ''}\n` +
      `bench: docker: die event → the watcher's 'down' (the DockerLink's signal to the monitor), median ${round(median(downLatency), 1)} ms\n` +
      `bench: docker: accept → healthy (ms): ${heal.map((x) => round(x, 1)).join(', ')}\n` +
      `bench: docker: watcher idle: ${cpu.samples} memory samples in ${CPU_WINDOW_MS / 1000} s, connected ${cpu.connected}\n`,
  );
  return {
    docker_detect_ms: { value: round(median(detectRaw)), unit: 'ms' },
    docker_signal_ms: { value: round(median(downLatency), 1), unit: 'ms' },
    docker_heal_ms: { value: round(median(heal)), unit: 'ms' },
    watcher_cpu_pct: { value: round(cpu.pct, 3), unit: '%' },
  };
}
