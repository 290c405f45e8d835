// `docker-gateway up|status|down` against the real engine: the Archon-like fixture in a container on a
// user-defined network, the gateway built (FROM the suite's local node image) and run beside it by the
// bundled CLI. A client through the published port keeps working while the fixture is `docker restart`ed
// 10 times, and its session id stays valid when the gateway container restarts itself.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { GATEWAY_CONTAINER_NAME } from '../../src/core/always-on';
import { connectClient, executions, sleep, textOf, type Connected } from '../gateway/util';
import { waitFor } from '../helpers/wait';
import {
  ROOT,
  docker,
  ensureImages,
  ensureNetwork,
  engineAvailable,
  removeContainer,
  removeNetwork,
  runFixtureContainer,
  skipWithoutDocker,
  waitHealthy200,
  type FixtureContainer,
} from '../helpers/docker';
import { freePort } from '../helpers/servers';
import { readJsonLine } from '../helpers/json-lines';
import { parseJsonLine } from '../../src/core/json-lines';
import { demuxLogBuffer } from '../../src/core/docker/logs';

const run = promisify(execFile);
const CLI = resolve(ROOT, 'dist/cli.js');
const NETWORK = 'archon-mcp-doctor-test-net';
const UPSTREAM = 'archon-mcp-doctor-test-dgw-archon';
const LONELY = 'archon-mcp-doctor-test-dgw-bridge-only';
const RESTARTS = 10;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

/** Runs the bundled CLI's docker-gateway command with --json; the single stdout line parsed. */
async function dockerGateway(...args: string[]): Promise<CliResult> {
  let code = 0;
  let stdout = '';
  let stderr = '';
  try {
    ({ stdout, stderr } = await run(process.execPath, [CLI, 'docker-gateway', ...args, '--json'], {
      timeout: 180_000,
    }));
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    code = typeof err.code === 'number' ? err.code : 1;
    stdout = err.stdout ?? '';
    stderr = err.stderr ?? '';
  }
  const lines = stdout.trim().split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one JSON line on stdout, got: ${stdout}\nstderr: ${stderr}`);
  return { code, stdout, stderr, json: readJsonLine(lines[0]) as Record<string, unknown> };
}

/** The incidents the sidecar reports at its status endpoint, through the bundled CLI. */
async function sidecarIncidents(port: number): Promise<Record<string, unknown>[]> {
  const { stdout } = await run(
    process.execPath,
    [CLI, 'incidents', '--json', '--from', 'gateway', '--gateway', `http://127.0.0.1:${port}`],
    { timeout: 30_000 },
  );
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => readJsonLine(l) as Record<string, unknown>);
}

async function gatewayLogs(): Promise<string> {
  const buf = (await docker()
    .getContainer(GATEWAY_CONTAINER_NAME)
    .logs({ stdout: true, stderr: true, tail: 60, follow: false })) as unknown as Buffer;
  return Buffer.concat(demuxLogBuffer(buf).map((f) => f.data)).toString('utf8');
}

