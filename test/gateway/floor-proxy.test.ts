// The gateway bench's floor (bench/floor-proxy.ts): a byte-forwarding proxy that real SDK clients of
// both eras talk through unchanged, as its own process, loopback-only.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { startServer, type RunningServer } from '../helpers/servers';
import { spawnFloorProxy, type FloorProxyProcess } from '../../bench/floor-proxy';
import { readCpuMs } from '../../bench/memory';

describe('bench floor proxy', () => {
  let fx: RunningServer;
  let modern: RunningServer;
  let floor: FloorProxyProcess;
  let modernFloor: FloorProxyProcess;
  before(async () => {
    [fx, modern] = await Promise.all([startServer('fixture', { testTools: true }), startServer('modern')]);
    [floor, modernFloor] = await Promise.all([spawnFloorProxy(fx.url), spawnFloorProxy(modern.url)]);
  });
  after(async () => {
    await Promise.all([floor?.close(), modernFloor?.close()]);
    await Promise.all([fx?.stop(), modern?.stop()]);
  });

  it('a v1 client gets the same session, tools and answers through it as direct', async () => {
    assert.match(floor.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = new Client({ name: 'floor-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(floor.url));
    await client.connect(transport);
    try {
      assert.ok(transport.sessionId, 'the upstream session id came back through the proxy');
      const tools = await client.listTools();
      assert.ok(tools.tools.some((t) => t.name === 'test_read'));
      const result = await client.callTool({ name: 'test_read', arguments: {} });
      assert.notEqual(result.isError, true);
      assert.ok(Array.isArray(result.content) && result.content.length > 0);
      assert.ok((await readCpuMs(floor.pid)) !== undefined, 'its CPU time can be read from /proc');
    } finally {
      await client.close();
    }
  });

  it('a v2 client pinned to 2026-07-28 talks to the modern fixture through it', async () => {
    const client = new ModernClient(
      { name: 'floor-test', version: '1.0.0' },
      { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new ModernTransport(new URL(modernFloor.url)));
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
      const result = await client.callTool({ name: 'find_projects', arguments: {} });
      assert.match(JSON.stringify(result.content), /Demo project/);
    } finally {
      await client.close();
    }
  });

  it('refuses a Host that is not loopback (DNS rebinding), and leaves the upstream unasked', async () => {
    const { request } = await import('node:http');
    const url = new URL(floor.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          hostname: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { host: 'evil.example', 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(status, 403);
  });
});
