// The modern front at the HTTP edge: DNS-rebinding refusal (403) applies to 2026-07-28 requests too,
// malformed modern requests get clear JSON-RPC errors (never a crash), subscriptions/listen streams
// survive an upstream restart, and a modern-only upstream is served.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { CLIENT_INFO_META_KEY, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
import type { RunningServer } from '../helpers/servers';
import type { Gateway } from '../../src/core/gateway';
import { RAW_MODERN_ENVELOPE, connectModern, rawPost } from './modern-util';
import { CapturingLogger, executions, sleep, textOf } from './util';
import { serverAndGateway, stopBed } from './bed';

interface Answer {
  status: number;
  body: string;
}

async function postTo(
  port: number,
  headers: Record<string, string>,
  body: string,
  path = '/archon/mcp',
): Promise<Answer> {
  const r = await rawPost(`http://127.0.0.1:${port}${path}`, headers, body);
  return { status: r.status, body: r.body };
}

const ENVELOPE = RAW_MODERN_ENVELOPE;
const MODERN_HEADERS = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' };

function listTools(id: number, meta: Record<string, unknown> = ENVELOPE): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list', params: { _meta: meta } });
}

function errorOf(a: Answer): { code: number; message: string; data?: unknown } {
  const parsed = JSON.parse(a.body) as { error?: { code: number; message: string; data?: unknown } };
  assert.ok(parsed.error, `a JSON-RPC error: ${a.body.slice(0, 200)}`);
  return parsed.error;
}

describe('modern front: HTTP edges (Archon-like fixture)', () => {
  let fx: RunningServer;
  let gw: Gateway;
  const log = new CapturingLogger();
  const port = (): number => Number(new URL(gw.url()).port);
  before(async () => {
    ({ server: fx, gw } = await serverAndGateway(
      'fixture',
      { testTools: true },
      { holdTimeoutMs: 10_000, logger: log },
    ));
  });
  after(async () => {
    await stopBed({ gw, server: fx });
  });

  it('a well-formed raw 2026-07-28 request is answered without any session id', async () => {
    const a = await postTo(port(), MODERN_HEADERS, listTools(1));
    assert.equal(a.status, 200, a.body.slice(0, 200));
    const parsed = JSON.parse(a.body) as { id: number; result: { tools: { name: string }[] } };
    assert.equal(parsed.id, 1, "the client's own id comes back");
    assert.ok(parsed.result.tools.some((t) => t.name === 'health_check'));
    assert.doesNotMatch(
      a.body,
      /mcp-session-id|archon-mcp-doctor-modern-/i,
      'no session id and no gateway-internal id reach the client',
    );
  });

  it('refuses a modern request from a foreign Origin with 403, raw and through the v2 client', async () => {
    const a = await postTo(port(), { ...MODERN_HEADERS, origin: 'https://evil.example.com' }, listTools(2));
    assert.equal(a.status, 403);
    assert.match(errorOf(a).message, /Origin "https:\/\/evil\.example\.com" is not local/);
    const before = (await fetch(`${fx.healthUrl}`).then((r) => r.json())) as unknown;
    assert.ok(before, 'the fixture is still up');
    await assert.rejects(
      (async () => {
        const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
        const client = new Client(
          { name: 'evil', version: '1' },
          { versionNegotiation: { mode: { pin: '2026-07-28' } } },
        );
        await client.connect(
          new StreamableHTTPClientTransport(new URL(gw.url()), {
            requestInit: { headers: { origin: 'https://evil.example.com' } },
          }),
        );
      })(),
      /403|Forbidden/,
    );
  });

  it('answers malformed modern requests with clear JSON-RPC errors and keeps serving', async () => {
    const badEnvelope = await postTo(
      port(),
      MODERN_HEADERS,
      listTools(3, { ...ENVELOPE, [CLIENT_INFO_META_KEY]: 'not an object' }),
    );
    assert.equal(badEnvelope.status, 400);
    assert.equal(errorOf(badEnvelope).code, -32602);
    assert.match(errorOf(badEnvelope).message, /clientInfo/);

    const noEnvelope = await postTo(
      port(),
      MODERN_HEADERS,
      JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/list' }),
    );
    assert.equal(noEnvelope.status, 400);
    assert.match(errorOf(noEnvelope).message, /missing the required per-request envelope/);

    const notJsonRpc = await postTo(
      port(),
      MODERN_HEADERS,
      JSON.stringify({ hello: 'world', params: { _meta: ENVELOPE } }),
    );
    assert.equal(notJsonRpc.status, 400);
    assert.equal(errorOf(notJsonRpc).code, -32600);

    const future = await postTo(
      port(),
      { ...MODERN_HEADERS, 'mcp-protocol-version': '2027-01-01' },
      listTools(5, { ...ENVELOPE, [PROTOCOL_VERSION_META_KEY]: '2027-01-01' }),
    );
    assert.equal(errorOf(future).code, -32022);
    assert.deepEqual(
      (errorOf(future).data as { supported: string[] }).supported,
      ['2026-07-28'],
      'names the versions the gateway serves',
    );

    const plain = await postTo(port(), { ...MODERN_HEADERS, 'content-type': 'text/plain' }, listTools(6));
    assert.equal(plain.status, 415);
    assert.match(errorOf(plain).message, /application\/json/);

    const unknownMethod = await postTo(
      port(),
      { ...MODERN_HEADERS, 'mcp-method': 'nope/nope' },
      JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'nope/nope', params: { _meta: ENVELOPE } }),
    );
    assert.equal(errorOf(unknownMethod).code, -32601);

    const broken = await postTo(port(), MODERN_HEADERS, '{"jsonrpc":');
    assert.equal(broken.status, 400);
    assert.equal(errorOf(broken).code, -32700);

    // Still serving, and nothing reached the host as an unhandled error.
    const ok = await postTo(port(), MODERN_HEADERS, listTools(8));
    assert.equal(ok.status, 200);
    assert.doesNotMatch(log.text, /request failed/);
  });

  it('an error from the upstream comes back as that JSON-RPC error, in the modern shape', async () => {
    const c = await connectModern(gw.url(), 'pinned');
    try {
      const r = await c.client.callTool({ name: 'no_such_tool', arguments: {} }).then(
        (res) => ({ ok: true as const, text: JSON.stringify(res) }),
        (e: Error) => ({ ok: false as const, text: e.message }),
      );
      assert.match(r.text, /no_such_tool/, 'the upstream named the unknown tool');
      assert.match(
        textOf(await c.client.callTool({ name: 'health_check', arguments: {} })),
        /./,
        'and the next call is fine',
      );
    } finally {
      await c.close();
    }
  });

  it("relays the upstream's progress notifications on the call's own stream", async () => {
    const c = await connectModern(gw.url(), 'pinned');
    try {
      const progress: number[] = [];
      const r = await c.client.callTool(
        { name: 'test_progress', arguments: { steps: 3, intervalMs: 20 } },
        { onprogress: (p) => progress.push(p.progress) },
      );
      assert.match(textOf(r), /"steps":3/);
      assert.deepEqual(progress, [1, 2, 3]);
    } finally {
      await c.close();
    }
  });

  it('a modern client that goes away mid-call gets its call cancelled upstream', async () => {
    const key = 'modern-gone';
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 9,
      method: 'tools/call',
      params: { name: 'test_write', arguments: { key, delayMs: 60_000 }, _meta: ENVELOPE },
    });
    const req = request({
      host: '127.0.0.1',
      port: port(),
      path: '/archon/mcp',
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...MODERN_HEADERS,
        'mcp-method': 'tools/call',
        'mcp-name': 'test_write',
      },
    });
    req.on('error', () => undefined);
    req.end(body);
    // Wait (bounded) until the write runs upstream, then hang up.
    for (let i = 0; i < 300 && !(await executions(fx.url)).keys.test_write?.[key]; i++) await sleep(100);
    assert.equal((await executions(fx.url)).keys.test_write?.[key], 1, 'the write started upstream');
    req.destroy();
    for (let i = 0; i < 300 && !(await executions(fx.url)).keys.cancelled?.[key]; i++) await sleep(100);
    assert.equal(
      (await executions(fx.url)).keys.cancelled?.[key],
      1,
      'the upstream heard notifications/cancelled for it',
    );
    assert.equal((await executions(fx.url)).keys.test_write?.[key], 1, 'and it was not sent again');
  });
});

