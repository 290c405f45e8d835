// Security: loopback only, DNS-rebinding protection (Host/Origin → 403), body cap (413),
// Authorization forwarded upstream but never logged, a stuck client does not block others.
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../helpers/servers';
import { startGateway, type Gateway } from '../../src/core/gateway';
import { CapturingLogger, connectClient, textOf } from './util';
import { serverAndGateway, stopBed } from './bed';

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
};

/** A raw HTTP POST with exactly the headers given (fetch would not let us set Host). */
function rawPost(
  port: number,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
          if (text.length > 4096) res.destroy();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('close', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('gateway security', () => {
  let fx: RunningServer;
  let gw: Gateway;
  let port: number;
  const log = new CapturingLogger();
  before(async () => {
    ({ server: fx, gw } = await serverAndGateway(
      'fixture',
      { testTools: true },
      { logger: log, maxBodyBytes: 64 * 1024 },
    ));
    port = gw.stats().port;
  });
  after(async () => {
    await stopBed({ gw, server: fx });
  });

  it('refuses a foreign Host header with 403 (DNS rebinding)', async () => {
    const r = await rawPost(port, '/archon/mcp', { host: `evil.example.com:${port}` }, JSON.stringify(INIT));
    assert.equal(r.status, 403);
    assert.match(r.body, /Host/);
  });

  it('refuses a foreign Origin with 403, accepts a loopback one', async () => {
    const bad = await rawPost(
      port,
      '/archon/mcp',
      { host: `127.0.0.1:${port}`, origin: 'https://evil.example.com' },
      JSON.stringify(INIT),
    );
    assert.equal(bad.status, 403);
    const good = await rawPost(
      port,
      '/archon/mcp',
      { host: `localhost:${port}`, origin: `http://localhost:3000` },
      JSON.stringify(INIT),
    );
    assert.equal(good.status, 200);
  });

  it('refuses bodies over the cap with 413', async () => {
    const big = JSON.stringify({ ...INIT, params: { ...INIT.params, padding: 'x'.repeat(100 * 1024) } });
    const r = await rawPost(port, '/archon/mcp', { host: `127.0.0.1:${port}` }, big);
    assert.equal(r.status, 413);
    // chunked (no Content-Length): counted while reading
    const chunked = await rawPost(
      port,
      '/archon/mcp',
      { host: `127.0.0.1:${port}`, 'transfer-encoding': 'chunked' },
      big,
    );
    assert.equal(chunked.status, 413);
  });

  it('is not reachable on a non-loopback address of this machine', async (t) => {
    const addresses = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal)
      .map((a) => a!.address);
    if (addresses.length === 0) return t.skip('this machine has no non-loopback address');
    for (const address of addresses) {
      const reached = await new Promise<boolean>((resolve) => {
        const s = connect({ host: address, port });
        s.setTimeout(1000, () => {
          s.destroy();
          resolve(false);
        });
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      assert.equal(reached, false, `reachable on ${address}:${port}`);
    }
  });

  it('a stuck client (never reads its stream) does not block others', async () => {
    // Start a slow call and never read the answer; then other clients must be served at once.
    const stuck = await connectClient(gw.url());
    const pending = stuck.client
      .callTool({ name: 'test_progress', arguments: { steps: 3, intervalMs: 500 } })
      .catch(() => undefined);
    const other = await connectClient(gw.url());
    const t0 = Date.now();
    for (let i = 0; i < 5; i++)
      assert.match(textOf(await other.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
    assert.ok(Date.now() - t0 < 1000, 'other clients are served while one is busy');
    await other.close();
    await stuck.close();
    await pending;
  });
});

describe('gateway authorization', () => {
  let recorder: Server;
  let seen: IncomingHttpHeaders[] = [];
  let upstreamUrl: string;
  before(async () => {
    recorder = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized: Bearer secret-token-123 is not valid');
    });
    await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', () => r()));
    upstreamUrl = `http://127.0.0.1:${(recorder.address() as { port: number }).port}/mcp`;
  });
  after(async () => {
    await new Promise<void>((r) => recorder.close(() => r()));
  });

  it("forwards the client's Authorization upstream and never logs it", async () => {
    seen = [];
    const log = new CapturingLogger();
    const gw = await startGateway({ upstreams: [{ name: 'archon', url: upstreamUrl }], port: 0, logger: log });
    try {
      await assert.rejects(
        connectClient(gw.url(), { headers: { authorization: 'Bearer secret-token-123' } }),
        /credentials|401/,
      );
      assert.equal(seen[0]?.authorization, 'Bearer secret-token-123');
      assert.ok(log.lines.length > 0, 'something was logged');
      assert.doesNotMatch(log.text, /secret-token-123/);
    } finally {
      await gw.stop();
    }
  });

  it('sends the stored token when the client has none, never logging it', async () => {
    seen = [];
    const log = new CapturingLogger();
    const gw = await startGateway({
      upstreams: [{ name: 'archon', url: upstreamUrl }],
      port: 0,
      logger: log,
      getAuthorization: async () => 'Bearer stored-token-456',
    });
    try {
      await assert.rejects(connectClient(gw.url()), /credentials|401/);
      assert.equal(seen[0]?.authorization, 'Bearer stored-token-456');
      assert.doesNotMatch(log.text, /stored-token-456/);
    } finally {
      await gw.stop();
    }
  });
});
