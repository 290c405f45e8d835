// Issue 12: HTTP edges. A 100 MB body gets a 413 the client can read; header lines node cannot
// parse get 400/431 instead of a dropped connection; a 200 answer that is not JSON-RPC is called
// that (not "the server restarted"); a legacy HTTP+SSE client is told this endpoint speaks
// Streamable HTTP.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { startServer, type GarbageMode, type RunningServer, type ServerKind } from '../helpers/servers';
import { startGateway, type Gateway } from '../../src/core/gateway';
import { connectClient } from './util';
import { serverAndGateway, stopBed } from './bed';

/** Sends raw bytes and reads everything until the gateway closes the connection. */
function rawExchange(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write(bytes));
    let got = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      got += d;
    });
    s.on('end', () => resolve(got));
    s.on('error', (e) =>
      reject(new Error(`connection dropped (${(e as NodeJS.ErrnoException).code}) after: ${JSON.stringify(got)}`)),
    );
  });
}

describe('gateway HTTP edges', () => {
  let fx: RunningServer;
  let gw: Gateway;
  let port: number;
  before(async () => {
    ({ server: fx, gw } = await serverAndGateway('fixture'));
    port = gw.stats().port;
  });
  after(async () => {
    await stopBed({ gw, server: fx });
  });

  it('a 100 MB body: the client reads the 413 answer, no reset', async () => {
    const size = 100 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path: '/archon/mcp',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': size,
        },
      });
      let response: { status: number; body: string } | undefined;
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => {
          response = { status: res.statusCode ?? 0, body };
        });
      });
      req.on('error', (e) => reject(new Error(`the upload failed: ${(e as NodeJS.ErrnoException).code} ${e.message}`)));
      req.on('close', () => (response ? resolve(response) : reject(new Error('closed without an answer'))));
      let sent = 0;
      const pump = (): void => {
        while (sent < size) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    assert.equal(answer.status, 413);
    assert.match(answer.body, /Payload too large: the gateway accepts at most 4194304 bytes/);
  });

  for (const [what, bytes, status] of [
    ['a bare CR in a header line', 'POST /archon/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bad: a\rb\r\n\r\n', 400],
    ['a NUL in a header value', 'POST /archon/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bad: a\u0000b\r\n\r\n', 400],
    ['a header line without a colon', 'POST /archon/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n', 400],
    ['a 20 KB header', `POST /archon/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`, 431],
  ] as const) {
    it(`${what}: HTTP ${status} with a message, then close`, async () => {
      const got = await rawExchange(port, bytes);
      assert.match(got, new RegExp(`^HTTP/1\\.1 ${status} `));
      assert.match(got, /"message":"Bad request: /);
    });
  }

  it('a legacy HTTP+SSE client is told this endpoint speaks Streamable HTTP', async () => {
    for (const [method, path] of [
      ['GET', '/sse'],
      ['GET', '/archon/sse'],
      ['POST', '/archon/message?sessionId=abc'],
      ['POST', '/messages'],
    ] as const) {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        body: method === 'POST' ? '{}' : undefined,
        headers: { accept: 'text/event-stream' },
      });
      assert.equal(r.status, 404, path);
      assert.match(await r.text(), /speaks Streamable HTTP .*not the legacy HTTP\+SSE transport/, path);
    }
    const get = await fetch(gw.url(), { headers: { accept: 'text/event-stream' } });
    assert.equal(get.status, 400);
    assert.match(await get.text(), /speaks Streamable HTTP/);
    // And the SDK's own legacy client fails at once instead of waiting for an endpoint event.
    const legacy = new Client({ name: 'legacy', version: '1' });
    await assert.rejects(legacy.connect(new SSEClientTransport(new URL(gw.url()))));
  });
});

describe('gateway in front of something that answers 200 but not JSON-RPC', () => {
  const cases: [string, ServerKind, GarbageMode | undefined, RegExp][] = [
    [
      'an HTML page',
      'html',
      undefined,
      /HTTP 200 \(text\/html\) with something that is not JSON-RPC: "<!doctype html>/,
    ],
    ['broken JSON', 'garbage', 'invalid-json', /HTTP 200 \(application\/json\) with something that is not JSON-RPC/],
    [
      'SSE events that are not messages',
      'garbage',
      'bad-sse',
      /HTTP 200 \(text\/event-stream\) with something that is not JSON-RPC: "this is not json"/,
    ],
  ];
  for (const [what, kind, garbageMode, message] of cases) {
    it(`${what}: the client is told so, not that the server restarted`, async () => {
      const up = await startServer(kind, { garbageMode });
      const gw = await startGateway({ upstreams: [{ name: 'x', url: up.url }], port: 0, holdTimeoutMs: 2_000 });
      try {
        const err = await connectClient(gw.url()).then(
          () => undefined,
          (e: Error) => e,
        );
        assert.ok(err, 'connecting failed');
        assert.match(err.message, message);
        assert.match(err.message, /does not look like an MCP endpoint/);
        assert.doesNotMatch(err.message, /restarted or the connection broke/);
      } finally {
        await gw.stop();
        await up.stop();
      }
    });
  }
});
