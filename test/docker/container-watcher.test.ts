// Integration tests of src/core/docker against the REAL Docker engine and the Archon-like fixture
// running in a container (images built locally by test/helpers/docker.ts). One file on purpose: the
// last test stops and starts the engine, which must not overlap with anything else.
// Without an engine these tests skip with a message; with CI=true they fail.
import { sleep } from '../helpers/wait';
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  ContainerWatcher,
  containerLogs,
  type ContainerDown,
  type ContainerRestart,
  type HealthChange,
  type ContainerWatcherOptions,
} from '../../src/core/docker';
import type { DockerProblem } from '../../src/core/docker/engine-address';
import type { MemorySample } from '../../src/core/docker/memory';
import {
  callFixtureTool,
  docker,
  engineAvailable,
  engineScript,
  engineStartedByScript,
  ensureImages,
  fireFixtureTool,
  abortPendingToolCalls,
  removeContainer,
  removeTestContainers,
  runFixtureContainer,
  skipWithoutDocker,
  waitForEvent,
  waitHealthy200,
} from '../helpers/docker';

const PREFIX = `amd-test-${process.pid}`;
const watchers: ContainerWatcher[] = [];

function watch(opts: ContainerWatcherOptions): ContainerWatcher {
  const w = new ContainerWatcher({ reconnectMinMs: 200, reconnectMaxMs: 2000, lookupRetryMs: 1000, ...opts });
  watchers.push(w);
  return w;
}

/** Collects every emission of the watcher's events, for assertions and failure messages. */
function record(w: ContainerWatcher) {
  const log: { t: number; event: string; value: unknown }[] = [];
  const t0 = Date.now();
  for (const e of [
    'event',
    'down',
    'restart',
    'health',
    'pressure',
    'problem',
    'problem-cleared',
    'connected',
    'disconnected',
  ] as const) {
    w.on(e, (v?: unknown) => log.push({ t: Date.now() - t0, event: e, value: v }));
  }
  return {
    log,
    dump: () => log.map((l) => `${l.t}ms ${l.event} ${JSON.stringify(l.value ?? '').slice(0, 200)}`).join('\n'),
  };
}

