// Modern (2026-07-28) clients through the gateway to the Archon-like (2025) fixture: a v2 client
// pinned to 2026-07-28 and one in 'auto' mode discover, list and call while the fixture is killed
// (SIGKILL) and restarted 10 times. Every call is answered, no write runs twice, and a write cut off
// mid-call is reported as "may or may not have run", never repeated.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../helpers/servers';
import type { Gateway } from '../../src/core/gateway';
import { connectModern, type ModernConnected, type Negotiation } from './modern-util';
import { connectClient, executions, sleep, textOf } from './util';
import { answered, loop } from './call-loops';
import { serverAndGateway, stopBed } from './bed';

const RESTARTS = 10;
/** Calls each loop answers between restarts (the killer waits for them: a loaded machine slows the test, it does not fail it). */
const CALLS_PER_WINDOW = 4;

describe('modern clients through the gateway to the Archon-like fixture', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-modern-'));
  let fx: RunningServer;
  let gw: Gateway;
  const clients: ModernConnected[] = [];
  before(async () => {
    ({ server: fx, gw } = await serverAndGateway(
      'fixture',
      { testTools: true, stateFile: join(dir, 'executions.jsonl') },
      { holdTimeoutMs: 20_000 },
    ));
  });
  after(async () => {
    for (const c of clients) await c.close();
    await stopBed({ gw, server: fx });
    rmSync(dir, { recursive: true, force: true });
  });

  for (const how of ['pinned', 'auto'] as Negotiation[]) {
    it(`a ${how} v2 client negotiates 2026-07-28 and sees the upstream through server/discover`, async () => {
      const c = await connectModern(gw.url(), how);
      clients.push(c);
      assert.equal(c.client.getNegotiatedProtocolVersion(), '2026-07-28');
      const discovered = c.client.getDiscoverResult();
      assert.ok(discovered, 'the client kept a discover result');
      assert.deepEqual(discovered.supportedVersions, ['2026-07-28'], "the gateway's supported versions");
      assert.equal(c.client.getServerVersion()?.name, 'archon-mcp-server', "the upstream's own server info");
      assert.ok(discovered.capabilities.tools, "the upstream's tools capability");
      const { tools } = await c.client.listTools();
      assert.ok(
        tools.some((t) => t.name === 'rag_search_knowledge_base'),
        'the Archon tools',
      );
      const write = await c.client.callTool({ name: 'test_write', arguments: { key: `first-${how}` } });
      assert.match(textOf(write), /"executions":1/);
    });
  }

  it('the 2025 path still serves a 2025 client on the same endpoint (sessions untouched)', async () => {
    const legacy = await connectClient(gw.url(), { name: 'legacy-beside-modern' });
    try {
      assert.ok(legacy.transport.sessionId, 'a 2025 client still gets a gateway session id');
      const r = await legacy.client.callTool({ name: 'test_read', arguments: {} });
      assert.match(textOf(r), /executions/);
    } finally {
      await legacy.close();
    }
  });

  it(`answers every call across ${RESTARTS} restarts and never runs a write twice`, async () => {
    const [pinned, auto] = clients;
    assert.ok(pinned && auto, 'both clients connected in the tests above');
    let done = false;
    let writesPaused = false;
    let writeInFlight: Promise<void> | undefined;
    const written: string[] = [];
    // Reads (auto client) run all the time, interrupted and resent; writes (pinned client) are held
    // while the fixture is down but never sent into a kill (an interrupted write is, correctly, an error).
    const reads = loop(
      async () => {
        assert.match(textOf(await auto.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      },
      () => done,
    );
    const lists = loop(
      async () => {
        const { tools } = await pinned.client.listTools();
        assert.ok(tools.length > 16);
        await sleep(50);
      },
      () => done,
    );
    const writes = loop(
      async (i) => {
        const key = `w${i}`;
        const p = pinned.client.callTool({ name: 'test_write', arguments: { key } }).then((r) => {
          assert.match(textOf(r), /"executions":1/);
          written.push(key);
        });
        writeInFlight = p.then(
          () => undefined,
          () => undefined,
        );
        await p;
      },
      () => done,
      async () => {
        while (writesPaused) await sleep(5);
      },
    );
    const pids = new Set<number>([fx.pid]);
    for (let n = 0; n < RESTARTS; n++) {
      await Promise.all([
        sleep(200 + Math.random() * 300),
        answered([reads.progress, writes.progress, lists.progress], CALLS_PER_WINDOW),
      ]);
      writesPaused = true;
      await writeInFlight;
      await fx.kill('SIGKILL');
      writesPaused = false;
      await sleep(100 + Math.random() * 300);
      await fx.restart();
      pids.add(fx.pid);
    }
    await answered([reads.progress, writes.progress, lists.progress], CALLS_PER_WINDOW);
    done = true;
    const [r, w, l] = await Promise.all([reads.done, writes.done, lists.done]);
    assert.equal(pids.size, RESTARTS + 1, 'the fixture really ran as 11 processes');
    assert.deepEqual(r.errors, [], 'no read failed');
    assert.deepEqual(w.errors, [], 'no write failed');
    assert.deepEqual(l.errors, [], 'no tools/list failed');
    assert.ok(w.calls >= RESTARTS * CALLS_PER_WINDOW, `steady writes (${w.calls})`);
    const counts = await executions(fx.url);
    for (const key of written) assert.equal(counts.keys.test_write?.[key], 1, `write ${key} ran once`);
    assert.equal(Object.values(counts.keys.test_write ?? {}).filter((n) => n !== 1).length, 0, 'no write ran twice');
    const s = gw.stats().servers[0];
    assert.equal(s.errorsReturned, 0);
    assert.ok(
      s.healed.reinitialized + s.healed.held + s.healed.resent >= RESTARTS,
      `healed: ${JSON.stringify(s.healed)}`,
    );
    // The clients never saw a session: discover still answers after all the restarts.
    assert.equal(pinned.client.getNegotiatedProtocolVersion(), '2026-07-28');
  });

  it('a write cut off by a crash is reported as "may or may not have run" and not repeated', async () => {
    const [pinned] = clients;
    const key = 'crash-modern';
    await assert.rejects(
      pinned.client.callTool({ name: 'test_write', arguments: { key, crashBeforeReply: true } }),
      (e: Error) => /may or may not have run/.test(e.message) && /did not repeat it/.test(e.message),
    );
    await fx.restart();
    const r = await pinned.client.callTool({ name: 'test_read', arguments: {} });
    assert.match(textOf(r), /executions/, 'the next call is answered by the restarted fixture');
    assert.equal((await executions(fx.url)).keys.test_write?.[key], 1, 'the interrupted write ran once, never again');
  });
});

describe('a modern client that arrives while the Archon-like fixture is down', () => {
  let fx: RunningServer;
  let gw: Gateway;
  after(async () => {
    await stopBed({ gw, server: fx });
  });

  before(async () => {
    ({ server: fx, gw } = await serverAndGateway('fixture', { testTools: true }, { holdTimeoutMs: 30_000 }));
    await fx.kill('SIGKILL');
  });

  it('a malformed modern request is answered by the validation ladder, not held', async () => {
    // Held, it would wait out the 30 s hold and then carry the "did not come back" error instead.
    const res = await fetch(gw.url(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/list',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: {
          _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': 42 },
        },
      }),
    });
    const answer = (await res.json()) as { error?: { code: number; message: string } };
    assert.equal(res.status, 400);
    assert.equal(answer.error?.code, -32602);
    assert.match(answer.error?.message ?? '', /Invalid _meta envelope/);
  });

  it('is held (discover included) and answered once the fixture is back', async () => {
    const connecting = connectModern(gw.url(), 'pinned');
    const back = fx.restart({ delayMs: 500 });
    const c = await connecting;
    try {
      await back;
      assert.equal(c.client.getNegotiatedProtocolVersion(), '2026-07-28');
      assert.equal(
        c.client.getServerVersion()?.name,
        'archon-mcp-server',
        'discover answered with what the upstream said once it was back',
      );
      assert.match(
        textOf(await c.client.callTool({ name: 'test_write', arguments: { key: 'after-down' } })),
        /"executions":1/,
      );
      assert.ok(
        gw.stats().servers[0].healed.held >= 1,
        `the first request was held: ${JSON.stringify(gw.stats().servers[0].healed)}`,
      );
    } finally {
      await c.close();
    }
  });
});

describe("discover follows the upstream's latest word", () => {
  let fx: RunningServer;
  let gw: Gateway;
  after(async () => {
    await stopBed({ gw, server: fx });
  });

  it('after a restart into a new version, a new modern client discovers that version', async () => {
    ({ server: fx, gw } = await serverAndGateway('fixture', { testTools: true }, { holdTimeoutMs: 20_000 }));
    const first = await connectModern(gw.url(), 'pinned', 'before-upgrade');
    try {
      assert.equal(first.client.getServerVersion()?.version, '0.1.0');
      await fx.restart({ env: { SERVER_VERSION: '0.2.0' } });
      // The first call after the restart re-initializes the shared session with the new server.
      assert.match(textOf(await first.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
    } finally {
      await first.close();
    }
    const second = await connectModern(gw.url(), 'auto', 'after-upgrade');
    try {
      assert.equal(second.client.getServerVersion()?.version, '0.2.0');
    } finally {
      await second.close();
    }
  });
});
