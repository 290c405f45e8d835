// The gateway's client-facing HTTP transport re-opens a persisted session id through the v2 SDK's
// public API only (docs/sdk-v2-gaps.md): the client's next request with that id is served, the
// in-memory initialize that re-opens it is never handed to the session, and other ids stay unknown.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { HttpClientTransport, restoreHttpSession } from '../../src/core/gateway/client-transport';

const ID = '5b0c1f3e-8d2a-4c1b-9e7f-0a1b2c3d4e5f';
const HEADERS = {
  accept: 'application/json, text/event-stream',
  'content-type': 'application/json',
  'mcp-protocol-version': '2025-06-18',
};

describe('HttpClientTransport: a persisted session id re-opened (v2 SDK, public API)', () => {
  let server: Server;
  let url: string;
  let transport: HttpClientTransport;
  const delivered: JSONRPCMessage[] = [];
  const initializedHook: string[] = [];

  before(async () => {
    transport = new HttpClientTransport(
      { initialized: (sid) => initializedHook.push(sid), closedByClient: () => undefined },
      { restoredId: ID, maxBodyBytes: 1024 * 1024 },
    );
    transport.onmessage = (m) => {
      delivered.push(m);
      if ('id' in m && 'method' in m)
        transport.send({ jsonrpc: '2.0', id: m.id, result: { tools: [] } }).catch(() => undefined);
    };
    await transport.start();
    assert.equal(await restoreHttpSession(transport, ID), true);
    server = createServer((req, res) => void transport.handleRequest(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });
  after(async () => {
    await transport.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('serves the restored id without a new initialize, and never hands the re-opening initialize on', async () => {
    assert.equal(transport.sessionId, ID);
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...HEADERS, 'mcp-session-id': ID },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('mcp-session-id'), ID);
    const text = await res.text();
    assert.match(text, /"id":7,"result":\{"tools":\[\]\}/);
    assert.deepEqual(
      delivered.map((m) => ('method' in m ? m.method : '?')),
      ['tools/list'],
      'only the client request reached the session',
    );
    assert.deepEqual(initializedHook, [], 'a restore is not a client initializing');
  });

  it('another id is still unknown (404), and a second initialize is refused', async () => {
    const other = await fetch(url, {
      method: 'POST',
      headers: { ...HEADERS, 'mcp-session-id': 'not-the-id' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/list' }),
    });
    assert.equal(other.status, 404);
    await other.text();
    const init = {
      jsonrpc: '2.0',
      id: 9,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const again = await fetch(url, { method: 'POST', headers: HEADERS, body: JSON.stringify(init) });
    assert.equal(again.status, 400);
    assert.match(await again.text(), /already initialized/);
  });

  it('a transport that was never restored does not know the id (what restore is for)', async () => {
    const fresh = new HttpClientTransport(
      { initialized: () => undefined, closedByClient: () => undefined },
      { restoredId: ID, maxBodyBytes: 1024 },
    );
    const srv = createServer((req, res) => void fresh.handleRequest(req, res));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/mcp`, {
        method: 'POST',
        headers: { ...HEADERS, 'mcp-session-id': ID },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /Server not initialized/);
    } finally {
      await fresh.close();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
