// End-to-end tests of what a user sees: the MCP monitor (ServerMonitor) and its DockerLink together,
// wired like src/cli/watch.ts, against the Archon-like fixture in a REAL container (images built
// locally by test/helpers/docker.ts). Each test runs its own container and removes it afterwards.
// Without an engine these tests skip with a message; with CI=true they fail.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  DEFAULT_DOCKER_LINK_OPTIONS,
  DockerLink,
  type ContainerSnapshot,
  type DockerLinkOptions,
} from '../../src/core/docker';
import type { Logger } from '../../src/core/logger';
import { ServerMonitor } from '../../src/core/monitor';
import { rehearsalReport } from '../../src/core/rehearsal-report';
import { transitionWhy } from '../../src/core/report';
import { MemorySessionStore } from '../../src/core/session-store';
import { DEFAULT_MONITOR_OPTIONS, type ServerConfig, type ServerSnapshot } from '../../src/core/server-state';
import {
  abortPendingToolCalls,
  callFixtureTool,
  engineAvailable,
  ensureImages,
  fireFixtureTool,
  removeContainer,
  ROOT,
  runFixtureContainer,
  skipWithoutDocker,
  type FixtureContainer,
  type FixtureContainerOptions,
} from '../helpers/docker';
import { readJsonLine } from '../helpers/json-lines';
import { startServer } from '../helpers/servers';

const PREFIX = `amd-diag-${process.pid}`;
const CLI = resolve(ROOT, 'dist/cli.js');

/** Everything a test created, torn down in `after` even when the test failed half-way. */
const cleanups: (() => Promise<void> | void)[] = [];
const containers = new Set<string>();

async function container(o: FixtureContainerOptions): Promise<FixtureContainer> {
  containers.add(o.name);
  return runFixtureContainer(o);
}

async function dropContainer(name: string): Promise<void> {
  await removeContainer(name);
  containers.delete(name);
}

interface Watched {
  monitor: ServerMonitor;
  link: DockerLink;
  logs: string[];
  /** Transitions and container snapshots as they came, for failure messages. */
  dump(): string;
  stop(): Promise<void>;
}

/** A monitor and its DockerLink, wired like `watch --container` does (src/cli/watch.ts). */
function watchServer(config: ServerConfig, link: Partial<DockerLinkOptions> = {}): Watched {
  const logs: string[] = [];
  const t0 = Date.now();
  const line = (level: string) => (m: string) => logs.push(`${Date.now() - t0}ms [${level}] ${m}`);
  const logger: Logger = { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
  let dockerLink: DockerLink | undefined;
  const monitor = new ServerMonitor(
    config,
    { ...DEFAULT_MONITOR_OPTIONS, pingIntervalMs: 2_000 },
    {
      store: new MemorySessionStore(),
      logger,
      diagnoseLoss: (at) => dockerLink?.diagnose(at),
    },
  );
  dockerLink = new DockerLink(
    monitor,
    config.container!,
    { ...DEFAULT_DOCKER_LINK_OPTIONS, memoryAlerts: false, ...link },
    logger,
  );
  monitor.onDidChange((s, t) => {
    if (t)
      logs.push(
        `${Date.now() - t0}ms transition ${t.from} → ${t.to} (${transitionWhy(t)})${t.refined ? ' refined' : ''} session ${s.sessionId?.slice(0, 8)}`,
      );
  });
  let stopped = false;
  const w: Watched = {
    monitor,
    link: dockerLink,
    logs,
    dump: () => `${logs.join('\n')}\ncontainer: ${JSON.stringify(monitor.snapshot.container)}`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      dockerLink!.stop();
      await monitor.stop();
    },
  };
  cleanups.push(w.stop);
  dockerLink.start();
  monitor.start();
  return w;
}

function containerOf(s: ServerSnapshot): ContainerSnapshot | undefined {
  return s.container;
}

