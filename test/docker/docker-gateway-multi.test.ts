// `docker-gateway up` with several upstreams, against the real engine: two fixture containers on two
// user-defined networks, one named with --upstream-container, one found by the host port it publishes;
// then the same two from the shared server list (no --upstream). Each answers through the gateway
// container, also across a `docker restart` of its upstream. A server listed with a token header is
// reached through a guard that refuses requests without it: the token reaches it, and `docker inspect`
// of the gateway container shows it nowhere (Env, Cmd, Labels, Mounts).
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { GATEWAY_CONFIG_VOLUME_NAME, GATEWAY_CONTAINER_NAME, SERVERS_FILE_ENV } from '../../src/core/always-on';
import { connectClient, textOf } from '../gateway/util';
import {
  CONTAINER_PORT,
  ROOT,
  TEST_LABEL,
  docker,
  ensureImages,
  ensureNetwork,
  engineAvailable,
  removeContainer,
  removeNetwork,
  runFixtureContainer,
  skipWithoutDocker,
  type FixtureContainer,
} from '../helpers/docker';
import { readJsonLine } from '../helpers/json-lines';
import { freePort } from '../helpers/wait';

const run = promisify(execFile);
const CLI = resolve(ROOT, 'dist/cli.js');
const NETS = ['archon-mcp-doctor-test-multi-a', 'archon-mcp-doctor-test-multi-b'];
const NAMES = ['archon-mcp-doctor-test-multi-archon', 'archon-mcp-doctor-test-multi-docs'];
const GUARD = 'archon-mcp-doctor-test-multi-guard';
const TOKEN = `Bearer multi-${randomBytes(12).toString('hex')}`;

/**
 * A reverse proxy in front of the Docs fixture that lets through only requests with the token and counts
 * them (GET /seen from the host): an upstream that needs an Authorization header, as hosted servers do.
 */
const GUARD_JS = `
const http = require('http');
const target = new URL(process.env.TARGET);
let seen = 0, refused = 0;
http.createServer((req, res) => {
  if (req.url === '/seen') return res.end(JSON.stringify({ seen, refused }));
  if (req.headers.authorization !== process.env.EXPECT) {
    refused++;
    req.resume();
    return res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"token required"}');
  }
  seen++;
  const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
}).listen(${CONTAINER_PORT}, '0.0.0.0');
`;

