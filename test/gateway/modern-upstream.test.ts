// The gateway in front of an upstream that speaks ONLY 2026-07-28 (the modern fixture, legacy:
// 'reject'): a 2025 client (v1 SDK) and a v2 client pinned to 2026-07-28 list and call tools, also
// across 10 fixture restarts (SIGKILL): every call is answered and no write runs twice. The era is
// re-detected when the upstream is replaced by a 2025 server on the same port, and back; its
// tools/list_changed reaches a 2025 client's GET stream from a subscriptions/listen stream.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../helpers/servers';
import { startGateway, type Gateway } from '../../src/core/gateway';
import { RAW_MODERN_ENVELOPE, connectModern, type ModernConnected } from './modern-util';
import {
  EmptyResultSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { CapturingLogger, connectClient, executions, sleep, textOf, type Connected } from './util';
import { answered, loop } from './call-loops';
import { serverAndGateway, stopBed } from './bed';

const RESTARTS = 10;
const CALLS_PER_WINDOW = 4;

describe('the gateway in front of a 2026-07-28-only upstream (modern fixture)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-modern-up-'));
  const log = new CapturingLogger();
  let srv: RunningServer;
  let gw: Gateway;
  let legacy: Connected | undefined;
  let modern: ModernConnected | undefined;
  before(async () => {
    ({ server: srv, gw } = await serverAndGateway(
      'modern',
      { stateFile: join(dir, 'executions.jsonl') },
      { name: 'modern', holdTimeoutMs: 20_000, logger: log },
    ));
  });
  after(async () => {
    await legacy?.close();
    await modern?.close();
    await stopBed({ gw, server: srv });
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a 2025 client: initialize answered from server/discover, tools listed and called', async () => {
    legacy = await connectClient(gw.url(), { name: 'legacy-to-modern' });
    assert.ok(legacy.transport.sessionId, 'the 2025 client still gets a gateway session id');
    assert.equal(legacy.client.getServerVersion()?.name, 'modern-mcp', "the upstream's own server info, from discover");
    assert.ok(legacy.client.getServerCapabilities()?.tools, "the upstream's tools capability");
    await legacy.client.ping();
    const { tools } = await legacy.client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), [
      'find_projects',
      'health_check',
      'manage_task',
      'test_list_changed',
      'test_read',
      'test_resource_updated',
      'test_write',
    ]);
    const w = await legacy.client.callTool({ name: 'test_write', arguments: { key: 'first-legacy' } });
    assert.match(textOf(w), /"executions":1/);
    assert.equal((await executions(srv.url)).keys.test_write?.['first-legacy'], 1);
    assert.ok(
      log.lines.some((l) => /speaks 2026-07-28 only/.test(l)),
      `the era switch is logged: ${log.lines.join(' | ')}`,
    );
  });

  it('serves a v2 client pinned to 2026-07-28 (modern client → gateway → modern upstream)', async () => {
    modern = await connectModern(gw.url(), 'pinned');
    assert.equal(modern.client.getNegotiatedProtocolVersion(), '2026-07-28');
    assert.equal(modern.client.getServerVersion()?.name, 'modern-mcp');
    const { tools } = await modern.client.listTools();
    assert.ok(tools.some((t) => t.name === 'test_write'));
    const w = await modern.client.callTool({ name: 'test_write', arguments: { key: 'first-modern' } });
    assert.match(textOf(w), /"executions":1/);
  });

  it("the upstream's own refusals reach both eras as its JSON-RPC errors, not as gateway errors", async () => {
    // A 2025 client: an unknown method and an unknown tool (the upstream answers 404 -32601 and -32602).
    const unknown = await legacy!.client.request({ method: 'nope/nope', params: {} } as never, EmptyResultSchema).then(
      () => undefined,
      (e: { code?: number; message?: string }) => e,
    );
    assert.equal(unknown?.code, -32601, `the server's own error: ${unknown?.message}`);
    assert.doesNotMatch(String(unknown?.message), /gateway/);
    const noTool = await legacy!.client.callTool({ name: 'no_such_tool', arguments: {} }).then(
      (r) => r,
      (e: { code?: number }) => e,
    );
    assert.equal((noTool as { code?: number }).code, -32602);
    // A 2026-07-28 client, raw: the error the upstream gives directly. (The status differs: the SDK's
    // handler answers an error its request handler throws with HTTP 200, its own ladder's with 404.)
    const post = (url: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'nope/nope',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'nope/nope', params: { _meta: RAW_MODERN_ENVELOPE } }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { id: unknown; error?: { code: number } } }));
    const [direct, via] = [await post(srv.url), await post(gw.url())];
    assert.equal(direct.status, 404);
    assert.equal(direct.body.error?.code, -32601);
    assert.equal(via.body.error?.code, -32601);
    assert.equal(via.body.id, 9);
  });

  it(`answers every call across ${RESTARTS} restarts and never runs a write twice`, async () => {
    assert.ok(legacy && modern, 'both clients connected in the tests above');
    const [l, m] = [legacy, modern];
    let done = false;
    let writesPaused = false;
    const inFlight = new Set<Promise<void>>();
    const written: string[] = [];
    const write = (c: { callTool: Connected['client']['callTool'] }, key: string) => {
      const p = c.callTool({ name: 'test_write', arguments: { key } }).then((r) => {
        assert.match(textOf(r), /"executions":1/);
        written.push(key);
      });
      const settled = p.then(
        () => undefined,
        () => undefined,
      );
      inFlight.add(settled);
      void settled.then(() => inFlight.delete(settled));
      return p;
    };
    const gate = async () => {
      while (writesPaused) await sleep(5);
    };
    const loops = [
      loop(
        async () => {
          assert.match(textOf(await l.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
        },
        () => done,
      ),
      loop(
        async () => {
          const { tools } = await m.client.listTools();
          assert.ok(tools.length >= 5);
          await sleep(50);
        },
        () => done,
      ),
      // Writes are held while the fixture is down but never sent into a kill (a write cut off there
      // is, correctly, an error): the killer waits for the one in flight.
      loop(
        (i) => write(l.client, `legacy-${i}`),
        () => done,
        gate,
      ),
      loop(
        (i) => write(m.client as unknown as { callTool: Connected['client']['callTool'] }, `modern-${i}`),
        () => done,
        gate,
      ),
    ];
    const progress = loops.map((x) => x.progress);
    const pids = new Set<number>([srv.pid]);
    for (let n = 0; n < RESTARTS; n++) {
      await Promise.all([sleep(200 + Math.random() * 300), answered(progress, CALLS_PER_WINDOW)]);
      writesPaused = true;
      await Promise.all([...inFlight]);
      await srv.kill('SIGKILL');
      writesPaused = false;
      await sleep(100 + Math.random() * 300);
      await srv.restart();
      pids.add(srv.pid);
    }
    await answered(progress, CALLS_PER_WINDOW);
    done = true;
    const results = await Promise.all(loops.map((x) => x.done));
    assert.equal(pids.size, RESTARTS + 1, 'the fixture really ran as 11 processes');
    for (const r of results) assert.deepEqual(r.errors, [], 'every call answered');
    assert.ok(
      results[2].calls >= RESTARTS * CALLS_PER_WINDOW && results[3].calls >= RESTARTS * CALLS_PER_WINDOW,
      'steady writes from both clients',
    );
    const counts = (await executions(srv.url)).keys.test_write ?? {};
    for (const key of written) assert.equal(counts[key], 1, `write ${key} ran once`);
    assert.deepEqual(
      Object.entries(counts).filter(([, n]) => n !== 1),
      [],
      'no write ran twice',
    );
    const s = gw.stats().servers[0];
    assert.equal(s.errorsReturned, 0);
    assert.ok(
      s.healed.held + s.healed.resent + s.healed.reinitialized >= RESTARTS,
      `healed: ${JSON.stringify(s.healed)}`,
    );
  });

  it('a write cut off by a crash is reported as "may or may not have run" and not repeated', async () => {
    assert.ok(legacy, 'connected above');
    const key = 'crash-modern-upstream';
    await assert.rejects(
      legacy.client.callTool({ name: 'test_write', arguments: { key, crashBeforeReply: true } }),
      (e: Error) => /may or may not have run/.test(e.message) && /did not repeat it/.test(e.message),
    );
    await srv.restart();
    assert.match(
      textOf(await legacy.client.callTool({ name: 'test_read', arguments: {} })),
      /executions/,
      'the next call is answered',
    );
    assert.equal((await executions(srv.url)).keys.test_write?.[key], 1, 'the interrupted write ran once, never again');
  });
});

