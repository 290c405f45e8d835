// The gateway's upstreams change without a restart (proxy following the shared server list): endpoints
// whose upstream is unchanged keep their clients' sessions, a dropped one answers its calls in flight
// before it goes, and a stopping gateway lets calls in flight finish (a 2026-07-28 client got a bare
// HTTP 499 from the closed front before).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_SERVER } from '../../src/core/defaults';
import { GatewayRunner, startGateway } from '../../src/core/gateway';
import { delayingHop, type DelayingHop } from '../helpers/delaying-hop';
import { startServer, type RunningServer } from '../helpers/servers';
import { rawPost, connectModern } from './modern-util';
import { connectClient, textOf } from './util';

const SLOW_CALL_MS = 800;
const slowCalls = (body: string) => (body.includes('"tools/call"') ? SLOW_CALL_MS : 0);

let legacy: RunningServer;
let modern: RunningServer;
let legacyHop: DelayingHop;
let modernHop: DelayingHop;

before(async () => {
  [legacy, modern] = await Promise.all([startServer('fixture'), startServer('modern')]);
  [legacyHop, modernHop] = await Promise.all([delayingHop(legacy.url, slowCalls), delayingHop(modern.url, slowCalls)]);
});
after(async () => {
  await Promise.all([legacyHop?.close(), modernHop?.close()]);
  await Promise.all([legacy?.stop(), modern?.stop()]);
});

const A = () => ({ name: 'alpha', url: legacyHop.url });
const B = () => ({ name: 'beta', url: modernHop.url });

test('an added server is served at once; the unchanged one keeps its clients', async () => {
  const gw = await startGateway({ upstreams: [A()], port: 0 });
  try {
    const c = await connectClient(gw.url('alpha'));
    const sid = c.transport.sessionId;
    assert.match(textOf(await c.client.callTool({ name: 'health_check', arguments: {} })), /success/);
    await gw.setUpstreams([A(), B()]);
    assert.deepEqual(Object.keys(gw.urls()).sort(), ['alpha', 'beta']);
    assert.match(
      textOf(await c.client.callTool({ name: 'health_check', arguments: {} })),
      /success/,
      'the same client goes on',
    );
    assert.equal(c.transport.sessionId, sid, 'in the same session');
    const alpha = gw.stats().servers.find((s) => s.slug === 'alpha');
    assert.equal(alpha?.healed.reinitialized, 0, 'nothing had to be re-initialized');
    const m = await connectModern(gw.url('beta'), 'pinned');
    assert.ok(
      (await m.client.listTools()).tools.some((t) => t.name === 'health_check'),
      'the new server answers',
    );
    await m.close();
    await c.close();
  } finally {
    await gw.stop();
  }
});

test('a dropped server answers its calls in flight, then takes no more', async () => {
  const gw = await startGateway({ upstreams: [A(), B()], port: 0 });
  try {
    const c = await connectClient(gw.url('alpha'));
    const call = c.client.callTool({ name: 'health_check', arguments: {} });
    await new Promise((r) => setTimeout(r, 100));
    const dropping = gw.setUpstreams([B()]);
    assert.match(textOf(await call), /success/, 'the call in flight was answered');
    await dropping;
    const after = await rawPost(
      gw.url().replace(/\/[^/]+\/mcp$/, '/alpha/mcp'),
      {},
      JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' }),
    );
    assert.equal(after.status, 404, 'the dropped server takes no more requests');
    await c.close();
  } finally {
    await gw.stop();
  }
});

test('stopping lets a 2026-07-28 call in flight finish (no bare 499)', async () => {
  const gw = await startGateway({ upstreams: [B()], port: 0 });
  let m: Awaited<ReturnType<typeof connectModern>> | undefined;
  try {
    m = await connectModern(gw.url('beta'), 'pinned');
    const call = m.client.callTool({ name: 'health_check', arguments: {} });
    await new Promise((r) => setTimeout(r, 100));
    const stopping = gw.stop();
    const result = await call;
    assert.match(JSON.stringify(result), /success/, 'answered while the gateway stopped');
    await stopping;
  } finally {
    await m?.close();
    await gw.stop();
  }
});

test("the extension's runner changes servers in place; a new port restarts the gateway", async () => {
  const views = new Map<string, unknown>();
  const runner = new GatewayRunner({
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    publish: (name, view) => views.set(name, view),
  });
  const settings = {
    enabled: true,
    port: 0,
    holdTimeoutMs: 10_000,
    responseTimeoutMs: 30_000,
    registerWithVSCode: false,
    dockerBaseImage: 'node',
    repeatSafeTools: {},
    neverRepeatTools: {},
  };
  const server = (s: { name: string; url: string }) => ({ ...DEFAULT_SERVER, ...s });
  try {
    await runner.apply([server(A())], settings);
    const first = runner.current();
    const c = await connectClient(first!.url('alpha'));
    const sid = c.transport.sessionId;
    await runner.apply([server(A()), server(B())], settings);
    assert.equal(runner.current(), first, 'the same gateway serves the added server');
    assert.ok(views.get('beta'), 'the added server is published');
    assert.match(textOf(await c.client.callTool({ name: 'health_check', arguments: {} })), /success/);
    assert.equal(c.transport.sessionId, sid, 'the unchanged server kept its client');
    await runner.apply([server(B())], settings);
    assert.equal(views.get('alpha'), undefined, 'the dropped server is no longer published');
    await c.close();
    await runner.apply([server(B())], { ...settings, holdTimeoutMs: 5_000 });
    assert.notEqual(runner.current(), first, 'other gateway settings start a new gateway');
  } finally {
    await runner.stop();
  }
});
