// Resource subscriptions survive an upstream restart: the gateway renews them after re-initializing,
// and updates reach the client on its (never broken) GET stream. Against server-everything.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { RunningServer } from '../helpers/servers';
import type { Gateway } from '../../src/core/gateway';
import { connectClient } from './util';
import { serverAndGateway, stopBed } from './bed';

describe('resource subscriptions across an upstream restart (server-everything)', () => {
  let srv: RunningServer;
  let gw: Gateway;
  before(async () => {
    ({ server: srv, gw } = await serverAndGateway(
      'everything-streamable',
      {},
      { name: 'everything', holdTimeoutMs: 15_000 },
    ));
  });
  after(async () => {
    await stopBed({ gw, server: srv });
  });

  it('renews the subscription upstream; updates arrive on the GET stream after the restart', async () => {
    const c = await connectClient(gw.url());
    try {
      const { resources } = await c.client.listResources();
      const uri = resources[0]?.uri;
      assert.ok(uri, 'server-everything lists resources');
      await c.client.subscribeResource({ uri });
      await srv.restart();
      const updated = new Promise<string>((resolve) => {
        c.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resolve(n.params.uri));
      });
      // After the restart the server forgot the subscription; only the gateway's renewal brings it back.
      await c.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
      const timeout = new Promise<string>((_, reject) =>
        setTimeout(() => reject(new Error('no resource update within 12 s')), 12_000).unref(),
      );
      assert.equal(await Promise.race([updated, timeout]), uri);
      assert.ok(gw.stats().servers[0].healed.reinitialized >= 1);
    } finally {
      await c.close();
    }
  });
});