describe('an upstream replaced across a restart by the other era', () => {
  let srv: RunningServer | undefined;
  let gw: Gateway;
  let c: Connected | undefined;
  after(async () => {
    await c?.close();
    await stopBed({ gw, server: srv });
  });

  it('a 2025 client keeps being served: modern → 2025 (Archon-like) → modern on the same port', async () => {
    srv = await startServer('modern');
    const port = srv.port;
    gw = await startGateway({ upstreams: [{ name: 'swap', url: srv.url }], port: 0, holdTimeoutMs: 15_000 });
    c = await connectClient(gw.url(), { name: 'era-swap' });
    assert.equal(c.client.getServerVersion()?.name, 'modern-mcp');
    assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
    await srv.stop();
    srv = await startServer('fixture', { port, testTools: true });
    assert.match(
      textOf(await c.client.callTool({ name: 'test_read', arguments: {} })),
      /executions/,
      'served by the 2025 server (a new upstream session)',
    );
    assert.ok((await executions(srv.url)).initializes >= 1, 'the gateway initialized a 2025 session upstream');
    await srv.stop();
    srv = await startServer('modern', { port });
    assert.match(
      textOf(await c.client.callTool({ name: 'test_read', arguments: {} })),
      /executions/,
      'served by the 2026-07-28 server again',
    );
    assert.equal(gw.stats().servers[0].errorsReturned, 0);
  });
});

