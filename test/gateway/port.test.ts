// The gateway's port: 18051 by default, both loopbacks (localhost is ::1 first on many systems), and a
// port held by another program is an error naming it, never a silent move to another port.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import {
  GATEWAY_DEFAULTS,
  GatewayPortTaken,
  HEALTH_PATH,
  SERVICE_ID,
  startGateway,
  type Gateway,
} from '../../src/core/gateway';
import { validateSettings } from '../../src/core/settings';
import { startServer, type RunningServer } from '../helpers/servers';
import { connectClient, textOf } from './util';

function hold(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ port, host, ipv6Only: host === '::1' }, () => resolve(s));
  });
}

describe('gateway port', () => {
  const gateways: Gateway[] = [];
  const held: Server[] = [];
  let fx: RunningServer | undefined;
  after(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    for (const s of held) s.close();
    await fx?.stop();
  });

  it("defaults to 18051, none of Archon's ports (3737, 8051, 8052, 8181)", () => {
    assert.equal(GATEWAY_DEFAULTS.port, 18051);
    assert.equal(validateSettings({}).settings.gateway.port, 18051);
    for (const archon of [3737, 8051, 8052, 8181]) assert.notEqual(GATEWAY_DEFAULTS.port, archon);
  });

  it('serves on 127.0.0.1 and [::1]: a client through localhost-as-::1 works', async () => {
    fx = await startServer('fixture', { testTools: true });
    const gw = await startGateway({ upstreams: [{ name: 'archon', url: fx.url }], port: 0 });
    gateways.push(gw);
    const port = gw.stats().port;
    for (const host of ['127.0.0.1', '[::1]']) {
      const res = await fetch(`http://${host}:${port}${HEALTH_PATH}`);
      assert.equal(((await res.json()) as { service: string }).service, SERVICE_ID, `health on ${host}`);
    }
    const c = await connectClient(`http://[::1]:${port}/archon/mcp`);
    try {
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
    } finally {
      await c.close();
    }
  });

  for (const host of ['127.0.0.1', '::1']) {
    it(`a port another program holds on ${host}: GatewayPortTaken naming the port, nothing served`, async () => {
      const blocker = await hold(0, host);
      held.push(blocker);
      const port = (blocker.address() as { port: number }).port;
      await assert.rejects(
        startGateway({ upstreams: [{ name: 'a', url: 'http://127.0.0.1:1/mcp' }], port }),
        (err: unknown) => {
          assert.ok(err instanceof GatewayPortTaken, String(err));
          assert.equal(err.port, port);
          assert.match(err.message, new RegExp(`port ${port} .* taken by another program`));
          return true;
        },
      );
    });
  }
});
