// Everything passes through the gateway unchanged: initialize result, tools, progress (streamed,
// not buffered), sampling and elicitation round trips, sessionless upstreams, DELETE.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { RunningServer } from '../helpers/servers';
import type { Gateway } from '../../src/core/gateway';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient, sleep, textOf } from './util';
import { serverAndGateway, stopBed } from './bed';

describe('gateway pass-through', () => {
  let fx: RunningServer;
  let gw: Gateway;
  before(async () => {
    ({ server: fx, gw } = await serverAndGateway('fixture', { testTools: true }, { name: 'Archon' }));
  });
  after(async () => {
    await stopBed({ gw, server: fx });
  });

  it('serves /<slug>/mcp and hands over the upstream initialize result as sent', async () => {
    assert.match(gw.url('archon'), /^http:\/\/127\.0\.0\.1:\d+\/archon\/mcp$/);
    const direct = await connectClient(fx.url);
    const via = await connectClient(gw.url());
    try {
      assert.deepEqual(via.client.getServerVersion(), direct.client.getServerVersion());
      assert.deepEqual(via.client.getServerCapabilities(), direct.client.getServerCapabilities());
      assert.equal(via.client.getInstructions(), direct.client.getInstructions());
      const [a, b] = await Promise.all([direct.client.listTools(), via.client.listTools()]);
      assert.deepEqual(b, a);
      assert.ok(via.transport.sessionId, 'the gateway mints a session id');
      const stats = gw.stats().servers[0];
      assert.ok(stats.clients.some((c) => c.name === 'gateway-test' && c.version === '1.2.3'));
      assert.ok(stats.requestsForwarded >= 2);
    } finally {
      await direct.close();
      await via.close();
    }
  });

  it('streams progress notifications as they happen (not buffered)', async () => {
    const c = await connectClient(gw.url());
    try {
      const seen: number[] = [];
      const start = Date.now();
      const result = await c.client.callTool(
        { name: 'test_progress', arguments: { steps: 5, intervalMs: 200 } },
        undefined,
        {
          onprogress: () => seen.push(Date.now() - start),
        },
      );
      const done = Date.now() - start;
      assert.equal(seen.length, 5, `five progress notifications, got ${seen.length}`);
      assert.ok(seen[0] < 600, `the first progress came after ${seen[0]} ms`);
      assert.ok(seen[4] - seen[0] >= 600, `progress spread over time: ${seen.join(', ')}`);
      assert.ok(done - seen[0] >= 600, 'the first progress arrived long before the result');
      assert.match(textOf(result), /"steps":5/);
    } finally {
      await c.close();
    }
  });

  it('relays sampling and elicitation requests to the client and their answers back', async () => {
    const c = await connectClient(gw.url(), { capabilities: { sampling: {}, elicitation: {} } });
    try {
      c.client.setRequestHandler(CreateMessageRequestSchema, async () => ({
        model: 'test-model',
        role: 'assistant',
        content: { type: 'text', text: 'sampled through the gateway' },
      }));
      c.client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada' } }));
      const sampled = textOf(await c.client.callTool({ name: 'test_sample', arguments: { prompt: 'hi' } }));
      assert.match(sampled, /sampled through the gateway/);
      assert.match(sampled, /test-model/);
      const elicited = textOf(await c.client.callTool({ name: 'test_elicit', arguments: {} }));
      assert.match(elicited, /Ada/);
    } finally {
      await c.close();
    }
  });

  it('DELETE ends the session: its id is then unknown (404)', async () => {
    const c = await connectClient(gw.url());
    const id = c.transport.sessionId;
    await c.transport.terminateSession();
    const res = await fetch(gw.url(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': String(id),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    assert.equal(res.status, 404);
    await res.body?.cancel();
    await c.close();
  });

  it("answers a live session's POSTs as the SDK transport does: checks, 202, one SSE stream per POST", async () => {
    const c = await connectClient(gw.url());
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': String(c.transport.sessionId),
      'mcp-protocol-version': '2025-06-18',
    };
    const post = async (body: unknown, extra: Record<string, string> = {}) => {
      const res = await fetch(gw.url(), {
        method: 'POST',
        headers: { ...headers, ...extra },
        body: JSON.stringify(body),
      });
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        session: res.headers.get('mcp-session-id'),
        text: await res.text(),
      };
    };
    const errorOf = (text: string) => (JSON.parse(text) as { error: { code: number; message: string } }).error;
    try {
      const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
      let r = await post(ping, { accept: 'application/json' });
      assert.equal(r.status, 406);
      r = await post(ping, { 'content-type': 'text/plain' });
      assert.equal(r.status, 415);
      r = await post(ping, { 'mcp-protocol-version': '1999-01-01' });
      assert.equal(r.status, 400);
      assert.match(errorOf(r.text).message, /Unsupported protocol version: 1999-01-01/);
      r = await post({ jsonrpc: '2.0', idx: 1, method: 5 });
      assert.deepEqual([r.status, errorOf(r.text).code], [400, -32700]);
      r = await post({
        jsonrpc: '2.0',
        id: 9,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      });
      assert.match(errorOf(r.text).message, /already initialized/);
      r = await post({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' });
      assert.deepEqual([r.status, r.text], [202, '']);
      r = await post([ping, { jsonrpc: '2.0', id: 2, method: 'tools/list' }]);
      assert.deepEqual([r.status, r.type, r.session], [200, 'text/event-stream', c.transport.sessionId]);
      const ids = [...r.text.matchAll(/^event: message\ndata: (.*)$/gm)].map(
        (m) => (JSON.parse(m[1]) as { id: number }).id,
      );
      assert.deepEqual(ids.sort(), [1, 2], 'both answers on the one stream, which then ends');
    } finally {
      await c.close();
    }
  });
});

describe('gateway memory: idle sessions leave memory and come back from disk', () => {
  let fx: RunningServer;
  let gw: Gateway;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-idle-'));
    ({ server: fx, gw } = await serverAndGateway('fixture', { testTools: true }, { stateDir: dir, memoryIdleMs: 200 }));
  });
  after(async () => {
    await stopBed({ gw, server: fx });
    rmSync(dir, { recursive: true, force: true });
  });

  it('an idle session is swept from memory and restored on its next request', async () => {
    const events: string[] = [];
    gw.onEvent((e) => events.push(e.event));
    const d = await connectClient(gw.url());
    try {
      await d.client.callTool({ name: 'test_read', arguments: {} });
      // The SDK client keeps a GET stream open, which keeps the session in memory; close it.
      const id = d.transport.sessionId!;
      await d.close();
      await sleep(800);
      assert.equal(gw.stats().servers[0].clients.length, 0, 'swept from memory');
      const e = await connectClient(gw.url(), { sessionId: id });
      e.transport.setProtocolVersion('2025-06-18');
      assert.match(textOf(await e.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      assert.ok(events.includes('session-restored'));
      await e.close();
    } finally {
      await d.close();
    }
  });
});

describe('gateway with a sessionless upstream', () => {
  let fx: RunningServer;
  let gw: Gateway;
  before(async () => {
    ({ server: fx, gw } = await serverAndGateway(
      'fixture',
      { testTools: true, sessionless: true },
      { holdTimeoutMs: 10_000 },
    ));
  });
  after(async () => {
    await stopBed({ gw, server: fx });
  });

  it('works, and keeps working across an upstream restart', async () => {
    const c = await connectClient(gw.url());
    try {
      assert.ok(c.transport.sessionId, 'the client still gets a gateway session');
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      await fx.restart();
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      assert.equal(gw.stats().servers[0].errorsReturned, 0);
    } finally {
      await c.close();
    }
  });
});
