// Issue 12: "may or may not have run" only when the request may really have reached the server.
// In front of the fixture sits a TCP relay that plays the keep-alive race deterministically: the
// server closes an idle kept-alive connection just as the gateway sends the next request on it, so
// that request is never delivered. A write must not come back as "may or may not have run" (nor
// run twice), and a read retried on a fresh connection is no heal.
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../helpers/servers';
import { startGateway, type Gateway } from '../../src/core/gateway';
import { connectClient, executions, textOf, type Connected } from './util';

/** Relays to `port`; drops (FIN, unread) every request that arrives on a connection already used once. */
function closingRelay(port: number): Promise<{ server: Server; port: number; dropped: () => number }> {
  let dropped = 0;
  const server = createServer((client: Socket) => {
    const upstream = connect({ host: '127.0.0.1', port });
    let answered = false;
    upstream.on('data', (d) => {
      answered = true;
      client.write(d);
    });
    client.on('data', (d) => {
      if (answered) {
        // A second request on this connection: the "server" had just closed it.
        dropped++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('close', end);
    client.on('close', end);
    upstream.on('error', end);
    client.on('error', end);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port, dropped: () => dropped }),
    ),
  );
}

describe('gateway and a server that closes kept-alive connections as requests arrive on them', () => {
  let fx: RunningServer;
  let relay: Awaited<ReturnType<typeof closingRelay>>;
  let gw: Gateway;
  let c: Connected;
  before(async () => {
    fx = await startServer('fixture', { testTools: true });
    relay = await closingRelay(fx.port);
    gw = await startGateway({ upstreams: [{ name: 'archon', url: `http://127.0.0.1:${relay.port}/mcp` }], port: 0 });
    c = await connectClient(gw.url());
    await c.client.listTools();
  });
  after(async () => {
    await c?.close();
    await gw?.stop();
    relay?.server.close();
    await fx?.stop();
  });

  it('writes and reads run once, with no error and no heal', async () => {
    const errors: string[] = [];
    for (let i = 0; i < 10; i++) {
      for (const tool of ['test_write', 'test_read']) {
        try {
          assert.match(textOf(await c.client.callTool({ name: tool, arguments: { key: `k${i}` } })), /executions/);
        } catch (e) {
          errors.push(`${tool} k${i}: ${(e as Error).message}`);
        }
      }
    }
    assert.deepEqual(errors, []);
    assert.ok(relay.dropped() > 0, 'the relay did drop requests on kept-alive connections');
    const counts = await executions(fx.url);
    for (let i = 0; i < 10; i++) assert.equal(counts.keys.test_write?.[`k${i}`], 1, `write k${i} ran once`);
    assert.equal(counts.tools.test_read, 10, 'each read ran once');
    assert.deepEqual(gw.stats().servers[0].healed, { reinitialized: 0, held: 0, resent: 0 }, 'nothing needed healing');
  });
});
