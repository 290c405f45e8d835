// The real Python server refuses a request that reaches it before the client's notifications/initialized
// (mcp 1.x ServerSession: -32602 "Invalid request parameters"). A client sends its first request as soon as
// the gateway accepted the notification (202), so the gateway must not let that request overtake the
// notification on its way upstream. A hop between the gateway and the server holds the notification back
// 300 ms to make the overtaking certain (it happened by itself with 16 clients connecting at once).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startGateway } from '../../src/core/gateway';
import { skipWithoutPython, startPythonServer } from '../helpers/python';
import { rawPost } from '../gateway/modern-util';
import { delayingHop } from '../helpers/delaying-hop';

const HOLD_NOTIFICATION_MS = 300;

test(
  "a client's first request waits for its notifications/initialized to reach the Python server",
  { timeout: 60_000 },
  async (t) => {
    if (skipWithoutPython(t, ['mcp-1.12'])) return;
    const server = await startPythonServer('mcp-1.12');
    const hop = await delayingHop(server.url, (body) =>
      body.includes('notifications/initialized') ? HOLD_NOTIFICATION_MS : 0,
    );
    const gw = await startGateway({ upstreams: [{ name: 'archon', url: hop.url }], port: 0 });
    try {
      const post = (h: Record<string, string>, message: object) => rawPost(gw.url(), h, JSON.stringify(message));
      const headers = { 'mcp-protocol-version': '2025-06-18' };
      const init = await post(headers, {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'order-test', version: '1' } },
      });
      assert.equal(init.status, 200, init.body);
      const sid = init.headers['mcp-session-id'];
      assert.ok(typeof sid === 'string' && sid, 'the gateway gave a session');
      const inSession = { ...headers, 'mcp-session-id': sid };
      const note = await post(inSession, { jsonrpc: '2.0', method: 'notifications/initialized' });
      assert.equal(note.status, 202, 'the notification is accepted at once');
      const list = await post(inSession, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
      assert.equal(hop.held(), 1, 'the notification was held back on its way upstream');
      assert.equal(list.status, 200, list.body);
      assert.doesNotMatch(list.body, /"error"/, `tools/list answered without an error: ${list.body.slice(0, 300)}`);
      assert.match(list.body, /"find_tasks"/, "Archon's tools listed");
    } finally {
      await gw.stop();
      await hop.close();
      await server.stop();
    }
  },
);
