// `docker-gateway up` with several upstreams, against the real engine: two fixture containers on two
// user-defined networks, one named with --upstream-container, one found by the host port it publishes;
// then the same two from the shared server list (no --upstream). Each answers through the gateway
// container, also across a `docker restart` of its upstream.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { GATEWAY_CONTAINER_NAME } from '../../src/core/always-on';
import { connectClient, textOf } from '../gateway/util';
import { ROOT, docker, ensureImages, ensureNetwork, engineAvailable, removeContainer, removeNetwork, runFixtureContainer, skipWithoutDocker, type FixtureContainer } from '../helpers/docker';
import { readJsonLine } from '../helpers/json-lines';
import { freePort } from '../helpers/wait';

const run = promisify(execFile);
const CLI = resolve(ROOT, 'dist/cli.js');
const NETS = ['archon-mcp-doctor-test-multi-a', 'archon-mcp-doctor-test-multi-b'];
const NAMES = ['archon-mcp-doctor-test-multi-archon', 'archon-mcp-doctor-test-multi-docs'];

describe('docker-gateway up with several upstreams', () => {
  const fx: FixtureContainer[] = [];
  let base = '';
  let port = 0;
  let home = '';

  async function dockerGateway(...args: string[]): Promise<Record<string, unknown>> {
    let stdout = '';
    try {
      ({ stdout } = await run(process.execPath, [CLI, 'docker-gateway', ...args, '--json'], { timeout: 180_000, env: { ...process.env, HOME: home, XDG_CONFIG_HOME: '', ARCHON_MCP_DOCTOR_CONFIG_DIR: '' } }));
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
    for (const [i, name] of NAMES.entries()) fx.push(await runFixtureContainer({ name, network: NETS[i], env: { FIXTURE_TEST_TOOLS: '1' }, stopTimeoutSeconds: 1 }));
    port = await freePort();
  });
  after(async () => {
    if (!(await engineAvailable())) return;
    await removeContainer(GATEWAY_CONTAINER_NAME);
    for (const n of NAMES) await removeContainer(n);
    for (const n of NETS) await removeNetwork(n);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('serves each upstream at its own path, on both networks, across a restart of one', async (t) => {
    if (await skipWithoutDocker(t)) return;
    const up = await dockerGateway('up', '--upstream', fx[0].url, '--upstream-container', NAMES[0], '--upstream', fx[1].url, '--port', String(port), '--base-image', base);
    assert.equal(up.type, 'docker-gateway-up', JSON.stringify(up));
    const ups = up.upstreams as { slug: string; url: string; upstreamContainer?: string; innerUpstream: string }[];
    assert.deepEqual(ups.map((u) => [u.slug, u.upstreamContainer, u.innerUpstream]), [
      ['archon', NAMES[0], `http://${NAMES[0]}:8051/mcp`],
      [NAMES[1], NAMES[1], `http://${NAMES[1]}:8051/mcp`],
    ], 'the second found by the port it publishes');
    const nets = Object.keys((await docker().getContainer(GATEWAY_CONTAINER_NAME).inspect()).NetworkSettings.Networks).sort();
    assert.deepEqual(nets, [...NETS].sort());
    for (const u of ups) await answersThrough(u.url);
    await docker().getContainer(NAMES[1]).restart({ t: 1 });
    await answersThrough(ups[1].url);
    const status = await dockerGateway('status');
    assert.equal((status.upstreams as unknown[]).length, 2);
  });

  it('with no --upstream, serves the shared server list', async (t) => {
    if (await skipWithoutDocker(t)) return;
    const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: '', ARCHON_MCP_DOCTOR_CONFIG_DIR: '' };
    await run(process.execPath, [CLI, 'servers', 'add', 'Archon', fx[0].url], { env });
    await run(process.execPath, [CLI, 'servers', 'add', 'Docs', fx[1].url], { env });
    const up = await dockerGateway('up', '--port', String(port), '--base-image', base);
    assert.equal(up.change, 'recreated');
    const ups = up.upstreams as { slug: string; url: string }[];
    assert.deepEqual(ups.map((u) => u.slug), ['archon', 'docs']);
    for (const u of ups) await answersThrough(u.url);
  });
});