/** Resolves with the snapshot once `pred` holds (checked now and on every change). */
function until(
  w: Watched,
  what: string,
  pred: (s: ServerSnapshot) => boolean,
  timeoutMs = 30_000,
): Promise<ServerSnapshot> {
  if (pred(w.monitor.snapshot)) return Promise.resolve(w.monitor.snapshot);
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      off();
      rej(
        new Error(
          `timed out after ${timeoutMs} ms waiting for: ${what}; state ${w.monitor.snapshot.state}\n${w.dump()}`,
        ),
      );
    }, timeoutMs);
    const off = w.monitor.onDidChange((s) => {
      if (!pred(s)) return;
      clearTimeout(timer);
      off();
      res(s);
    });
  });
}

const healthy = (s: ServerSnapshot) => s.state === 'healthy' && !!s.sessionId;
const running = (s: ServerSnapshot) => containerOf(s)?.state === 'running' && !!containerOf(s)?.connected;

function config(fc: FixtureContainer): ServerConfig {
  return { name: 'archon', url: fc.url, transport: 'auto', healthUrl: fc.healthUrl, container: fc.name };
}

describe('docker: diagnosis end to end (monitor + DockerLink) against a real engine', { timeout: 400_000 }, () => {
  before(async () => {
    if (!(await engineAvailable())) return;
    await ensureImages();
  });
  after(async () => {
    abortPendingToolCalls();
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    for (const name of containers) await removeContainer(name).catch(() => undefined);
  });

  it(
    'docker restart → lastLoss.cause "docker-restart", healthy again with a new session',
    { timeout: 60_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      const fc = await container({ name: `${PREFIX}-restart`, memoryMb: 128 });
      const w = watchServer(config(fc));
      const first = await until(w, 'healthy and container running', (s) => healthy(s) && running(s));
      const oldSession = first.sessionId!;
      const heals = first.heals;
      const lost = until(
        w,
        'session-lost',
        (s) => s.state === 'session-lost' || (s.lastLoss !== undefined && s.heals > heals),
      );
      const askedAt = Date.now();
      await fc.container.restart({ t: 1 });
      await lost;
      const back = await until(
        w,
        'healthy with a new session after the restart',
        (s) =>
          healthy(s) &&
          s.sessionId !== oldSession &&
          s.lastLoss?.cause === 'docker-restart' &&
          (containerOf(s)?.restarts ?? 0) >= 1,
        30_000,
      );
      t.diagnostic(
        `docker restart → healthy with a new session in ${Date.now() - askedAt} ms; loss: ${back.lastLoss?.label}`,
      );
      assert.equal(back.lastLoss?.cause, 'docker-restart', w.dump());
      assert.equal(back.lastLoss?.label, 'docker restart');
      assert.ok(
        back.lastLoss!.evidence.some((e) => e.source === 'docker' && /restart/.test(e.detail)),
        JSON.stringify(back.lastLoss?.evidence),
      );
      assert.notEqual(back.sessionId, oldSession);
      assert.ok(back.heals > heals);
      const c = containerOf(back)!;
      assert.equal(c.restarts, 1, w.dump());
      assert.equal(c.state, 'running');
      // Every session-lost transition of this loss ends up with the same, final cause.
      const losses = back.transitions.filter((x) => x.to === 'session-lost');
      assert.ok(losses.length >= 1);
      assert.equal(losses[losses.length - 1]!.loss?.cause, 'docker-restart', w.dump());
      // The new session really works.
      const res = (await callFixtureTool(fc.url, 'health_check')) as { isError?: boolean };
      assert.notEqual(res.isError, true);
      await w.stop();
      await dropContainer(fc.name);
    },
  );

  it(
    'OOM kill with --restart=on-failure → cause "oom-kill", OOM kills and restarts counted, healed',
    { timeout: 90_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      const fc = await container({ name: `${PREFIX}-oom`, memoryMb: 64, restartPolicy: 'on-failure', maxRetries: 3 });
      const w = watchServer(config(fc));
      const first = await until(w, 'healthy and container running', (s) => healthy(s) && running(s));
      const oldSession = first.sessionId!;
      const cancel = fireFixtureTool(fc.url, 'test_allocate_memory', { mb: 256 });
      try {
        const back = await until(
          w,
          'healed after the OOM kill',
          (s) =>
            healthy(s) &&
            s.sessionId !== oldSession &&
            s.lastLoss?.cause === 'oom-kill' &&
            (containerOf(s)?.restarts ?? 0) >= 1,
          45_000,
        );
        assert.equal(back.lastLoss?.label, 'OOM kill', w.dump());
        assert.ok(
          back.lastLoss!.evidence.some((e) => /oom/i.test(e.detail)),
          JSON.stringify(back.lastLoss?.evidence),
        );
        const c = containerOf(back)!;
        assert.ok(c.oomKills >= 1, JSON.stringify(c));
        assert.ok(c.restarts >= 1, JSON.stringify(c));
        assert.equal(c.lastDeath?.exitCode, 137, JSON.stringify(c.lastDeath));
        assert.equal(c.restartPolicy, 'on-failure:3');
        t.diagnostic(
          `after the OOM kill: ${c.oomKills} OOM kill(s), ${c.restarts} restart(s), engine RestartCount ${c.engineRestartCount}`,
        );
      } finally {
        cancel();
      }
      await w.stop();
      await dropContainer(fc.name);
    },
  );

  it(
    'crash with exit code 3 (restart policy on-failure) → cause "crash", label "crash (exit 3)", healed',
    { timeout: 60_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      const fc = await container({
        name: `${PREFIX}-crash`,
        memoryMb: 128,
        restartPolicy: 'on-failure',
        maxRetries: 3,
      });
      const w = watchServer(config(fc));
      const first = await until(w, 'healthy and container running', (s) => healthy(s) && running(s));
      const oldSession = first.sessionId!;
      const cancel = fireFixtureTool(fc.url, 'test_crash', { exitCode: 3 });
      try {
        const back = await until(
          w,
          'healed after the crash',
          (s) =>
            healthy(s) &&
            s.sessionId !== oldSession &&
            s.lastLoss !== undefined &&
            (containerOf(s)?.restarts ?? 0) >= 1,
          30_000,
        );
        assert.equal(back.lastLoss?.cause, 'crash', w.dump());
        assert.equal(back.lastLoss?.label, 'crash (exit 3)', w.dump());
        assert.ok(
          back.lastLoss!.evidence.some((e) => /exit(ed)?( code)? 3/.test(e.detail)),
          JSON.stringify(back.lastLoss?.evidence),
        );
        assert.equal(containerOf(back)?.lastExitCode, 3);
        t.diagnostic(
          `loss: ${back.lastLoss?.label}; evidence: ${back.lastLoss!.evidence.map((e) => e.detail).join('; ')}`,
        );
      } finally {
        cancel();
      }
      await w.stop();
      await dropContainer(fc.name);
    },
  );

  it(
    'a failing healthcheck → container health "unhealthy" and the "health-failing" pattern',
    { timeout: 60_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      const fc = await container({ name: `${PREFIX}-health`, memoryMb: 128, healthIntervalMs: 500, healthRetries: 2 });
      const w = watchServer(config(fc));
      await until(
        w,
        'healthy and container healthy',
        (s) => healthy(s) && containerOf(s)?.health === 'healthy',
        20_000,
      );
      assert.ok(!w.monitor.snapshot.patterns.some((p) => p.id === 'health-failing'));
      await callFixtureTool(fc.url, 'test_set_health', { healthy: false });
      const s = await until(
        w,
        'unhealthy + health-failing pattern',
        (x) => containerOf(x)?.health === 'unhealthy' && x.patterns.some((p) => p.id === 'health-failing'),
        20_000,
      );
      const c = containerOf(s)!;
      assert.match(c.healthOutput ?? '', /HTTP 503/, w.dump());
      const p = s.patterns.find((x) => x.id === 'health-failing')!;
      assert.match(p.detail, new RegExp(`${fc.name} is unhealthy`));
      t.diagnostic(`pattern: ${p.title}: ${p.detail}`);
      // The MCP side is unaffected: a failing healthcheck is not a session loss.
      assert.equal(s.state, 'healthy');
      await callFixtureTool(fc.url, 'test_set_health', { healthy: true });
      await until(w, 'container healthy again', (x) => containerOf(x)?.health === 'healthy', 20_000);
      await w.stop();
      await dropContainer(fc.name);
    },
  );

  it(
    'memory pressure at ~90 % of the limit → "memory-pressure" pattern and memoryPressure true; freed → false',
    { timeout: 90_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      const limitMb = 128;
      const fc = await container({ name: `${PREFIX}-mem`, memoryMb: limitMb, env: { NODE_OPTIONS: '--expose-gc' } });
      const w = watchServer(config(fc), { memoryAlerts: true, memoryThreshold: 0.85 });
      const first = await until(
        w,
        'healthy and a memory sample',
        (s) => healthy(s) && containerOf(s)?.memory !== undefined,
        20_000,
      );
      const m = containerOf(first)!.memory!;
      assert.equal(m.limitBytes, limitMb * 1024 * 1024);
      assert.equal(containerOf(first)!.memoryPressure, false);
      const usedMb = m.usageBytes / 1048576;
      const mb = Math.ceil(limitMb * 0.9 - usedMb) + 1;
      t.diagnostic(`baseline ${usedMb.toFixed(1)} MB of ${limitMb} MB; allocating ${mb} MB`);
      await callFixtureTool(fc.url, 'test_allocate_memory', { mb });
      const on = await until(
        w,
        'memory pressure + pattern',
        (s) => containerOf(s)?.memoryPressure === true && s.patterns.some((p) => p.id === 'memory-pressure'),
        20_000,
      );
      const c = containerOf(on)!;
      t.diagnostic(`pressure at ${c.memory!.pct.toFixed(1)} % (${c.memoryText})`);
      assert.ok(c.memory!.pct >= 85 && c.memory!.pct < 100, `${c.memory!.pct} %`);
      assert.match(on.patterns.find((p) => p.id === 'memory-pressure')!.detail, /128 MB, \d+ %/);
      await callFixtureTool(fc.url, 'test_free_memory', {});
      const off = await until(w, 'memory pressure cleared', (s) => containerOf(s)?.memoryPressure === false, 20_000);
      t.diagnostic(`cleared at ${containerOf(off)!.memory!.pct.toFixed(1)} %`);
      assert.equal(off.state, 'healthy', 'memory pressure alone loses no session');
      await w.stop();
      await dropContainer(fc.name);
    },
  );

  it(
    'a wrong socket path and a missing container → a clear problem in the container snapshot, no crash, MCP still healthy',
    { timeout: 60_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      const server = await startServer('fixture');
      cleanups.push(() => server.stop());
      const base: ServerConfig = { name: 'archon', url: server.url, transport: 'auto', healthUrl: server.healthUrl! };

      const badSocket = watchServer(
        { ...base, container: 'archon-mcp' },
        { socketPath: '/tmp/definitely-not-docker.sock' },
      );
      const s1 = await until(
        badSocket,
        'healthy and a socket problem',
        (s) => healthy(s) && containerOf(s)?.problem !== undefined,
        15_000,
      );
      const p1 = containerOf(s1)!.problem!;
      assert.equal(p1.code, 'socket-missing', JSON.stringify(p1));
      assert.match(p1.message, /unix:\/\/\/tmp\/definitely-not-docker\.sock/);
      assert.equal(containerOf(s1)!.connected, false);
      t.diagnostic(`wrong socket: ${p1.message}`);

      const missing = `${PREFIX}-missing`;
      const noContainer = watchServer({ ...base, container: missing });
      const s2 = await until(
        noContainer,
        'healthy and a missing-container problem',
        (s) => healthy(s) && containerOf(s)?.problem !== undefined,
        15_000,
      );
      const p2 = containerOf(s2)!.problem!;
      assert.equal(p2.code, 'container-not-found', JSON.stringify(p2));
      assert.match(p2.message, new RegExp(`No container named "${missing}"`));
      assert.equal(containerOf(s2)!.state, 'missing');
      t.diagnostic(`missing container: ${p2.message}`);

      // MCP monitoring goes on: both monitors keep pinging, and a restart of the plain server is still healed.
      const before1 = badSocket.monitor.snapshot.sessionId;
      // Let the server's uptime grow so that its restart shows as an uptime drop.
      await new Promise((r) => setTimeout(r, 1500));
      await server.restart();
      await until(badSocket, 'healed after the server restart', (s) => healthy(s) && s.sessionId !== before1, 20_000);
      assert.equal(badSocket.monitor.snapshot.lastLoss?.cause, 'process-restart', badSocket.dump());
      assert.equal(containerOf(noContainer.monitor.snapshot)!.problem?.code, 'container-not-found');
      await badSocket.stop();
      await noContainer.stop();
      await server.stop();
    },
  );

  it(
    'CLI: watch --container --json across a docker restart → session-lost (final cause docker-restart), container restart, healthy with a new session; SIGINT exits 0',
    { timeout: 60_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
      const fc = await container({ name: `${PREFIX}-cli`, memoryMb: 128 });
      const child = spawn(
        process.execPath,
        [CLI, 'watch', fc.url, '--container', fc.name, '--health-url', fc.healthUrl, '--json'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      cleanups.push(() => void child.kill('SIGKILL'));
      const lines: Record<string, unknown>[] = [];
      let stderr = '';
      let buf = '';
      const waiters: (() => void)[] = [];
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const l = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (l.trim()) lines.push(readJsonLine(l));
        }
        for (const w of [...waiters]) w();
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const dump = () => `stdout:\n${lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${stderr}`;
      const waitLine = (what: string, pred: (l: Record<string, unknown>, i: number) => boolean, timeoutMs = 30_000) =>
        new Promise<number>((res, rej) => {
          const check = () => {
            const i = lines.findIndex(pred);
            if (i < 0) return false;
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(check2), 1);
            res(i);
            return true;
          };
          const check2 = () => void check();
          const timer = setTimeout(() => {
            waiters.splice(waiters.indexOf(check2), 1);
            rej(new Error(`no ${what} within ${timeoutMs} ms\n${dump()}`));
          }, timeoutMs);
          waiters.push(check2);
          check();
        });

      const firstHealthy = await waitLine(
        'first healthy line',
        (l) => l.state === 'healthy' && typeof l.sessionId === 'string',
      );
      await waitLine('container watching line', (l) => l.type === 'container' && l.event === 'watching');
      const oldSession = lines[firstHealthy]!.sessionId;
      const mark = lines.length;
      await fc.container.restart({ t: 1 });
      const restartIdx = await waitLine(
        'container restart line',
        (l, i) => i >= mark && l.type === 'container' && l.event === 'restart',
      );
      const healedIdx = await waitLine(
        'healthy line with a new session',
        (l, i) => i >= mark && l.state === 'healthy' && l.sessionId !== oldSession,
      );
      // Let a late refinement (if any) arrive before judging the final cause.
      await new Promise((r) => setTimeout(r, 500));
      const lostLines = lines.slice(mark).filter((l) => l.state === 'session-lost');
      assert.ok(lostLines.length >= 1, dump());
      type Loss = { cause: string; label: string; evidence: unknown[]; refined?: true };
      const lossOf = (l: Record<string, unknown>) => l.loss as Loss | undefined;
      const last = lossOf(lostLines[lostLines.length - 1]!);
      assert.equal(last?.cause, 'docker-restart', dump());
      assert.equal(last?.label, 'docker restart', dump());
      assert.ok(last.evidence.length > 0, dump());
      // A line that changes the diagnosis says so.
      const first = lossOf(lostLines[0]!)!;
      if (first.cause !== 'docker-restart') assert.equal(last.refined, true, dump());
      const restart = lines[restartIdx]!;
      assert.ok(Number(restart.restarts) >= 1, dump());
      assert.equal(lossOf(restart)?.cause, 'docker-restart', dump());
      assert.notEqual(lines[healedIdx]!.sessionId, oldSession);
      t.diagnostic(
        `session-lost lines for this loss: ${lostLines.map((l) => `${lossOf(l)?.cause}${lossOf(l)?.refined ? ' (refined)' : ''}`).join(' → ')}`,
      );

      child.kill('SIGINT');
      const code = await Promise.race([
        exited,
        new Promise<string>((r) => setTimeout(() => r('still running 10 s after SIGINT'), 10_000)),
      ]);
      assert.equal(code, 0, dump());
      await dropContainer(fc.name);
    },
  );

  it(
    'docker stop → calm "stopped-on-purpose" with a startable container; startContainer brings it back healthy',
    { timeout: 60_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      const fc = await container({ name: `${PREFIX}-stop`, memoryMb: 128 });
      const w = watchServer(config(fc));
      await until(w, 'healthy and container running', (s) => healthy(s) && running(s));
      await fc.container.stop({ t: 1 });
      const calm = await until(w, 'down, stopped on purpose', (s) => s.down?.reason === 'stopped-on-purpose', 30_000);
      // Down either way: unreachable, or session-lost once Docker's `die` marks the held session lost.
      assert.ok(calm.state === 'unreachable' || calm.state === 'session-lost', `${calm.state}\n${w.dump()}`);
      assert.equal(calm.down?.calm, true);
      assert.equal(calm.down?.startableContainer, fc.name, w.dump());
      assert.equal(containerOf(calm)?.lastDeath?.deliberate, true, w.dump());
      await w.link.watcher.startContainer();
      const back = await until(w, 'healthy again after startContainer', (s) => healthy(s) && running(s), 30_000);
      assert.equal(back.down, undefined, 'a server that is up has no `down`');
      await w.stop();
      await dropContainer(fc.name);
    },
  );

  it(
    'a crash (exit 3, no restart policy) that stays down → a loss: down.reason "crash", not calm',
    { timeout: 60_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      const fc = await container({ name: `${PREFIX}-crash-down`, memoryMb: 128 });
      const w = watchServer(config(fc));
      await until(w, 'healthy and container running', (s) => healthy(s) && running(s));
      const cancel = fireFixtureTool(fc.url, 'test_crash', { exitCode: 3 });
      try {
        const down = await until(
          w,
          'down after the crash',
          (s) => s.down !== undefined && containerOf(s)?.state === 'exited',
          30_000,
        );
        assert.equal(down.down?.reason, 'crash', w.dump());
        assert.equal(down.down?.calm, false);
        assert.match(down.down!.detail, /exit 3/);
        assert.equal(containerOf(down)?.lastDeath?.deliberate, undefined, w.dump());
      } finally {
        cancel();
      }
      await w.stop();
      await dropContainer(fc.name);
    },
  );

  it(
    'rehearsal: the watcher restarts the container → rehearsalReport "healed", cause docker restart, detection and heal times',
    { timeout: 60_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      const fc = await container({ name: `${PREFIX}-rehearsal`, memoryMb: 128 });
      const w = watchServer(config(fc));
      const oldSession = (await until(w, 'healthy and container running', (s) => healthy(s) && running(s))).sessionId;
      const requestedAt = new Date().toISOString();
      await w.link.watcher.restartContainer(1);
      const back = await until(
        w,
        'healed with the cause settled',
        (s) => healthy(s) && s.sessionId !== oldSession && s.lastLoss?.cause === 'docker-restart',
        30_000,
      );
      const r = rehearsalReport({ requestedAt, after: back });
      t.diagnostic(
        `rehearsal: detection ${r.detectionMs} ms, heal ${r.healMs} ms, cause ${r.causeLabel}, connection ${r.healKind}`,
      );
      assert.equal(r.outcome, 'healed', w.dump());
      assert.equal(r.cause, 'docker-restart');
      assert.ok(r.detectionMs !== undefined && r.detectionMs >= 0, JSON.stringify(r));
      assert.ok(r.healMs !== undefined && r.healMs >= 0, JSON.stringify(r));
      assert.ok(r.healKind === 'reinitialized' || r.healKind === 'reconnected', JSON.stringify(r));
      await w.stop();
      await dropContainer(fc.name);
    },
  );
});
