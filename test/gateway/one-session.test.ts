// Issue 10: exactly one upstream `initialize` per client connect, and no heal counted for it.
// The gateway sends the client its session id in the initialize response's headers before the
// upstream's answer arrives; a client that opens its GET stream on those headers (VS Code's does)
// used to make the gateway start a second upstream session for that stream.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { RunningServer } from '../helpers/servers';
import type { Gateway } from '../../src/core/gateway';
import { CapturingLogger, connectClient, executions, sleep } from './util';
import { serverAndGateway, stopBed } from './bed';

const ACCEPT = 'application/json, text/event-stream';

/** A client connect as VS Code's MCP client does it: GET stream on the initialize headers, then the rest. */
async function eagerGetConnect(url: string): Promise<{ close(): Promise<void> }> {
  const init = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: LATEST_PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'eager-get', version: '1.0.0' },
      },
    }),
  });
  assert.equal(init.status, 200);
  const sid = init.headers.get('mcp-session-id');
  assert.ok(sid, 'the gateway sends a session id with the initialize answer');
  // The GET stream opens before the initialize answer's body has been read.
  const stream = new AbortController();
  const get = await fetch(url, {
    headers: { accept: 'text/event-stream', 'mcp-session-id': sid },
    signal: stream.signal,
  });
  assert.equal(get.status, 200);
  const answer = await init.text();
  assert.match(answer, /"result"/);
  const headers = {
    'content-type': 'application/json',
    accept: ACCEPT,
    'mcp-session-id': sid,
    'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
  };
  const initialized = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  assert.equal(initialized.status, 202);
  const list = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
  });
  assert.match(await list.text(), /health_check/);
  return {
    close: async () => {
      stream.abort();
      await get.body?.cancel().catch(() => undefined);
      await fetch(url, { method: 'DELETE', headers }).then(
        (r) => r.body?.cancel(),
        () => undefined,
      );
    },
  };
}

describe('one upstream session per gateway client', () => {
  let fx: RunningServer;
  let gw: Gateway;
  const log = new CapturingLogger();
  before(async () => {
    // A slow initialize (as a busy Archon answers it) leaves room for the client's GET to come first.
    ({ server: fx, gw } = await serverAndGateway(
      'fixture',
      { testTools: true, env: { FIXTURE_INITIALIZE_DELAY_MS: '300' } },
      { logger: log },
    ));
  });
  after(async () => {
    await stopBed({ gw, server: fx });
  });

  it('a client that opens its GET stream on the initialize headers causes one upstream initialize, and no heal', async () => {
    const clients = [];
    for (let i = 0; i < 3; i++) clients.push(await eagerGetConnect(gw.url()));
    await sleep(500); // room for a stray second initialize to land
    assert.equal((await executions(fx.url)).initializes, 3, 'one upstream initialize per connect');
    const s = gw.stats().servers[0];
    assert.deepEqual(s.healed, { reinitialized: 0, held: 0, resent: 0 }, 'nothing was healed');
    assert.doesNotMatch(log.text, /re-initialized upstream/);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('the SDK client (GET after notifications/initialized) also causes one upstream initialize each', async () => {
    const before = (await executions(fx.url)).initializes;
    const a = await connectClient(gw.url(), { name: 'a' });
    const b = await connectClient(gw.url(), { name: 'b' });
    await a.client.listTools();
    await b.client.listTools();
    await sleep(300);
    assert.equal((await executions(fx.url)).initializes, before + 2);
    assert.equal(gw.stats().servers[0].healed.reinitialized, 0);
    await a.close();
    await b.close();
  });
});
