// The gateway's own sessions survive: the CLI killed and started again on the same port keeps the
// client's session id valid; two gateways on one port: one serves, the other defers and takes over.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, startServer, type RunningServer } from '../helpers/servers';
import { startProxy, type ProxyProcess } from './cli';
import { connectClient, sleep, textOf } from './util';

describe('gateway restart and port hand-over (CLI processes)', () => {
  let fx: RunningServer;
  let dir: string;
  const procs: ProxyProcess[] = [];
  const proxy = (args: string[]): ProxyProcess => {
    const p = startProxy(args);
    procs.push(p);
    return p;
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-restart-'));
    fx = await startServer('fixture', { testTools: true });
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await fx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints its URL first; SIGTERM exits 0', async () => {
    const port = await freePort();
    const p = proxy(['--upstream', fx.url, '--port', String(port), '--state-dir', join(dir, 'a')]);
    const first = await p.waitFor(() => true);
    assert.equal(first.type, 'listening');
    assert.equal(first.url, `http://127.0.0.1:${port}/archon/mcp`);
    assert.equal(await p.kill('SIGTERM'), 0);
  });

  it('a client keeps its session id across a gateway restart (killed, started again)', async () => {
    const port = await freePort();
    const stateDir = join(dir, 'b');
    const args = ['--upstream', fx.url, '--port', String(port), '--state-dir', stateDir];
    const first = proxy(args);
    const url = String((await first.waitFor((l) => l.type === 'listening')).url);
    const c = await connectClient(url);
    try {
      const id = c.transport.sessionId;
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      await sleep(200); // the session is on disk
      assert.equal(statSync(join(stateDir, 'gateway-sessions.json')).mode & 0o777, 0o600);
      assert.equal(statSync(stateDir).mode & 0o777, 0o700);
      await first.kill('SIGKILL');
      const second = proxy(args);
      await second.waitFor((l) => l.type === 'listening');
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      assert.equal(c.transport.sessionId, id, 'same session id');
      // both restarted: the gateway re-initializes upstream with the client's initialize params
      await second.kill('SIGKILL');
      await fx.restart();
      const third = proxy(args);
      await third.waitFor((l) => l.type === 'listening');
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      assert.equal(c.transport.sessionId, id);
      await third.kill('SIGTERM');
    } finally {
      await c.close();
    }
  });

  it('two gateways on one port: one serves, the other defers, then takes over with sessions intact', async () => {
    const port = await freePort();
    const args = ['--upstream', fx.url, '--port', String(port), '--state-dir', join(dir, 'c')];
    const a = proxy(args);
    const url = String((await a.waitFor((l) => l.type === 'listening')).url);
    const b = proxy(args);
    const deferred = await b.waitFor((l) => l.type === 'deferred');
    assert.equal(deferred.url, url, 'the deferring gateway reports the holder URL');
    const c = await connectClient(url);
    try {
      const id = c.transport.sessionId;
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      await sleep(200);
      const killedAt = Date.now();
      await a.kill('SIGKILL');
      await b.waitFor((l) => l.type === 'takeover', 10_000);
      const tookMs = Date.now() - killedAt;
      assert.ok(tookMs < 5000, `took over in ${tookMs} ms`);
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      assert.equal(c.transport.sessionId, id, 'same session id after the hand-over');
      assert.ok(
        b.lines.some((l) => l.type === 'session-restored'),
        'the session came from disk',
      );
    } finally {
      await c.close();
    }
  });

  it('a port held by something else: exit 1 naming the port and --port, no silent move', async () => {
    const blocker = await startServer('html');
    try {
      const p = proxy(['--upstream', fx.url, '--port', String(blocker.port), '--state-dir', join(dir, 'd')]);
      assert.equal(await p.exited, 1);
      assert.deepEqual(p.lines, [], 'no listening line: it serves nowhere');
      assert.match(
        p.stderr(),
        new RegExp(`port ${blocker.port} \\(127\\.0\\.0\\.1 / ::1\\) is taken by another program`),
      );
      assert.match(p.stderr(), /--port/);
    } finally {
      await blocker.stop();
    }
  });
});
