// The status endpoint (/.well-known/archon-mcp-doctor) and what another gateway does with it:
// an explicit listening host, the host-side public URL, where it runs, uptime and counters; a second
// gateway on the same port uses the first one and says when it serves another upstream.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { freePort, startServer, type RunningServer } from '../helpers/servers';
import { createServer } from 'node:http';
import {
  HEALTH_PATH,
  SERVICE_ID,
  startGateway,
  type Gateway,
  type GatewayEvent,
  type GatewayStatus,
} from '../../src/core/gateway';
import { connectClient, sleep } from './util';

/** A non-loopback IPv4 address of this machine, when it has one. */
function lanAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** GET the status endpoint with node:http (fetch cannot set Host): status code and parsed body. */
function status(base: string, host?: string): Promise<{ code: number; body: GatewayStatus }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${HEALTH_PATH}`, { agent: false, headers: host ? { host } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(text) as GatewayStatus }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gateway status endpoint', () => {
  let fx: RunningServer;
  const gateways: Gateway[] = [];
  before(async () => {
    fx = await startServer('fixture', { testTools: true });
  });
  after(async () => {
    for (const g of gateways.reverse()) await g.stop();
    await fx?.stop();
  });

  it('reports the public URL, where it runs, uptime and per-server counters without secrets', async () => {
    const publicUrl = 'http://127.0.0.1:18999';
    const upstreamAsUsersKnowIt = 'http://user:hunter2@localhost:8051/mcp';
    const gw = await startGateway({
      upstreams: [{ name: 'Archon', url: fx.url, publicUrl: upstreamAsUsersKnowIt }],
      port: 0,
      publicUrl,
      runsIn: 'docker',
    });
    gateways.push(gw);
    const port = gw.stats().port;
    assert.equal(gw.url(), `${publicUrl}/archon/mcp`, 'endpoint URLs use the public base URL');
    const c = await connectClient(`http://127.0.0.1:${port}/archon/mcp`, { name: 'status-test' });
    after(() => c.close());
    await c.client.listTools();
    const { code, body } = await status(`http://127.0.0.1:${port}`);
    assert.equal(code, 200);
    assert.equal(body.service, SERVICE_ID);
    assert.equal(body.baseUrl, publicUrl);
    assert.equal(body.runsIn, 'docker');
    assert.ok(Number.isInteger(body.uptimeSeconds) && body.uptimeSeconds >= 0);
    assert.ok(!Number.isNaN(Date.parse(body.startedAt)));
    assert.equal(body.servers.length, 1);
    const s = body.servers[0];
    assert.equal(s.url, `${publicUrl}/archon/mcp`);
    assert.equal(s.clients, 1);
    assert.equal(s.requestsForwarded, 2);
    assert.deepEqual(s.healed, { reinitialized: 0, held: 0, resent: 0 });
    assert.equal(s.errorsReturned, 0);
    const text = JSON.stringify(body);
    assert.ok(!text.includes('hunter2'), 'no credentials');
    assert.ok(!text.includes(String(c.transport.sessionId)), 'no session ids');
    assert.match(s.upstream, /localhost:8051\/mcp/);
  });

  it('with an explicit host listens there and still refuses a non-local Host header', async (t) => {
    const lan = lanAddress();
    if (!lan) {
      t.skip('this machine has no non-loopback IPv4 address');
      return;
    }
    const gw = await startGateway({ upstreams: [{ name: 'Archon', url: fx.url }], port: 0, host: '0.0.0.0' });
    gateways.push(gw);
    const port = gw.stats().port;
    // Reached through a non-loopback interface (as Docker's publish does), naming a local host: served.
    const ok = await status(`http://${lan}:${port}`, `127.0.0.1:${port}`);
    assert.equal(ok.code, 200);
    assert.equal(ok.body.baseUrl, `http://127.0.0.1:${port}`);
    // Naming the interface address itself (a DNS-rebinding page would): refused.
    assert.equal((await status(`http://${lan}:${port}`)).code, 403);
  });

  it('a second gateway on the port uses the first, shows its status, and says when it serves another upstream', async () => {
    const port = await freePort();
    const first = await startGateway({ upstreams: [{ name: 'Archon', url: fx.url }], port, runsIn: 'process' });
    gateways.push(first);
    const same = await startGateway({
      upstreams: [{ name: 'Archon', url: fx.url.replace('127.0.0.1', 'localhost') }],
      port,
      runsIn: 'vscode',
      deferPollMs: 100,
    });
    gateways.push(same);
    assert.equal(same.mode, 'deferred');
    assert.equal(same.url('Archon'), `http://127.0.0.1:${port}/archon/mcp`);
    assert.equal(same.stats().holder?.runsIn, 'process');
    assert.deepEqual(same.stats().holderMismatch, [], 'localhost and 127.0.0.1 are the same upstream');
    // The holder's counters reach the deferred gateway's stats through its polling.
    const c = await connectClient(same.url('Archon'), { name: 'through-holder' });
    after(() => c.close());
    await c.client.listTools();
    for (let i = 0; i < 100 && (same.stats().holder?.servers[0]?.clients ?? 0) < 1; i++) await sleep(50);
    assert.equal(same.stats().holder?.servers[0]?.clients, 1);

    const events: GatewayEvent[] = [];
    const other = await startGateway({
      upstreams: [
        { name: 'Archon', url: 'http://127.0.0.1:9/mcp' },
        { name: 'Docs', url: fx.url },
      ],
      port,
      deferPollMs: 100,
    });
    gateways.push(other);
    other.onEvent((e) => events.push(e));
    const mismatch = other.stats().holderMismatch ?? [];
    assert.equal(mismatch.length, 2, mismatch.join('\n'));
    assert.match(
      mismatch[0],
      /\/archon\/mcp at http:\/\/127\.0\.0\.1:\d+ forwards to http:\/\/127\.0\.0\.1:\d+\/mcp, not to http:\/\/127\.0\.0\.1:9\/mcp/,
    );
    assert.match(mismatch[1], /does not serve \/docs\/mcp \(it serves \/archon\/mcp\)/);
    await sleep(300);
    assert.equal(
      events.filter((e) => e.event === 'holder-mismatch').length,
      0,
      'said once (at start), not on every poll',
    );
  });

  it('gives a gateway in Docker that went away time to come back before taking its port', async () => {
    const port = await freePort();
    // Stands in for the container's gateway: answers the status endpoint, saying it runs in Docker.
    const holder = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          service: SERVICE_ID,
          pid: 1,
          baseUrl: `http://127.0.0.1:${port}`,
          runsIn: 'docker',
          servers: [{ slug: 'archon', url: `http://127.0.0.1:${port}/archon/mcp` }],
        }),
      );
    });
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', () => r()));
    const gw = await startGateway({
      upstreams: [{ name: 'Archon', url: fx.url }],
      port,
      deferPollMs: 50,
      dockerHolderGraceMs: 1_500,
    });
    gateways.push(gw);
    assert.equal(gw.mode, 'deferred');
    assert.equal(gw.stats().holder?.runsIn, 'docker');
    const goneAt = Date.now();
    await new Promise<void>((r) => holder.close(() => r()));
    holder.closeAllConnections();
    await sleep(700);
    assert.equal(gw.mode, 'deferred', 'still waiting for the container to come back');
    while (gw.mode === 'deferred' && Date.now() - goneAt < 20_000) await sleep(50);
    assert.equal(gw.mode, 'serving', 'took the port once the grace ran out');
    assert.ok(Date.now() - goneAt >= 1_500, 'not before the grace');
  });
});