describe('notifications from a 2026-07-28 upstream reach a 2025 client', () => {
  let srv: RunningServer | undefined;
  let gw: Gateway;
  let c: Connected | undefined;
  after(async () => {
    await c?.close();
    await stopBed({ gw, server: srv });
  });

  /** Asks the fixture to announce a tool-list change until the client heard one more (the listen stream opens on its own time). */
  async function heard(client: Connected, count: () => number): Promise<void> {
    const before = count();
    const until = Date.now() + 20_000;
    while (count() === before) {
      assert.ok(Date.now() < until, 'no tools/list_changed reached the client within 20 s');
      await client.client.callTool({ name: 'test_list_changed', arguments: {} });
      await sleep(200);
    }
  }

  it("relays tools/list_changed from a subscriptions/listen stream onto the client's GET stream, also after a restart", async () => {
    ({ server: srv, gw } = await serverAndGateway('modern', {}, { name: 'listen', holdTimeoutMs: 15_000 }));
    c = await connectClient(gw.url(), { name: 'listener' });
    let changes = 0;
    c.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changes++;
    });
    await heard(c, () => changes);
    await srv.restart();
    await heard(c, () => changes);
    assert.ok(changes >= 2);
  });

  it("a 2025 client's resources/subscribe rides the listen stream: resources/updated reaches it, also after a restart; unsubscribe stops it", async () => {
    assert.ok(c && srv, 'connected above');
    const client = c;
    const updates: string[] = [];
    client.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    const { contents } = await client.client.readResource({ uri: 'test://note' });
    assert.match(String((contents[0] as { text?: string }).text), /^note/);
    // Answered by the gateway: 2026-07-28 has no such method, the listen stream names the URI instead.
    await client.client.subscribeResource({ uri: 'test://note' });
    const updated = async () => {
      const before = updates.length;
      const until = Date.now() + 20_000;
      while (updates.length === before) {
        assert.ok(Date.now() < until, 'no resources/updated reached the client within 20 s');
        await client.client.callTool({ name: 'test_resource_updated', arguments: {} });
        await sleep(200);
      }
    };
    await updated();
    await srv!.restart();
    await updated();
    assert.ok(
      updates.every((u) => u === 'test://note'),
      updates.join(', '),
    );
    await client.client.unsubscribeResource({ uri: 'test://note' });
    await sleep(500); // the listen stream reopens without the URI
    const after = updates.length;
    for (let i = 0; i < 3; i++) {
      await client.client.callTool({ name: 'test_resource_updated', arguments: {} });
      await sleep(200);
    }
    assert.equal(updates.length, after, 'no update after unsubscribing');
  });
});
