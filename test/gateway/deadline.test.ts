// Issue 12: calls that never end. The gateway's response deadline answers a request the upstream
// accepted and never answers (or streams for ever) with a clear JSON-RPC error and cancels it
// upstream; a client's notifications/cancelled or disconnect cancels the upstream request too.
// The fixture records each request cancelled on its side as tool `cancelled`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { RunningServer } from '../helpers/servers';
import { startGateway, type Gateway } from '../../src/core/gateway';
import { connectClient, executions, sleep, type Connected } from './util';
import { serverAndGateway, stopBed } from './bed';

/** Polls the fixture until `n` requests in all were cancelled on its side (or gives up after timeoutMs). */
async function cancelledUpstream(
  url: string,
  n: number,
  timeoutMs = 10_000,
): Promise<{ total: number; keys: Record<string, number> }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const counts = await executions(url);
    const total = counts.tools.cancelled ?? 0;
    if (total >= n || Date.now() > until) return { total, keys: counts.keys.cancelled ?? {} };
    await sleep(50);
  }
}

describe('gateway response deadline and cancellation', () => {
  let fx: RunningServer;
  let gw: Gateway;
  let c: Connected;
  before(async () => {
    ({ server: fx, gw } = await serverAndGateway(
      'fixture',
      { testTools: true },
      { responseTimeoutMs: 1_000, holdTimeoutMs: 30_000 },
    ));
    c = await connectClient(gw.url());
    await c.client.listTools();
  });
  after(async () => {
    await c?.close();
    await stopBed({ gw, server: fx });
  });

  it('an upstream that accepts and never answers: a clear error after the deadline, and the request is cancelled upstream', async () => {
    const call = c.client.callTool({ name: 'test_write', arguments: { key: 'never', delayMs: 600_000 } }, undefined, {
      timeout: 30_000,
    });
    await assert.rejects(call, /did not answer the call to "test_write" within 1 s \(the gateway's response timeout\)/);
    assert.equal(
      (await cancelledUpstream(fx.url, 1)).keys.never,
      1,
      'the gateway sent notifications/cancelled upstream',
    );
  });

  it('an upstream that streams for ever (progress, no answer): the same deadline', async () => {
    let progress = 0;
    const call = c.client.callTool(
      { name: 'test_progress', arguments: { steps: 1_000_000, intervalMs: 50 } },
      undefined,
      {
        timeout: 30_000,
        onprogress: () => void progress++,
      },
    );
    await assert.rejects(call, /did not answer the call to "test_progress" within 1 s/);
    assert.ok(progress > 3, `progress was relayed meanwhile (${progress})`);
    assert.equal((await cancelledUpstream(fx.url, 2)).keys.test_progress, 1);
  });

  it("a client's notifications/cancelled ends the upstream request", async () => {
    const gw2 = await startGateway({ upstreams: [{ name: 'archon', url: fx.url }], port: 0 }); // default deadline: 120 s
    const c2 = await connectClient(gw2.url());
    try {
      const abort = new AbortController();
      const call = c2.client.callTool({ name: 'test_read', arguments: { delayMs: 600_000, key: 'x' } }, undefined, {
        signal: abort.signal,
      });
      await sleep(300);
      abort.abort('the user pressed stop');
      await assert.rejects(call);
      assert.equal((await cancelledUpstream(fx.url, 3)).total, 3, 'cancelled upstream');
    } finally {
      await c2.close();
      await gw2.stop();
    }
  });

  it('a client that disconnects mid-call gets its upstream request cancelled', async () => {
    const gw3 = await startGateway({ upstreams: [{ name: 'archon', url: fx.url }], port: 0 });
    try {
      const url = gw3.url();
      const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const init = await fetch(url, {
        method: 'POST',
        headers: base,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: LATEST_PROTOCOL_VERSION,
            capabilities: {},
            clientInfo: { name: 'quitter', version: '1' },
          },
        }),
      });
      const headers = {
        ...base,
        'mcp-session-id': init.headers.get('mcp-session-id') ?? '',
        'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
      };
      await init.text();
      await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      });
      const gone = new AbortController();
      const call = fetch(url, {
        method: 'POST',
        headers,
        signal: gone.signal,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'test_write', arguments: { key: 'quitter', delayMs: 600_000 } },
        }),
      });
      const res = await call;
      assert.equal(res.status, 200);
      await sleep(300);
      gone.abort(); // closes the connection; no notifications/cancelled is sent
      await res.body?.cancel().catch(() => undefined);
      assert.equal((await cancelledUpstream(fx.url, 4)).keys.quitter, 1, 'the gateway cancelled the request upstream');
    } finally {
      await gw3.stop();
    }
  });
});
