// The 2025 hot path (src/core/gateway/direct-reply.ts): a request in an established session is
// answered on its own HTTP response, as one JSON body when the answer comes first and as an SSE
// stream when anything comes before it or it takes long; everything the SDK transport would not
// take as it is still gets the SDK's answer. Raw HTTP, so the framing itself is what is checked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createParser } from 'eventsource-parser';
import type { RunningServer } from '../helpers/servers';
import type { Gateway } from '../../src/core/gateway';
import { executions, sleep } from './util';
import { serverAndGateway, stopBed } from './bed';

const ACCEPT = 'application/json, text/event-stream';
const VERSION = '2025-06-18';

interface Answer {
  status: number;
  type: string;
  messages: Record<string, unknown>[];
  headersAt: number;
  endedAt: number;
}

/** One POST; the JSON-RPC messages of its answer, whatever the framing. */
async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Answer> {
  const start = Date.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
    body: JSON.stringify(body),
    signal,
  });
  const headersAt = Date.now() - start;
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  const messages: Record<string, unknown>[] = [];
  if (type.includes('text/event-stream')) {
    const parser = createParser({
      onEvent: (e) => (e.data ? messages.push(JSON.parse(e.data) as Record<string, unknown>) : undefined),
    });
    parser.feed(text);
  } else if (text) {
    const json = JSON.parse(text) as Record<string, unknown> | Record<string, unknown>[];
    messages.push(...(Array.isArray(json) ? json : [json]));
  }
  return { status: res.status, type, messages, headersAt, endedAt: Date.now() - start };
}

const call = (id: number, name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
});

describe('gateway direct replies (2025 sessions)', () => {
  let fx: RunningServer;
  let gw: Gateway;
  let url: string;
  let session: Record<string, string>;
  before(async () => {
    ({ server: fx, gw } = await serverAndGateway('fixture', { testTools: true }));
    url = gw.url('archon');
    const init = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    });
    await init.text();
    const sid = init.headers.get('mcp-session-id');
    assert.ok(sid, 'the gateway minted a session');
    session = { 'mcp-session-id': sid, 'mcp-protocol-version': VERSION };
    const initialized = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, session);
    assert.equal(initialized.status, 202);
    const list = await post(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, session);
    assert.ok(
      list.messages.some((m) => m.id === 1 && 'result' in m),
      'tools/list answered',
    );
  });
  after(async () => {
    await stopBed({ gw, server: fx });
  });

  it('an answer that comes first is one JSON body with the session id', async () => {
    const a = await post(url, call(2, 'test_read'), session);
    assert.equal(a.status, 200);
    assert.match(a.type, /^application\/json/);
    assert.equal(a.messages.length, 1);
    assert.equal(a.messages[0].id, 2);
    assert.ok('result' in a.messages[0], JSON.stringify(a.messages[0]));
  });

  it('progress before the answer turns the reply into an SSE stream, in order', async () => {
    const a = await post(url, call(3, 'test_progress', { steps: 3, intervalMs: 50 }, { progressToken: 'p3' }), session);
    assert.match(a.type, /^text\/event-stream/);
    const methods = a.messages.map((m) => (typeof m.method === 'string' ? m.method : `answer ${String(m.id)}`));
    assert.deepEqual(methods, [
      'notifications/progress',
      'notifications/progress',
      'notifications/progress',
      'answer 3',
    ]);
  });

  it('a slow answer commits to SSE first, so a client gets headers while it waits', async () => {
    const a = await post(url, call(4, 'test_read', { delayMs: 3500 }), session);
    assert.match(a.type, /^text\/event-stream/);
    assert.ok(a.headersAt < a.endedAt - 500, `headers came with the answer (${a.headersAt} ms of ${a.endedAt} ms)`);
    assert.equal(a.messages.at(-1)?.id, 4);
  });

  it('a cancelled request ends its reply with no answer, and the server is told', async () => {
    const before = await executions(fx.url);
    const pending = post(url, call(5, 'test_read', { delayMs: 20_000 }), session);
    await sleep(300);
    const cancel = await post(
      url,
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5, reason: 'test' } },
      session,
    );
    assert.equal(cancel.status, 202);
    const a = await pending;
    assert.ok(a.endedAt < 15_000, `the reply ended when the request was cancelled (${a.endedAt} ms)`);
    assert.ok(!a.messages.some((m) => m.id === 5), `no answer to a cancelled request: ${JSON.stringify(a.messages)}`);
    // The cancel is forwarded upstream on its own (the reply does not wait for it).
    let told = 0;
    for (let i = 0; i < 40 && told === 0; i++) {
      told = ((await executions(fx.url)).tools.cancelled ?? 0) - (before.tools.cancelled ?? 0);
      if (!told) await sleep(50);
    }
    assert.equal(told, 1, 'the server saw the cancel');
  });

  it('what the SDK transport answers itself still gets its answer', async () => {
    const noSse = await post(url, call(6, 'test_read'), { ...session, accept: 'application/json' });
    assert.equal(noSse.status, 406);
    const badVersion = await post(url, call(7, 'test_read'), { ...session, 'mcp-protocol-version': '1999-01-01' });
    assert.equal(badVersion.status, 400);
    assert.match(
      String((badVersion.messages[0]?.error as { message?: string } | undefined)?.message),
      /Unsupported protocol version/,
    );
    const wrongSession = await post(url, call(8, 'test_read'), { ...session, 'mcp-session-id': 'not-a-session' });
    assert.equal(wrongSession.status, 404);
    const notRpc = await post(url, { jsonrpc: '2.0', id: 9, method: 42 }, session);
    assert.equal(notRpc.status, 400);
    // A batch goes the SDK's way (one SSE stream with both answers).
    const batch = await post(url, [call(10, 'test_read'), call(11, 'test_read')], session);
    assert.equal(batch.status, 200);
    assert.deepEqual(batch.messages.map((m) => m.id).sort(), [10, 11]);
  });

  it('a client that closes its session ends the replies still open', async () => {
    const pending = post(url, call(12, 'test_read', { delayMs: 20_000 }), session);
    await sleep(300);
    const del = await fetch(url, { method: 'DELETE', headers: session });
    await del.text();
    assert.equal(del.status, 200);
    const a = await pending;
    assert.ok(a.endedAt < 15_000, `the reply ended with the session (${a.endedAt} ms)`);
    assert.ok(!a.messages.some((m) => m.id === 12));
  });
});
