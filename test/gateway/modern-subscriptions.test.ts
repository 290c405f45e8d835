// Resource subscriptions of 2026-07-28 clients (v2 clients pinned to 2026-07-28, `subscriptions/listen`)
// through the gateway: to a 2026-07-28 upstream (the modern fixture) and to a 2025 one (the Archon-like
// fixture). Updates arrive across an upstream restart; a subscription is given back upstream once no
// open listen stream names its URI (counted by the fixtures themselves); and such clients, which have
// no session, are in the gateway's client list.
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../helpers/servers';
import { HEALTH_PATH, type Gateway } from '../../src/core/gateway';
import { connectModern, type ModernConnected } from './modern-util';
import { connectClient, executions, sleep } from './util';
import { serverAndGateway, stopBed } from './bed';

const NOTE = 'test://note';

/** Polls the fixture until its held subscriptions are `want` (20 s at most). */
async function subscriptionsBecome(url: string, want: number, why: string): Promise<void> {
  const until = Date.now() + 20_000;
  let now = (await executions(url)).subscriptions;
  while (now !== want && Date.now() < until) {
    await sleep(100);
    now = (await executions(url)).subscriptions;
  }
  assert.equal(now, want, `${why}: the fixture holds ${now} subscription(s)`);
}

/** Pokes the fixture until one more resources/updated reached `updates` (20 s at most). */
async function updateArrives(updates: string[], poke: () => Promise<unknown>): Promise<void> {
  const before = updates.length;
  const until = Date.now() + 20_000;
  while (updates.length === before) {
    assert.ok(Date.now() < until, 'no notifications/resources/updated reached the listen stream within 20 s');
    await poke();
    await sleep(200);
  }
}

function onUpdates(c: ModernConnected): string[] {
  const updates: string[] = [];
  c.client.setNotificationHandler('notifications/resources/updated', (n) => {
    updates.push(n.params.uri);
  });
  return updates;
}