describe('docker: container watcher against a real engine', { timeout: 300_000 }, () => {
  before(async () => {
    if (!(await engineAvailable())) return;
    await removeTestContainers();
    await ensureImages();
  });
  after(async () => {
    abortPendingToolCalls();
    for (const w of watchers) w.stop();
    await removeTestContainers().catch(() => undefined);
  });

  it(
    'docker restart → cause "docker restart", restart #1, healthy again, a new session works',
    { timeout: 60_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      const name = `${PREFIX}-restart`;
      const fc = await runFixtureContainer({ name, memoryMb: 128 });
      const w = watch({ container: name, memoryAlerting: false });
      const rec = record(w);
      await w.start();
      assert.equal(w.snapshot().state, 'running');
      assert.equal(w.snapshot().matchedName, name);
      const firstInstance = w.snapshot().instanceId;
      assert.ok(firstInstance);
      await waitForEvent<HealthChange>(w, 'health', (h) => h.status === 'healthy', 15_000).catch(() => undefined);

      const down = waitForEvent<ContainerDown>(w, 'down', () => true, 20_000);
      const restarted = waitForEvent<ContainerRestart>(w, 'restart', () => true, 20_000);
      const asked = Date.now();
      await w.restartContainer(2);
      const d = await down;
      const r = await restarted;
      t.diagnostic(
        `die event → 'down' callback: ${d.latencyMs} ms; restart API call → 'down': ${Date.now() - asked} ms (upper bound)`,
      );
      assert.equal(r.diagnosis.cause, 'docker-restart', rec.dump());
      assert.equal(r.count, 1);
      assert.equal(r.inferred, false);
      assert.notEqual(r.instanceId, firstInstance);
      assert.equal(r.previousInstanceId, firstInstance);
      assert.ok(
        r.diagnosis.evidence.some((e) => /restart/.test(e.detail)),
        JSON.stringify(r.diagnosis.evidence),
      );
      await waitForEvent<HealthChange>(w, 'health', (h) => h.status === 'healthy', 15_000);
      const s = w.snapshot();
      assert.equal(s.restarts, 1);
      assert.equal(s.health, 'healthy');
      assert.ok((s.uptimeSeconds ?? 99) < 30);
      assert.equal(s.restartPolicy, 'no');
      assert.equal(s.memoryLimitBytes, 128 * 1024 * 1024);
      // No exec_* noise reached the listeners.
      assert.ok(rec.log.filter((l) => l.event === 'event').every((l) => !/exec_/.test(JSON.stringify(l.value))));
      const res = (await callFixtureTool(fc.url, 'health_check')) as { isError?: boolean };
      assert.notEqual(res.isError, true);
      // The logs helper separates stdout and stderr.
      const logs = await w.logs(200);
      assert.ok(logs.lines.length > 0);
      assert.equal(logs.tty, false);
      assert.ok(
        logs.lines.every((l) => l.at),
        'timestamps parsed',
      );
      w.stop();
      await removeContainer(name);
    },
  );

  it(
    'OOM kill with --restart=on-failure → oom + die 137 + start, cause "OOM kill", counters up',
    { timeout: 90_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      const name = `${PREFIX}-oom`;
      const fc = await runFixtureContainer({ name, memoryMb: 64, restartPolicy: 'on-failure', maxRetries: 3 });
      const w = watch({ container: name, memoryAlerting: false });
      const rec = record(w);
      await w.start();
      assert.equal(w.snapshot().restartPolicy, 'on-failure:3');
      const down = waitForEvent<ContainerDown>(w, 'down', () => true, 30_000);
      const restarted = waitForEvent<ContainerRestart>(w, 'restart', () => true, 30_000);
      const cancel = fireFixtureTool(fc.url, 'test_allocate_memory', { mb: 256 });
      const d = await down;
      cancel();
      assert.equal(d.exitCode, 137, rec.dump());
      assert.equal(d.oom, true, rec.dump());
      const r = await restarted;
      assert.equal(r.diagnosis.cause, 'oom-kill', rec.dump());
      assert.equal(r.diagnosis.label, 'OOM kill');
      const actions = rec.log.filter((l) => l.event === 'event').map((l) => (l.value as { action: string }).action);
      const iOom = actions.indexOf('oom');
      const iDie = actions.indexOf('die');
      const iStart = actions.lastIndexOf('start');
      assert.ok(iOom >= 0 && iOom < iDie && iDie < iStart, `oom, die, start in order: ${actions.join(',')}`);
      assert.ok(!actions.includes('restart'), 'a policy restart has no restart event');
      // OOMKilled as the engine reports it for the instance that died (inspect right after the die).
      await waitHealthy200(fc.healthUrl, 20_000);
      const s = w.snapshot();
      assert.ok(s.oomKills >= 1, JSON.stringify(s));
      assert.equal(
        s.lastDeath?.oomKilled,
        true,
        `State.OOMKilled of the instance that died: ${JSON.stringify(s.lastDeath)}`,
      );
      assert.equal(s.lastDeath?.exitCode, 137);
      assert.ok(s.restarts >= 1);
      assert.ok((s.engineRestartCount ?? 0) >= 1, `engine RestartCount ${s.engineRestartCount}`);
      assert.ok(r.diagnosis.evidence.some((e) => /oom/.test(e.detail)));
      w.stop();
      await removeContainer(name);
    },
  );

  it('crash with exit code 3 → cause "crash (exit 3)"', { timeout: 60_000 }, async (t) => {
    if (await skipWithoutDocker(t)) return;
    const name = `${PREFIX}-crash`;
    const fc = await runFixtureContainer({ name, memoryMb: 128, restartPolicy: 'on-failure', maxRetries: 3 });
    const w = watch({ container: name, memoryAlerting: false });
    const rec = record(w);
    await w.start();
    const down = waitForEvent<ContainerDown>(w, 'down', () => true, 20_000);
    const restarted = waitForEvent<ContainerRestart>(w, 'restart', () => true, 20_000);
    const cancel = fireFixtureTool(fc.url, 'test_crash', { exitCode: 3 });
    const d = await down;
    cancel();
    assert.equal(d.exitCode, 3);
    assert.equal(d.oom, false);
    const r = await restarted;
    assert.equal(r.diagnosis.cause, 'crash', rec.dump());
    assert.equal(r.diagnosis.exitCode, 3);
    assert.equal(r.diagnosis.label, 'crash (exit 3)');
    assert.equal(w.snapshot().lastExitCode, 3);
    // The diagnosis of a session loss noticed a moment later gives the same answer.
    const later = w.diagnose({ lossAt: new Date().toISOString(), failureKind: 'unknown-session' });
    assert.equal(later.label, 'crash (exit 3)');
    w.stop();
    await removeContainer(name);
  });

  it(
    'failing healthcheck → unhealthy with the check output; a docker restart after it → "unhealthy-restart"',
    { timeout: 60_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      const name = `${PREFIX}-health`;
      const fc = await runFixtureContainer({ name, memoryMb: 128, healthIntervalMs: 500, healthRetries: 2 });
      const w = watch({ container: name, memoryAlerting: false });
      const rec = record(w);
      await w.start();
      await waitForEvent<HealthChange>(w, 'health', (h) => h.status === 'healthy', 15_000).catch(() => undefined);
      const unhealthy = waitForEvent<HealthChange>(w, 'health', (h) => h.status === 'unhealthy', 20_000);
      await callFixtureTool(fc.url, 'test_set_health', { healthy: false });
      const h = await unhealthy;
      assert.equal(w.snapshot().health, 'unhealthy');
      assert.match(h.output ?? '', /HTTP 503/, rec.dump());
      assert.ok((w.snapshot().healthFailingStreak ?? 0) >= 2);
      // Someone (or an autoheal tool) restarts the unhealthy container.
      const restarted = waitForEvent<ContainerRestart>(w, 'restart', () => true, 20_000);
      await w.restartContainer(2);
      const r = await restarted;
      assert.equal(r.diagnosis.cause, 'unhealthy-restart', rec.dump());
      // A fresh process is healthy again.
      await waitForEvent<HealthChange>(w, 'health', (x) => x.status === 'healthy', 15_000);
      w.stop();
      await removeContainer(name);
    },
  );

  it(
    'memory pressure at 90 % of the limit is flagged, and cleared when freed; sampling stops when unneeded',
    { timeout: 90_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      const name = `${PREFIX}-mem`;
      const limitMb = 128;
      const fc = await runFixtureContainer({ name, memoryMb: limitMb, env: { NODE_OPTIONS: '--expose-gc' } });
      const w = watch({ container: name, memoryAlerting: true, memoryThreshold: 0.85, memorySampleIntervalMs: 500 });
      const rec = record(w);
      const samples: MemorySample[] = [];
      w.on('memory', (m) => samples.push(m));
      await w.start();
      const first = await waitForEvent<MemorySample>(w, 'memory', () => true, 10_000);
      assert.equal(first.limitBytes, limitMb * 1024 * 1024);
      assert.equal(first.limitIsHost, false);
      assert.equal(first.pressure, false);
      const usedMb = first.usageBytes / 1048576;
      const mb = Math.ceil(limitMb * 0.9 - usedMb) + 1;
      t.diagnostic(`baseline ${usedMb.toFixed(1)} MB of ${limitMb} MB; allocating ${mb} MB`);
      const on = waitForEvent<{ active: boolean; sample: MemorySample }>(w, 'pressure', (p) => p.active, 20_000);
      await callFixtureTool(fc.url, 'test_allocate_memory', { mb });
      const p = await on;
      t.diagnostic(`pressure flagged at ${p.sample.pct.toFixed(1)} % (${w.snapshot().memoryText})`);
      assert.ok(p.sample.pct >= 85 && p.sample.pct < 100);
      assert.equal(w.snapshot().memoryPressure, true);
      assert.match(w.snapshot().memoryText ?? '', /^\d+ MB \/ 128 MB \(\d+ %\)$/);
      const off = waitForEvent<{ active: boolean; sample: MemorySample }>(w, 'pressure', (x) => !x.active, 20_000);
      await callFixtureTool(fc.url, 'test_free_memory', {});
      const o = await off;
      t.diagnostic(`pressure cleared at ${o.sample.pct.toFixed(1)} %`);
      assert.equal(w.snapshot().memoryPressure, false);
      // Throttled: one sample per interval at most.
      const gaps = samples.slice(1).map((s, i) => Date.parse(s.at) - Date.parse(samples[i]!.at));
      assert.ok(
        gaps.every((g) => g >= 450),
        `gaps ${gaps.join(',')}`,
      );
      // Nobody needs samples → none are taken; a view asking → they come back.
      w.setMemoryAlerting(false);
      await sleep(700);
      assert.equal(w.samplingMemory, false);
      const n = samples.length;
      await sleep(1200);
      assert.equal(samples.length, n, 'no samples while nobody needs them');
      const release = w.requestMemorySampling();
      await waitForEvent<MemorySample>(w, 'memory', () => true, 5000);
      release();
      await sleep(700);
      assert.equal(w.samplingMemory, false);
      assert.ok(!rec.log.some((l) => l.event === 'problem'), rec.dump());
      w.stop();
      await removeContainer(name);
    },
  );

  it(
    'a wrong socket path and a missing container → one clear message each, no crash',
    { timeout: 60_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      // Wrong socket.
      const bad = watch({
        container: 'archon-mcp',
        socketPath: '/tmp/definitely-not-docker.sock',
        reconnectMinMs: 200,
        reconnectMaxMs: 400,
      });
      const problems: DockerProblem[] = [];
      bad.on('problem', (p) => problems.push(p));
      await bad.start();
      assert.equal(bad.snapshot().problem?.code, 'socket-missing');
      assert.match(bad.snapshot().problem!.message, /unix:\/\/\/tmp\/definitely-not-docker\.sock.*does not exist/);
      await sleep(1500);
      assert.equal(problems.length, 1, 'the same problem is reported once, not on every retry');
      assert.equal(bad.snapshot().connected, false);
      bad.stop();

      // Missing container: the message lists the running ones; it is found once it appears.
      const name = `${PREFIX}-late`;
      const other = `${PREFIX}-other`;
      await runFixtureContainer({ name: other, memoryMb: 128, waitReady: false });
      const w = watch({ container: name, memoryAlerting: false });
      const rec = record(w);
      await w.start();
      const p = w.snapshot().problem;
      assert.equal(p?.code, 'container-not-found', rec.dump());
      assert.match(p!.message, new RegExp(`No container named "${name}"`));
      assert.match(p!.message, new RegExp(other));
      assert.equal(w.snapshot().state, 'missing');
      const cleared = waitForEvent<void>(w, 'problem-cleared', () => true, 20_000);
      await runFixtureContainer({ name, memoryMb: 128, waitReady: false });
      await cleared;
      assert.equal(w.snapshot().matchedName, name);
      await sleep(300);
      assert.equal(w.snapshot().state, 'running');
      w.stop();
      await removeContainer(name);
      await removeContainer(other);
    },
  );

  it(
    'falls back to the legacy name Archon-MCP when archon-mcp is missing, and says which matched',
    { timeout: 60_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      const existing = await docker().listContainers({ all: true });
      if (existing.some((c) => c.Names.some((n) => /^\/(archon-mcp|Archon-MCP)$/.test(n)))) {
        t.skip('a real archon-mcp / Archon-MCP container exists here; not touching it');
        return;
      }
      await runFixtureContainer({ name: 'Archon-MCP', memoryMb: 128, waitReady: false });
      const w = watch({ container: 'archon-mcp', memoryAlerting: false });
      await w.start();
      const s = w.snapshot();
      assert.equal(s.matchedName, 'Archon-MCP');
      assert.equal(s.matchedFallback, true);
      assert.equal(s.configuredName, 'archon-mcp');
      assert.equal(s.problem, undefined);
      w.stop();
      await removeContainer('Archon-MCP');
    },
  );

  it(
    'logs: the last N lines, stdout and stderr separated (multiplexed), and a TTY container as one stream',
    { timeout: 60_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      const images = await ensureImages();
      const script =
        "for (let i = 1; i <= 250; i++) { (i % 5 ? process.stdout : process.stderr).write((i % 5 ? 'out ' : 'err ') + i + (i === 7 ? ' ünïcödé' : '') + '\\n'); }";
      for (const tty of [false, true]) {
        const name = `${PREFIX}-logs-${tty ? 'tty' : 'plain'}`;
        await removeContainer(name);
        const c = await docker().createContainer({
          name,
          Image: images.fixture,
          Cmd: ['/usr/local/bin/node', '-e', script],
          Tty: tty,
          Labels: { 'archon-mcp-doctor.test': '1' },
          Healthcheck: { Test: ['NONE'] },
        });
        await c.start();
        await c.wait();
        const logs = await containerLogs(docker(), name, { tail: 200 });
        assert.equal(logs.tty, tty);
        assert.equal(logs.lines.length, 200, `tail 200 of 250 lines (${tty ? 'tty' : 'plain'})`);
        if (!tty) {
          // Two pipes: the engine's interleaving of stdout and stderr is by arrival, so the split of the
          // last 200 lines between them varies; each line must land in its own stream, in order.
          assert.equal(logs.stderr.length + logs.stdout.length, 200);
          assert.ok(logs.stderr.length > 0 && logs.stdout.length > 0);
          assert.ok(
            logs.stderr.every((l) => /^err \d+$/.test(l)),
            logs.stderr.slice(0, 3).join('|'),
          );
          assert.ok(logs.stdout.every((l) => /^out \d+/.test(l)));
          const nums = (xs: string[]) => xs.map((l) => Number(/\d+/.exec(l)![0]));
          assert.deepEqual(
            nums(logs.stdout),
            [...nums(logs.stdout)].sort((a, b) => a - b),
          );
          assert.deepEqual(
            nums(logs.stderr),
            [...nums(logs.stderr)].sort((a, b) => a - b),
          );
          assert.equal(logs.stdout[logs.stdout.length - 1], 'out 249');
          assert.equal(logs.stderr[logs.stderr.length - 1], 'err 250');
        } else {
          assert.equal(logs.stderr.length, 0);
          assert.ok(logs.stdout.some((l) => /^err 250$/.test(l)));
        }
        await removeContainer(name);
      }
      // The ü line (7) is outside the tail; check multi-byte text through the whole path with a bigger tail.
      const name = `${PREFIX}-logs-utf8`;
      await removeContainer(name);
      const c = await docker().createContainer({
        name,
        Image: images.fixture,
        Cmd: ['/usr/local/bin/node', '-e', script],
        Labels: { 'archon-mcp-doctor.test': '1' },
        Healthcheck: { Test: ['NONE'] },
      });
      await c.start();
      await c.wait();
      const all = await containerLogs(docker(), name, { tail: 1000 });
      assert.ok(all.stdout.includes('out 7 ünïcödé'));
      await removeContainer(name);
    },
  );

  it(
    'the engine stopped and started while watching → the watcher reconnects (no busy loop) and sees the next restart',
    { timeout: 120_000 },
    async (t) => {
      if (await skipWithoutDocker(t)) return;
      if (!engineStartedByScript()) {
        // Even with CI=true: an engine that was already running (a CI runner's own) is not ours to stop.
        t.skip("the engine was not started by scripts/docker-engine.sh: not stopping somebody else's daemon");
        return;
      }
      const name = `${PREFIX}-daemon`;
      await runFixtureContainer({ name, memoryMb: 128, restartPolicy: 'always' });
      // Count the engine calls the watcher makes while the engine is down.
      const client = docker();
      const w = watch({
        container: name,
        memoryAlerting: true,
        memorySampleIntervalMs: 1000,
        docker: client,
        reconnectMinMs: 250,
        reconnectMaxMs: 2000,
      });
      const rec = record(w);
      await w.start();
      assert.equal(w.snapshot().connected, true);
      const before = w.snapshot().instanceId;

      const disconnected = waitForEvent(w, 'disconnected', () => true, 30_000);
      const stopAt = Date.now();
      await engineScript('stop');
      // Whatever happens below, the engine is running again when this test ends.
      t.after(async () => {
        await engineScript('start');
      });
      await disconnected;
      // While down: count problems/attempts over a few seconds via the ping calls.
      let pings = 0;
      const origPing = client.ping.bind(client);
      (client as unknown as { ping: () => Promise<unknown> }).ping = () => {
        pings++;
        return origPing();
      };
      const cpu0 = process.cpuUsage();
      const w0 = Date.now();
      await sleep(4000);
      const cpu = process.cpuUsage(cpu0);
      const cpuPct = ((cpu.user + cpu.system) / 1000 / (Date.now() - w0)) * 100;
      t.diagnostic(`engine down: ${pings} reconnect attempts in 4 s, process CPU ${cpuPct.toFixed(2)} %`);
      assert.ok(pings >= 1 && pings <= 10, `backoff, not a busy loop: ${pings} attempts`);
      assert.equal(w.snapshot().connected, false);
      // dockerd removes its socket when it stops: "socket missing" (or "not answering" while it goes).
      assert.ok(
        ['not-answering', 'socket-missing'].includes(w.snapshot().problem?.code ?? ''),
        JSON.stringify(w.snapshot().problem),
      );

      const connected = waitForEvent(w, 'connected', () => true, 60_000);
      const cameBack = waitForEvent<ContainerRestart>(w, 'restart', () => true, 60_000);
      await engineScript('start');
      await connected;
      t.diagnostic(`engine back; watcher reconnected ${Date.now() - stopAt} ms after the stop began`);
      // The restart policy brings the container back with the daemon; the watcher notices the new instance
      // (its start event comes through the resumed stream) and blames the engine restart.
      const back = await cameBack;
      t.diagnostic(
        `across the engine restart: restart #${back.count} ${back.diagnosis.label}${back.inferred ? ' (inferred, no start event)' : ''}; evidence: ${back.diagnosis.evidence.map((e) => e.detail).join('; ')}`,
      );
      assert.notEqual(w.snapshot().instanceId, before, rec.dump());
      assert.equal(back.diagnosis.cause, 'docker-restart', rec.dump());
      assert.equal(back.diagnosis.label, 'Docker engine restart');
      assert.equal(back.inferred, false, 'the start event arrived through the resumed (since) stream');
      assert.equal(w.snapshot().problem, undefined, rec.dump());

      // And the next restart is seen through the resumed event stream.
      const restarted = waitForEvent<ContainerRestart>(
        w,
        'restart',
        (r) => r.diagnosis.cause === 'docker-restart',
        30_000,
      );
      await w.restartContainer(2);
      const r = await restarted;
      assert.equal(r.inferred, false);
      t.diagnostic(`after the engine restart: restart #${r.count} (${r.diagnosis.label})`);
      w.stop();
      await removeContainer(name);
    },
  );
});

export type { TestContext };