describe('modern front: subscriptions/listen across an upstream restart (server-everything)', () => {
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

  it('a listen stream for a resource gets its updates after the upstream restarted', async () => {
    const c = await connectModern(gw.url(), 'auto');
    try {
      assert.equal(c.client.getNegotiatedProtocolVersion(), '2026-07-28');
      const { resources } = await c.client.listResources();
      const uri = resources[0]?.uri;
      assert.ok(uri, 'server-everything lists resources');
      const updates: string[] = [];
      c.client.setNotificationHandler('notifications/resources/updated', (n) => {
        updates.push(n.params.uri);
      });
      const sub = await c.client.listen({ resourceSubscriptions: [uri] });
      assert.deepEqual(sub.honoredFilter.resourceSubscriptions, [uri]);
      await srv.restart();
      // After the restart the server forgot the subscription; only the gateway's renewal brings it back.
      await c.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
      const until = Date.now() + 15_000;
      while (!updates.includes(uri) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      assert.ok(
        updates.includes(uri),
        `an update for ${uri} arrived on the listen stream after the restart (got ${JSON.stringify(updates)})`,
      );
      assert.ok(gw.stats().servers[0].healed.reinitialized >= 1, 'the shared session was re-initialized');
      await sub.close();
    } finally {
      await c.close();
    }
  });
});

describe('modern front: a modern-only upstream (modern fixture)', () => {
  let srv: RunningServer;
  let gw: Gateway;
  before(async () => {
    ({ server: srv, gw } = await serverAndGateway('modern', {}, { name: 'modern', holdTimeoutMs: 5_000 }));
  });
  after(async () => {
    await stopBed({ gw, server: srv });
  });

  // The upstream side speaks 2026-07-28 to a modern upstream: discover is served with what it said of itself.
  it("serves a raw 2026-07-28 discover with the upstream's own server info", async () => {
    const port = Number(new URL(gw.url()).port);
    const discover = JSON.stringify({
      jsonrpc: '2.0',
      id: 'd1',
      method: 'server/discover',
      params: { _meta: ENVELOPE },
    });
    const a = await postTo(port, { ...MODERN_HEADERS, 'mcp-method': 'server/discover' }, discover, '/modern/mcp');
    assert.equal(a.status, 200, a.body.slice(0, 300));
    const parsed = JSON.parse(a.body) as {
      id: string;
      result?: { supportedVersions: string[]; _meta?: Record<string, { name?: string }> };
    };
    assert.equal(parsed.id, 'd1');
    assert.deepEqual(parsed.result?.supportedVersions, ['2026-07-28']);
    assert.equal(parsed.result?._meta?.['io.modelcontextprotocol/serverInfo']?.name, 'modern-mcp');
    const c = await connectModern(gw.url(), 'pinned');
    try {
      assert.equal(c.client.getServerVersion()?.name, 'modern-mcp');
    } finally {
      await c.close();
    }
  });
});
