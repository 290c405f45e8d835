// Server-initiated messages reach a stdio client: the bridge relays the upstream's GET stream to stdout
// and renews resource subscriptions after the upstream restarts. Against server-everything.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startServer, type RunningServer } from '../helpers/servers';
import { bridgeCommand, connectStdio, type StdioConnected } from './stdio-util';

describe('stdio bridge: server notifications across an upstream restart (server-everything)', () => {
  let srv: RunningServer | undefined;
  let c: StdioConnected | undefined;
  after(async () => {
    await c?.close();
    await srv?.stop();
  });

  it('a resource update arrives over stdio after the restart (subscription renewed, GET stream reopened)', async () => {
    srv = await startServer('everything-streamable');
    c = await connectStdio(bridgeCommand(srv.url, ['--hold-timeout', '15']));
    const { resources } = await c.client.listResources();
    const uri = resources[0]?.uri;
    assert.ok(uri, 'server-everything lists resources');
    await c.client.subscribeResource({ uri });
    await srv.restart();
    const updated = new Promise<string>((resolve) => {
      c!.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resolve(n.params.uri));
    });
    // After the restart the server forgot the subscription; only the bridge's renewal brings it back.
    await c.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    const timeout = new Promise<string>((_, reject) =>
      setTimeout(() => reject(new Error(`no resource update within 12 s; stderr: ${c!.stderr()}`)), 12_000).unref(),
    );
    assert.equal(await Promise.race([updated, timeout]), uri);
    assert.match(c.stderr(), /re-initialized upstream/);
  });
});