describe('docker-gateway: the always-on gateway container beside the upstream', () => {
  let fx: FixtureContainer | undefined;
  let base = '';
  let port = 0;
  let up: Record<string, unknown> = {};
  const clients: Connected[] = [];
  /** The ids of the incidents the sidecar recorded during the restarts. */
  let incidentIds: string[] = [];

  before(async () => {
    if (!(await engineAvailable())) return;
    assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
    base = (await ensureImages()).base;
    await removeContainer(GATEWAY_CONTAINER_NAME);
    await ensureNetwork(NETWORK);
    // Archon's bare reads take 150 ms (its tools call its API service): restarts cut some of them off.
    fx = await runFixtureContainer({
      name: UPSTREAM,
      network: NETWORK,
      env: { FIXTURE_TEST_TOOLS: '1', FIXTURE_READ_DELAY_MS: '150', FIXTURE_WRITE_AFTER_MS: '1500' },
      stopTimeoutSeconds: 1,
    });
    port = await freePort();
  });
  after(async () => {
    for (const c of clients) await c.close();
    if (!(await engineAvailable())) return;
    await removeContainer(GATEWAY_CONTAINER_NAME);
    await removeContainer(UPSTREAM);
    await removeContainer(LONELY);
    await removeNetwork(NETWORK);
  });

  it('refuses, clearly, an upstream container that does not exist or is only on the default bridge', async (t) => {
    if (await skipWithoutDocker(t)) return;
    const missing = await dockerGateway(
      'up',
      '--upstream',
      fx!.url,
      '--upstream-container',
      'archon-mcp-doctor-test-no-such',
      '--port',
      String(port),
      '--base-image',
      base,
    );
    assert.equal(missing.code, 1);
    assert.equal(missing.json.type, 'docker-gateway-error');
    assert.equal(missing.json.code, 'upstream-container-not-found');
    assert.match(
      String(missing.json.message),
      /No container named "archon-mcp-doctor-test-no-such"\. Running containers: .*archon-mcp-doctor-test-dgw-archon/,
    );
    const lonely = await runFixtureContainer({ name: LONELY, waitReady: false });
    const bridge = await dockerGateway(
      'up',
      '--upstream',
      lonely.url,
      '--upstream-container',
      LONELY,
      '--port',
      String(port),
      '--base-image',
      base,
    );
    assert.equal(bridge.json.code, 'upstream-not-on-user-network');
    assert.match(
      String(bridge.json.message),
      /only on Docker's default bridge network.*docker network connect archon-net archon-mcp-doctor-test-dgw-bridge-only/,
    );
    const wrongPort = await dockerGateway(
      'up',
      '--upstream',
      'http://localhost:1/mcp',
      '--upstream-container',
      UPSTREAM,
      '--port',
      String(port),
      '--base-image',
      base,
    );
    assert.equal(wrongPort.json.code, 'upstream-port-not-published');
    const noImage = await dockerGateway(
      'up',
      '--upstream',
      fx!.url,
      '--upstream-container',
      UPSTREAM,
      '--port',
      String(port),
      '--base-image',
      'archon-mcp-doctor-test/not-here:1',
    );
    assert.equal(noImage.json.code, 'base-image-missing');
    assert.match(String(noImage.json.message), /not on this machine and pulling it failed/);
    // A port another program holds on 127.0.0.1: said so, and no container left retrying.
    const squatter = createServer((_req, res) => res.end('not ours'));
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', () => r()));
    try {
      const taken = await dockerGateway(
        'up',
        '--upstream',
        fx!.url,
        '--upstream-container',
        UPSTREAM,
        '--port',
        String(port),
        '--base-image',
        base,
      );
      assert.equal(taken.json.code, 'port-taken', taken.stdout);
      assert.match(
        String(taken.json.message),
        new RegExp(
          `Port ${port} on 127\\.0\\.0\\.1 is taken: another program listens there\\. Choose another with --port`,
        ),
      );
    } finally {
      await new Promise<void>((r) => squatter.close(() => r()));
    }
    assert.equal((await dockerGateway('status')).json.state, 'absent', 'no failed attempt left a container behind');
  });

  it('up starts it on the upstream network, published on 127.0.0.1 only; status says the same; up again changes nothing', async (t) => {
    if (await skipWithoutDocker(t)) return;
    const first = await dockerGateway(
      'up',
      '--upstream',
      fx!.url,
      '--upstream-container',
      UPSTREAM,
      '--port',
      String(port),
      '--base-image',
      base,
    );
    assert.equal(first.code, 0, first.stderr);
    up = first.json;
    assert.equal(up.type, 'docker-gateway-up');
    assert.ok(!Number.isNaN(Date.parse(String(up.t))));
    assert.equal(up.change, 'created');
    assert.equal(up.state, 'running');
    assert.equal(up.url, `http://127.0.0.1:${port}/archon/mcp`);
    assert.equal(up.container, GATEWAY_CONTAINER_NAME);
    assert.match(String(up.image), /^archon-mcp-doctor-gateway:\d+\.\d+\.\d+/);
    assert.equal(up.upstream, fx!.url);
    assert.equal(up.innerUpstream, `http://${UPSTREAM}:8051/mcp`);
    assert.equal(up.network, NETWORK);
    assert.equal(up.dockerSocket, false);

    const info = await docker().getContainer(GATEWAY_CONTAINER_NAME).inspect();
    assert.equal(info.HostConfig.RestartPolicy?.Name, 'unless-stopped');
    assert.deepEqual(info.HostConfig.PortBindings, { '18051/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
    assert.ok(
      !(info.Mounts ?? []).some((m) => /docker\.sock/.test(String(m.Source ?? ''))),
      'no Docker socket mounted by default',
    );
    assert.ok(
      (info.Mounts ?? []).some((m) => m.Type === 'volume' && m.Destination === '/state'),
      'sessions in a named volume',
    );

    const status = (await dockerGateway('status')).json;
    assert.equal(status.type, 'docker-gateway-status');
    for (const k of ['state', 'url', 'container', 'image', 'upstream', 'network'])
      assert.deepEqual(status[k], up[k], k);

    const again = (
      await dockerGateway(
        'up',
        '--upstream',
        fx!.url,
        '--upstream-container',
        UPSTREAM,
        '--port',
        String(port),
        '--base-image',
        base,
      )
    ).json;
    assert.equal(again.change, 'unchanged');
    assert.equal((await docker().getContainer(GATEWAY_CONTAINER_NAME).inspect()).Id, info.Id, 'the same container');
    assert.equal(again.startedAt, up.startedAt, 'not restarted');
  });

  it('answers every call while the fixture container is docker-restarted 10 times', async (t) => {
    if (await skipWithoutDocker(t)) return;
    assert.equal(up.state, 'running', 'needs the previous test');
    const c = await connectClient(String(up.url), { name: 'docker-gateway-test' });
    clients.push(c);
    const restartsBegan = Date.now();
    let done = false;
    let calls = 0;
    const errors: string[] = [];
    const loop = (async () => {
      while (!done) {
        try {
          assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
          calls++;
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
    })();
    // Two calls answered after each restart: the second was sent to the new instance, which lost
    // the session, so every restart needs (at least) one heal. Calls go on during the restarts.
    const answeredAfter = async (n: number, what: string) => {
      const until = calls + n;
      const deadline = Date.now() + 30_000;
      while (calls < until) {
        if (Date.now() > deadline)
          throw new Error(`no ${n} calls answered ${what} within 30 s (errors: ${errors.join('; ')})`);
        await sleep(20);
      }
    };
    try {
      for (let n = 0; n < RESTARTS; n++) {
        await sleep(300 + Math.random() * 300);
        await fx!.container.restart({ t: 1 });
        await answeredAfter(2, `after restart ${n + 1}`);
      }
    } finally {
      done = true;
      await loop;
    }
    assert.deepEqual(errors, [], 'no call failed');
    assert.ok(calls >= 2 * RESTARTS, `calls went on (${calls})`);
    const status = (await dockerGateway('status')).json;
    assert.ok(
      Number(status.requestsHealed) >= RESTARTS,
      `healed at least once per restart: ${JSON.stringify(status)}\n${await gatewayLogs()}`,
    );
    // The sidecar kept the incidents, and its metrics are on the published (127.0.0.1) port. (Its volume
    // outlives `down`, on purpose: incidents of earlier runs are there too.)
    const incidents = (await sidecarIncidents(port)).filter((i) => Date.parse(String(i.startedAt)) >= restartsBegan);
    assert.ok(
      incidents.length >= 1 && incidents.length <= RESTARTS,
      `1..${RESTARTS} incidents: ${JSON.stringify(incidents)}`,
    );
    for (const i of incidents) {
      assert.equal(i.seenBy, 'sidecar');
      assert.ok(i.recoveredAt, 'each one recovered');
      assert.equal(i.upstream, fx!.url, 'the upstream as the user knows it');
    }
    incidentIds = incidents.map((i) => String(i.id));
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const heals = [...metrics.matchAll(/^archon_mcp_doctor_heals_total\{server="archon",kind="\w+"\} (\d+)/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
    assert.ok(heals >= RESTARTS, `heals_total from the sidecar: ${heals}`);
  });

  it("answers Archon's unannotated reads (150 ms each) across 10 restarts (SIGTERM and SIGKILL): none fails", async (t) => {
    if (await skipWithoutDocker(t)) return;
    assert.equal(up.state, 'running', 'needs the up test');
    const c = await connectClient(String(up.url), { name: 'docker-gateway-reads' });
    try {
      const tools = await c.client.listTools();
      assert.equal(
        tools.tools.find((x) => x.name === 'find_tasks')?.annotations,
        undefined,
        'bare, as Archon registers it',
      );
      let done = false;
      let calls = 0;
      const errors: string[] = [];
      const loops = ['find_tasks', 'rag_get_available_sources'].map(async (name) => {
        while (!done) {
          try {
            await c.client.callTool({ name, arguments: {} });
            calls++;
          } catch (e) {
            errors.push((e as Error).message);
          }
        }
      });
      try {
        for (let n = 0; n < RESTARTS; n++) {
          const until = calls + 2;
          const deadline = Date.now() + 30_000;
          while (calls < until && Date.now() < deadline) await sleep(20);
          await fx!.container.restart({ t: n % 2 ? 0 : 1 });
        }
        const until = calls + 2;
        const deadline = Date.now() + 30_000;
        while (calls < until && Date.now() < deadline) await sleep(20);
      } finally {
        done = true;
        await Promise.all(loops);
      }
      assert.deepEqual(errors, [], `${errors.length} of ${calls + errors.length} reads failed`);
      assert.ok(calls >= 2 * RESTARTS, `reads went on (${calls})`);
      // `status --json` against the sidecar's port: it knows Archon, and says which tools it repeats.
      const { stdout } = await run(process.execPath, [
        CLI,
        'status',
        '--port',
        String(new URL(String(up.url)).port),
        '--json',
      ]);
      const line = parseJsonLine(stdout.trim().split('\n')[0]);
      assert.ok(line.type === 'gateway-server', stdout);
      if (line.type !== 'gateway-server') return;
      assert.equal(line.repeat.knownServer, 'Archon');
      assert.deepEqual(
        line.repeat.tools.find((x) => x.tool === 'find_tasks'),
        {
          tool: 'find_tasks',
          repeat: true,
          reason: 'known-server',
          detail: "known server Archon: 'find_*' only reads",
        },
      );
      assert.equal(line.repeat.tools.find((x) => x.tool === 'manage_task')?.repeat, false);
    } finally {
      await c.close();
    }
  });

  it('a manage_task cut off by a SIGKILL of the container comes back "may or may not have run" and never runs again', async (t) => {
    if (await skipWithoutDocker(t)) return;
    assert.equal(up.state, 'running', 'needs the up test');
    const c = await connectClient(String(up.url), { name: 'docker-gateway-write' });
    try {
      await c.client.listTools();
      const ran = async () =>
        (await executions(fx!.url).catch(() => undefined))?.keys.manage_task?.['sidecar-cut'] ?? 0;
      // The write records itself, then answers 1.5 s later (FIXTURE_WRITE_AFTER_MS): killed in between.
      const pending = c.client
        .callTool({ name: 'manage_task', arguments: { action: 'create', title: 'sidecar-cut' } })
        .then(
          () => 'answered',
          (e: Error) => e.message,
        );
      await waitFor('the write to run in the container', async () => (await ran()) > 0, 20_000, 20);
      await fx!.container.kill();
      await fx!.container.start();
      assert.match(
        await pending,
        /may or may not have run; the gateway did not repeat it \(known server Archon: 'manage_\*' writes\)/,
      );
      await waitHealthy200(fx!.healthUrl, 30_000);
      await sleep(500);
      assert.equal(await ran(), 0, 'the new process never ran it');
    } finally {
      await c.close();
    }
  });

  it('keeps the client session valid when the gateway container restarts itself', async (t) => {
    if (await skipWithoutDocker(t)) return;
    const c = clients[0];
    assert.ok(c, 'needs the previous test');
    const sessionId = c.transport.sessionId;
    const before = await docker().getContainer(GATEWAY_CONTAINER_NAME).inspect();
    // The gateway process ends (as on a crash or an OOM); Docker's restart policy brings it back.
    const exec = await docker()
      .getContainer(GATEWAY_CONTAINER_NAME)
      .exec({
        Cmd: ['/usr/local/bin/node', '-e', "process.kill(1, 'SIGTERM')"],
        AttachStdout: true,
        AttachStderr: true,
      });
    const stream = await exec.start({});
    stream.resume();
    let info = before;
    // While Docker waits to restart it, State says Running and Restarting; done when it started anew.
    const back = () => info.State.StartedAt !== before.State.StartedAt && info.State.Running && !info.State.Restarting;
    for (let i = 0; i < 150 && !back(); i++) {
      await sleep(200);
      info = await docker().getContainer(GATEWAY_CONTAINER_NAME).inspect();
    }
    assert.ok(
      info.RestartCount > before.RestartCount,
      `restarted by its policy (RestartCount ${before.RestartCount} → ${info.RestartCount})`,
    );
    assert.notEqual(info.State.StartedAt, before.State.StartedAt);
    // Docker's port proxy accepts (and drops) connections before the process inside listens: wait
    // until the gateway itself answers, as a client retrying its connection would.
    await waitHealthy200(`http://127.0.0.1:${port}/.well-known/archon-mcp-doctor`, 30_000, gatewayLogs);
    const r = await c.client.callTool({ name: 'test_read', arguments: {} });
    assert.match(textOf(r), /executions/);
    assert.equal(c.transport.sessionId, sessionId, 'the same session id, still valid');
  });

  it('up with other settings recreates the container, and client sessions stay valid', async (t) => {
    if (await skipWithoutDocker(t)) return;
    const c = clients[0];
    assert.ok(c?.transport.sessionId, 'needs the previous tests');
    const sessionId = c.transport.sessionId!;
    const oldId = (await docker().getContainer(GATEWAY_CONTAINER_NAME).inspect()).Id;
    port = await freePort();
    const moved = await dockerGateway(
      'up',
      '--upstream',
      fx!.url,
      '--upstream-container',
      UPSTREAM,
      '--port',
      String(port),
      '--base-image',
      base,
    );
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(moved.json.change, 'recreated');
    assert.equal(moved.json.url, `http://127.0.0.1:${port}/archon/mcp`);
    assert.notEqual((await docker().getContainer(GATEWAY_CONTAINER_NAME).inspect()).Id, oldId, 'a new container');
    // The same session id, at the new address: restored from the volume, not re-created.
    const again = await connectClient(String(moved.json.url), { sessionId });
    clients.push(again);
    assert.match(textOf(await again.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
    assert.equal(again.transport.sessionId, sessionId);
    // The incidents came along in the volume: every one kept, none doubled.
    const ids = (await sidecarIncidents(port)).map((i) => String(i.id));
    assert.equal(new Set(ids).size, ids.length, `no incident twice: ${ids.join(', ')}`);
    for (const id of incidentIds) assert.ok(ids.includes(id), `incident ${id} kept across the recreate`);
  });

  it('up --with-docker-socket mounts the socket for the unprivileged gateway, which keeps its sessions and sees the upstream container die', async (t) => {
    if (await skipWithoutDocker(t)) return;
    const c = clients[0];
    assert.ok(c?.transport.sessionId, 'needs the previous tests');
    const watched = await dockerGateway(
      'up',
      '--upstream',
      fx!.url,
      '--upstream-container',
      UPSTREAM,
      '--port',
      String(port),
      '--base-image',
      base,
      '--with-docker-socket',
    );
    assert.equal(watched.code, 0, watched.stderr);
    assert.equal(watched.json.change, 'recreated', 'another setting: another container');
    assert.equal(watched.json.dockerSocket, true);
    const info = await docker().getContainer(GATEWAY_CONTAINER_NAME).inspect();
    assert.ok(
      (info.Mounts ?? []).some((m) => /docker\.sock$/.test(String(m.Source ?? ''))),
      `the socket is mounted: ${JSON.stringify(info.Mounts)}`,
    );
    const socketGid = String(statSync('/var/run/docker.sock').gid);
    assert.ok(
      info.Config.User !== '0:0' && info.Config.User !== 'root',
      `not root in the container (User ${JSON.stringify(info.Config.User)})`,
    );
    assert.ok(
      info.HostConfig.GroupAdd?.includes(socketGid),
      `in the socket's group ${socketGid}: ${JSON.stringify(info.HostConfig.GroupAdd)}`,
    );
    const logsSay = async (what: RegExp, label: string) => {
      for (let i = 0; i < 100; i++) {
        if (what.test(await gatewayLogs())) return;
        await sleep(200);
      }
      assert.fail(`the gateway never logged ${label}:\n${await gatewayLogs()}`);
    };
    await logsSay(
      new RegExp(`watching container ${UPSTREAM} through Docker`),
      'that it watches the upstream container',
    );
    assert.doesNotMatch(await gatewayLogs(), /"type":"session-store"/, 'the session store works for this user');
    const again = await connectClient(String(watched.json.url), { sessionId: c.transport.sessionId }).catch(
      async (e: Error) => assert.fail(`the restored session was refused: ${e.message}\n${await gatewayLogs()}`),
    );
    clients.push(again);
    await fx!.container.restart({ t: 1 });
    await logsSay(new RegExp(`container ${UPSTREAM} died: holding requests`), "the upstream container's death");
    const after = await again.client
      .callTool({ name: 'test_read', arguments: {} })
      .catch(async (e: Error) => assert.fail(`not answered after the restart: ${e.message}\n${await gatewayLogs()}`));
    assert.match(textOf(after), /executions/, 'answered after the restart');
  });

  it('down removes the container and leaves nothing running', async (t) => {
    if (await skipWithoutDocker(t)) return;
    for (const c of clients.splice(0)) await c.close();
    const down = (await dockerGateway('down')).json;
    assert.equal(down.type, 'docker-gateway-down');
    assert.equal(down.removed, true);
    assert.equal(down.state, 'absent');
    const left = await docker().listContainers({ all: true, filters: { name: [GATEWAY_CONTAINER_NAME] } });
    assert.deepEqual(
      left.map((c) => c.Names),
      [],
    );
    assert.equal((await dockerGateway('status')).json.state, 'absent');
    assert.equal((await dockerGateway('down')).json.removed, false, 'a second down is fine');
    await assert.rejects(
      fetch(`http://127.0.0.1:${port}/.well-known/archon-mcp-doctor`),
      'nothing answers on the port',
    );
  });
});