describe('a 2026-07-28 client subscribing through the gateway to a 2026-07-28 upstream (modern fixture)', () => {
  let srv: RunningServer;
  let gw: Gateway;
  const clients: ModernConnected[] = [];
  before(async () => {
    ({ server: srv, gw } = await serverAndGateway('modern', {}, { name: 'modern', holdTimeoutMs: 15_000 }));
  });
  after(async () => {
    for (const c of clients) await c.close();
    await stopBed({ gw, server: srv });
  });

  it('the listen stream delivers resources/updated, also after an upstream restart', async () => {
    const c = await connectModern(gw.url(), 'pinned', 'listener-a');
    clients.push(c);
    assert.equal(c.client.getNegotiatedProtocolVersion(), '2026-07-28');
    const updates = onUpdates(c);
    const sub = await c.client.listen({ resourceSubscriptions: [NOTE] });
    assert.deepEqual(sub.honoredFilter.resourceSubscriptions, [NOTE]);
    const poke = () => c.client.callTool({ name: 'test_resource_updated', arguments: {} });
    await updateArrives(updates, poke);
    await subscriptionsBecome(srv.url, 1, "the gateway's upstream listen stream names the URI");
    const pid = srv.pid;
    await srv.restart();
    assert.notEqual(srv.pid, pid, 'a new fixture process');
    await updateArrives(updates, poke);
    await subscriptionsBecome(srv.url, 1, 'after the restart the upstream listen stream names it again');
    assert.ok(
      updates.every((u) => u === NOTE),
      updates.join(', '),
    );
    await sub.close();
    await subscriptionsBecome(
      srv.url,
      0,
      'the only listener closed its stream: the gateway stopped listening for the URI upstream',
    );
  });

  it('gives a subscription back only when the last listen stream naming it closes', async () => {
    const a = await connectModern(gw.url(), 'pinned', 'listener-a');
    const b = await connectModern(gw.url(), 'pinned', 'listener-b');
    clients.push(a, b);
    const updatesB = onUpdates(b);
    const subA = await a.client.listen({ resourceSubscriptions: [NOTE] });
    const subB = await b.client.listen({ resourceSubscriptions: [NOTE] });
    await subscriptionsBecome(srv.url, 1, 'two listeners, one upstream subscription');
    await subA.close();
    await sleep(500);
    await subscriptionsBecome(srv.url, 1, 'one listener left: the subscription stays');
    await updateArrives(updatesB, () => b.client.callTool({ name: 'test_resource_updated', arguments: {} }));
    await subB.close();
    await subscriptionsBecome(srv.url, 0, 'no listener left');
  });

  it('a client that goes away (its connection dropped, no clean close) gives its subscription back too', async () => {
    const port = Number(new URL(gw.url()).port);
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 'listen-1',
      method: 'subscriptions/listen',
      params: {
        notifications: { resourceSubscriptions: [NOTE] },
        _meta: {
          [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
          [CLIENT_INFO_META_KEY]: { name: 'raw-listener', version: '0.0.1' },
          [CLIENT_CAPABILITIES_META_KEY]: {},
        },
      },
    });
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/modern/mcp',
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'subscriptions/listen',
      },
    });
    const answered = new Promise<IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
    });
    req.end(body);
    const res = await answered;
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/event-stream/);
    await subscriptionsBecome(srv.url, 1, 'the raw listen stream is open');
    req.on('error', () => undefined);
    req.destroy();
    await subscriptionsBecome(srv.url, 0, 'its connection dropped');
  });

  it('lists 2026-07-28 clients (no session) by the name and version they send, beside 2025 sessions', async () => {
    const legacy = await connectClient(gw.url(), { name: 'legacy-beside' });
    try {
      await legacy.client.listTools();
      const list = gw.stats().servers[0].clients;
      const modern = list.filter((c) => c.era === '2026-07-28');
      assert.deepEqual(
        modern.map((c) => c.name).sort(),
        ['listener-a', 'listener-b', 'raw-listener'],
        JSON.stringify(list),
      );
      for (const c of modern) {
        assert.equal(c.version, c.name === 'raw-listener' ? '0.0.1' : '2.0.0');
        assert.equal(c.session, undefined, 'a 2026-07-28 client has no session');
        assert.ok(Date.parse(c.lastSeenAt) >= Date.parse(c.connectedAt));
      }
      const old = list.filter((c) => c.era === '2025');
      assert.deepEqual(
        old.map((c) => c.name),
        ['legacy-beside'],
      );
      assert.ok(old[0].session, 'a 2025 client is listed by its (shortened) session');
      const status = (await (await fetch(new URL(HEALTH_PATH, gw.baseUrl))).json()) as {
        servers: { clients: number }[];
      };
      assert.equal(status.servers[0].clients, 4, 'the status endpoint counts clients of both eras');
    } finally {
      await legacy.close();
    }
  });
});

describe('a 2026-07-28 client subscribing through the gateway to a 2025 upstream (Archon-like fixture)', () => {
  let srv: RunningServer;
  let gw: Gateway;
  let c: ModernConnected | undefined;
  before(async () => {
    ({ server: srv, gw } = await serverAndGateway('fixture', { testTools: true }, { holdTimeoutMs: 15_000 }));
  });
  after(async () => {
    await c?.close();
    await stopBed({ gw, server: srv });
  });

  const poke = () => fetch(new URL('/test/resource-updated', srv.url), { method: 'POST' }).then((r) => r.json());

  it('subscribes the shared session, renews it after a restart, and unsubscribes it when the stream closes', async () => {
    c = await connectModern(gw.url(), 'pinned', 'listener-2025');
    const updates = onUpdates(c);
    const sub = await c.client.listen({ resourceSubscriptions: [NOTE] });
    assert.deepEqual(sub.honoredFilter.resourceSubscriptions, [NOTE]);
    await subscriptionsBecome(srv.url, 1, 'resources/subscribe on the shared session');
    await updateArrives(updates, poke);
    const pid = srv.pid;
    await srv.restart();
    assert.notEqual(srv.pid, pid, 'a new fixture process, which knows no session');
    // The shared session is re-initialized (by this request or its standing stream) and renews the subscription.
    await c.client.listTools();
    await subscriptionsBecome(srv.url, 1, 'renewed after the restart');
    await updateArrives(updates, poke);
    await sub.close();
    await subscriptionsBecome(srv.url, 0, 'resources/unsubscribe once no listen stream names the URI');
    assert.equal(gw.stats().servers[0].errorsReturned, 0);
  });
});