describe('docker-gateway up with several upstreams', () => {
  const fx: FixtureContainer[] = [];
  let base = '';
  let port = 0;
  let home = '';
  let guardPort = 0;

  async function dockerGateway(...args: string[]): Promise<Record<string, unknown>> {
    let stdout = '';
    try {
      ({ stdout } = await run(process.execPath, [CLI, 'docker-gateway', ...args, '--json'], {
        timeout: 180_000,
        env: { ...process.env, HOME: home, XDG_CONFIG_HOME: '', ARCHON_MCP_DOCTOR_CONFIG_DIR: '' },
      }));
    } catch (e) {
      stdout = (e as { stdout?: string }).stdout ?? '';
      assert.fail(`docker-gateway ${args.join(' ')} failed: ${stdout} ${(e as { stderr?: string }).stderr ?? ''}`);
    }
    return readJsonLine(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  }

  async function answersThrough(url: string): Promise<void> {
    const c = await connectClient(url, { name: 'multi-test' });
    try {
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
    } finally {
      await c.close();
    }
  }

  before(async () => {
    if (!(await engineAvailable())) return;
    base = (await ensureImages()).base;
    home = mkdtempSync(join(tmpdir(), 'archon-multi-'));
    await removeContainer(GATEWAY_CONTAINER_NAME);
    for (const n of NETS) await ensureNetwork(n);
    for (const [i, name] of NAMES.entries())
      fx.push(
        await runFixtureContainer({ name, network: NETS[i], env: { FIXTURE_TEST_TOOLS: '1' }, stopTimeoutSeconds: 1 }),
      );
    port = await freePort();
    guardPort = await freePort();
    await removeContainer(GUARD);
    const guard = await docker().createContainer({
      name: GUARD,
      Image: base,
      Entrypoint: ['node', '-e', GUARD_JS],
      Cmd: [],
      Labels: { [TEST_LABEL]: '1' },
      Env: [`TARGET=http://${NAMES[1]}:${CONTAINER_PORT}`, `EXPECT=${TOKEN}`],
      ExposedPorts: { [`${CONTAINER_PORT}/tcp`]: {} },
      HostConfig: {
        NetworkMode: NETS[1],
        PortBindings: { [`${CONTAINER_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(guardPort) }] },
      },
    });
    await guard.start();
  });
  after(async () => {
    if (!(await engineAvailable())) return;
    await removeContainer(GATEWAY_CONTAINER_NAME);
    for (const n of [...NAMES, GUARD]) await removeContainer(n);
    for (const n of NETS) await removeNetwork(n);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('serves each upstream at its own path, on both networks, across a restart of one', async (t) => {
    if (await skipWithoutDocker(t)) return;
    const up = await dockerGateway(
      'up',
      '--upstream',
      fx[0].url,
      '--upstream-container',
      NAMES[0],
      '--upstream',
      fx[1].url,
      '--port',
      String(port),
      '--base-image',
      base,
    );
    assert.equal(up.type, 'docker-gateway-up', JSON.stringify(up));
    const ups = up.upstreams as { slug: string; url: string; upstreamContainer?: string; innerUpstream: string }[];
    assert.deepEqual(
      ups.map((u) => [u.slug, u.upstreamContainer, u.innerUpstream]),
      [
        ['archon', NAMES[0], `http://${NAMES[0]}:8051/mcp`],
        [NAMES[1], NAMES[1], `http://${NAMES[1]}:8051/mcp`],
      ],
      'the second found by the port it publishes',
    );
    const nets = Object.keys(
      (await docker().getContainer(GATEWAY_CONTAINER_NAME).inspect()).NetworkSettings.Networks,
    ).sort();
    assert.deepEqual(nets, [...NETS].sort());
    for (const u of ups) await answersThrough(u.url);
    await docker().getContainer(NAMES[1]).restart({ t: 1 });
    await answersThrough(ups[1].url);
    const status = await dockerGateway('status');
    assert.equal((status.upstreams as unknown[]).length, 2);
  });

  it('with no --upstream, serves the shared server list; a header reaches its upstream and never the container config', async (t) => {
    if (await skipWithoutDocker(t)) return;
    const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: '', ARCHON_MCP_DOCTOR_CONFIG_DIR: '' };
    await run(process.execPath, [CLI, 'servers', 'add', 'Archon', fx[0].url], { env });
    await run(
      process.execPath,
      [CLI, 'servers', 'add', 'Docs', `http://localhost:${guardPort}/mcp`, '--header', `Authorization: ${TOKEN}`],
      { env },
    );
    const up = await dockerGateway('up', '--port', String(port), '--base-image', base);
    assert.match(String(up.change), /^(re)?created$/, 'recreated after the test above, created when run alone');
    const ups = up.upstreams as { slug: string; url: string; innerUpstream: string }[];
    assert.deepEqual(
      ups.map((u) => [u.slug, u.innerUpstream]),
      [
        ['archon', `http://${NAMES[0]}:8051/mcp`],
        ['docs', `http://${GUARD}:8051/mcp`],
      ],
    );
    for (const u of ups) await answersThrough(u.url);
    const seen = JSON.parse(await (await fetch(`http://127.0.0.1:${guardPort}/seen`)).text()) as { seen: number };
    assert.ok(seen.seen > 0, `the guard let the gateway's requests through with the token: ${JSON.stringify(seen)}`);

    const info = await docker().getContainer(GATEWAY_CONTAINER_NAME).inspect();
    const secret = TOKEN.split(' ')[1];
    assert.ok(!JSON.stringify(info).includes(secret), 'no header value anywhere in docker inspect');
    assert.deepEqual(
      info.Config.Env?.filter((e) => e.startsWith('ARCHON_')),
      [`${SERVERS_FILE_ENV}=/run/archon-mcp-doctor/servers.json`],
    );
    assert.ok(
      info.Mounts.some((m) => m.Name === GATEWAY_CONFIG_VOLUME_NAME && m.Destination === '/run/archon-mcp-doctor'),
      JSON.stringify(info.Mounts),
    );
    assert.ok(!JSON.stringify(await docker().getVolume(GATEWAY_CONFIG_VOLUME_NAME).inspect()).includes(secret));

    // The same list again changes nothing (the file is compared, not a hash of the token).
    assert.equal((await dockerGateway('up', '--port', String(port), '--base-image', base)).change, 'unchanged');
    const status = await dockerGateway('status');
    assert.equal(status.state, 'running');
    assert.deepEqual(
      (status.upstreams as { slug: string }[]).map((u) => u.slug),
      ['archon', 'docs'],
    );
    assert.ok(!JSON.stringify(status).includes(secret));

    const down = await dockerGateway('down');
    assert.equal(down.removed, true);
    assert.equal((await dockerGateway('status')).state, 'absent');
    await assert.rejects(
      docker().getVolume(GATEWAY_CONFIG_VOLUME_NAME).inspect(),
      'the list (with its token) goes with the container',
    );
  });
});
