// The API the VS Code side uses: URLs per upstream, stats, change and event listeners, stop().
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../helpers/servers';
import { HEALTH_PATH, SERVICE_ID, startGateway, type Gateway, type GatewayStats } from '../../src/core/gateway';
import { connectClient, sleep } from './util';

describe('gateway API', () => {
  let fx: RunningServer;
  let gw: Gateway;
  before(async () => {
    fx = await startServer('fixture', { testTools: true });
    gw = await startGateway({
      upstreams: [
        { name: 'Archon', url: fx.url },
        { name: 'Archon', url: fx.url },
        { name: 'Other One', url: fx.url, slug: 'other' },
      ],
      port: 0,
    });
  });
  after(async () => {
    await gw?.stop();
    await fx?.stop();
  });

  it('gives each upstream its own /<slug>/mcp URL on 127.0.0.1', () => {
    const port = gw.stats().port;
    assert.deepEqual(gw.urls(), {
      archon: `http://127.0.0.1:${port}/archon/mcp`,
      'archon-2': `http://127.0.0.1:${port}/archon-2/mcp`,
      other: `http://127.0.0.1:${port}/other/mcp`,
    });
    assert.equal(gw.url('Other'), gw.urls().other);
    assert.equal(gw.mode, 'serving');
  });

  it('identifies itself on the health endpoint', async () => {
    const res = await fetch(`${gw.baseUrl}${HEALTH_PATH}`);
    const body = (await res.json()) as { service: string; servers: { slug: string }[] };
    assert.equal(body.service, SERVICE_ID);
    assert.deepEqual(
      body.servers.map((s) => s.slug),
      ['archon', 'archon-2', 'other'],
    );
  });

  it('reports clients and counters, with coalesced change events and per-event notifications', async () => {
    const changes: GatewayStats[] = [];
    const events: string[] = [];
    const offChange = gw.onChange((s) => changes.push(s));
    const offEvent = gw.onEvent((e) => events.push(e.event));
    const c = await connectClient(gw.urls().other, { name: 'Claude Code' });
    await c.client.listTools();
    await sleep(250);
    const other = gw.stats().servers.find((s) => s.slug === 'other')!;
    assert.equal(other.clients.length, 1);
    assert.equal(other.clients[0].name, 'Claude Code');
    assert.equal(other.clients[0].version, '1.2.3');
    assert.equal(other.clients[0].era, '2025');
    assert.ok(
      other.clients[0].session && !other.clients[0].session.includes(String(c.transport.sessionId)),
      'session ids are shortened',
    );
    assert.equal(other.requestsForwarded, 2);
    assert.deepEqual(other.healed, { reinitialized: 0, held: 0, resent: 0 });
    assert.equal(other.errorsReturned, 0);
    assert.ok(changes.length >= 1 && changes.length <= 4, `coalesced: ${changes.length} change events`);
    assert.ok(events.includes('client-connected'));
    offChange();
    offEvent();
    await c.close();
  });

  it('answers unknown paths with 404 and lists the endpoints', async () => {
    const res = await fetch(`${gw.baseUrl}/nope/mcp`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 404);
    assert.match(await res.text(), /archon\/mcp/);
  });
});
