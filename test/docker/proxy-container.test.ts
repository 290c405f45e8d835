// `proxy --container` and `stdio --container` with the real engine: the standalone gateway uses the same
// Docker awareness as the extension (src/core/gateway/container-awareness.ts): a container `die` marks the upstream
// as restarting at once (an `upstream-restarting` event), and calls go on being answered.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startProxy, type ProxyProcess } from '../gateway/cli';
import { bridgeCommand, connectStdio, type StdioConnected } from '../gateway/stdio-util';
import { connectClient, sleep, textOf } from '../gateway/util';
import { removeContainer, runFixtureContainer, skipWithoutDocker, type FixtureContainer } from '../helpers/docker';

const NAME = 'archon-mcp-doctor-test-proxy-container';
const RESTARTS = 3;

describe('proxy/stdio --container: Docker awareness outside VS Code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-container-'));
  let fx: FixtureContainer | undefined;
  const procs: ProxyProcess[] = [];
  let bridge: StdioConnected | undefined;
  after(async () => {
    await bridge?.close();
    await Promise.all(procs.map((p) => p.kill()));
    await removeContainer(NAME);
    rmSync(dir, { recursive: true, force: true });
  });

  it('proxy --container: each container death is an upstream-restarting event, and every call is answered', async (t) => {
    if (await skipWithoutDocker(t)) return;
    fx = await runFixtureContainer({ name: NAME, env: { FIXTURE_TEST_TOOLS: '1' }, stopTimeoutSeconds: 1 });
    const p = startProxy(['--upstream', fx.url, '--port', '0', '--container', NAME, '--state-dir', join(dir, 'proxy')]);
    procs.push(p);
    const first = await p.waitFor((l) => l.type === 'listening');
    const c = await connectClient(String(first.url));
    try {
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      // The watcher connects in the background; its first message says so on stderr.
      for (let i = 0; i < 200 && !/watching container/.test(p.stderr()); i++) await sleep(50);
      assert.match(p.stderr(), new RegExp(`watching container ${NAME}`));
      for (let n = 1; n <= RESTARTS; n++) {
        const restarting = fx.container.restart({ t: 1 });
        await p.waitFor(
          (l) =>
            l.type === 'upstream-restarting' && p.lines.filter((x) => x.type === 'upstream-restarting').length >= n,
          30_000,
        );
        // Sent while the container is down or starting: held, then answered by the new instance.
        assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
        await restarting;
      }
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      assert.equal(p.lines.filter((l) => l.type === 'error-returned').length, 0, 'no error returned to the client');
    } finally {
      await c.close();
    }
  });

  it('stdio --container: the death is seen and the next call is answered', async (t) => {
    if (await skipWithoutDocker(t)) return;
    assert.ok(fx, 'the container from the first test');
    bridge = await connectStdio(bridgeCommand(fx.url, ['--container', NAME]));
    assert.match(textOf(await bridge.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
    for (let i = 0; i < 200 && !/watching container/.test(bridge.stderr()); i++) await sleep(50);
    const restarting = fx.container.restart({ t: 1 });
    for (let i = 0; i < 600 && !/upstream-restarting/.test(bridge.stderr()); i++) await sleep(50);
    assert.match(bridge.stderr(), /upstream-restarting/);
    assert.match(textOf(await bridge.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
    await restarting;
  });

  it('proxy --container with a Docker socket that does not exist: a clear warning, and the gateway still serves', async (t) => {
    if (await skipWithoutDocker(t)) return;
    assert.ok(fx, 'the container from the first test');
    const p = startProxy([
      '--upstream',
      fx.url,
      '--port',
      '0',
      '--container',
      NAME,
      '--docker-socket',
      join(dir, 'no.sock'),
      '--state-dir',
      join(dir, 'nosock'),
    ]);
    procs.push(p);
    const first = await p.waitFor((l) => l.type === 'listening');
    for (let i = 0; i < 200 && !/warn: Docker:/.test(p.stderr()); i++) await sleep(50);
    assert.match(p.stderr(), /warn: Docker: .*no\.sock/);
    const c = await connectClient(String(first.url));
    try {
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
    } finally {
      await c.close();
    }
  });
});
