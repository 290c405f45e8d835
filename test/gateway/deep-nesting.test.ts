// Hostile nesting (issue 21): a body of 100,000 arrays inside one another, bare or in a tool's
// arguments, through both eras. JSON.parse takes it; what comes after recurses and overflowed the
// stack (an HTTP 500 from the 2026-07-28 front, a "Maximum call stack size exceeded" JSON-RPC error in
// a 2025 session). The gateway refuses it with a 400 parse error that says why, forwards nothing, and
// keeps serving; nesting a real message could have (100 levels) still goes through.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../helpers/servers';
import { startGateway, type Gateway } from '../../src/core/gateway';
import { MAX_JSON_DEPTH, nestedDeeperThan, valueDeeperThan } from '../../src/core/gateway/json-depth';
import { RAW_MODERN_ENVELOPE, rawPost } from './modern-util';
import { CapturingLogger, executions } from './util';

interface Answer {
  status: number;
  body: string;
  sessionId?: string;
}

async function post(port: number, headers: Record<string, string>, body: string): Promise<Answer> {
  const r = await rawPost(`http://127.0.0.1:${port}/archon/mcp`, headers, body);
  const sid = r.headers['mcp-session-id'];
  return { status: r.status, body: r.body, sessionId: typeof sid === 'string' ? sid : undefined };
}

const nested = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);
const HOSTILE = 100_000;

/** A tools/call of test_read whose argument `x` is `levels` arrays deep (a JSON text: built, never stringified). */
function callWith(id: number, levels: number, meta?: Record<string, unknown>): string {
  return `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"test_read","arguments":{"x":${nested(levels)}}${meta ? `,"_meta":${JSON.stringify(meta)}` : ''}}}`;
}

function assertTooDeep(a: Answer): void {
  assert.equal(a.status, 400, a.body.slice(0, 300));
  const parsed = JSON.parse(a.body) as { id: unknown; error?: { code: number; message: string } };
  assert.ok(parsed.error, a.body.slice(0, 300));
  assert.equal(parsed.error.code, -32700);
  assert.match(parsed.error.message, /nested too deeply/);
  assert.doesNotMatch(parsed.error.message, /call stack/i);
}

const MODERN_CALL = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'test_read' };

describe('deeply nested bodies, both eras (Archon-like fixture)', () => {
  let fx: RunningServer;
  let gw: Gateway;
  const log = new CapturingLogger();
  const port = (): number => Number(new URL(gw.url()).port);
  before(async () => {
    fx = await startServer('fixture', { testTools: true });
    gw = await startGateway({
      upstreams: [{ name: 'archon', url: fx.url }],
      port: 0,
      holdTimeoutMs: 10_000,
      logger: log,
    });
  });
  after(async () => {
    await gw?.stop();
    await fx?.stop();
  });

  it('without a session: a bare nest and a 2026-07-28 call nesting its arguments get a 400 parse error', async () => {
    const before = (await executions(fx.url)).total;
    assertTooDeep(await post(port(), {}, nested(HOSTILE)));
    assertTooDeep(
      await post(port(), { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' }, nested(HOSTILE)),
    );
    assertTooDeep(await post(port(), MODERN_CALL, callWith(1, HOSTILE, RAW_MODERN_ENVELOPE)));
    assertTooDeep(await post(port(), MODERN_CALL, callWith(2, MAX_JSON_DEPTH + 1, RAW_MODERN_ENVELOPE)));
    assert.equal((await executions(fx.url)).total, before, 'nothing reached the upstream');
    assert.ok(!log.lines.some((l) => /call stack/i.test(l)), log.lines.join('\n'));
    // Real nesting still goes through, and the front still serves.
    const ok = await post(port(), MODERN_CALL, callWith(3, 100, RAW_MODERN_ENVELOPE));
    assert.equal(ok.status, 200, ok.body.slice(0, 300));
    assert.ok((JSON.parse(ok.body) as { result?: unknown }).result, ok.body.slice(0, 300));
  });

  it('inside a 2025 session: nesting in the arguments gets a 400 parse error, and the session goes on', async () => {
    const init = await post(
      port(),
      {},
      JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'deep', version: '1' } },
      }),
    );
    assert.equal(init.status, 200, init.body);
    const session = { 'mcp-session-id': init.sessionId!, 'mcp-protocol-version': '2025-06-18' };
    assert.equal(
      (await post(port(), session, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }))).status,
      202,
    );
    const before = (await executions(fx.url)).total;
    assertTooDeep(await post(port(), session, callWith(1, HOSTILE)));
    assertTooDeep(await post(port(), session, `[${callWith(2, HOSTILE)}]`));
    assert.equal((await executions(fx.url)).total, before, 'nothing reached the upstream');
    const ok = await post(port(), session, callWith(3, 100));
    assert.equal(ok.status, 200, ok.body.slice(0, 300));
    assert.ok((JSON.parse(ok.body) as { result?: unknown }).result, ok.body.slice(0, 300));
    assert.equal((await executions(fx.url)).total, before + 1);
  });
});

describe('nestedDeeperThan', () => {
  const deeper = (text: string, limit: number): boolean => nestedDeeperThan(Buffer.from(text), limit);
  it('counts arrays and objects, one level at a time', () => {
    assert.equal(deeper('[[[]]]', 3), false);
    assert.equal(deeper('[[[[]]]]', 3), true);
    assert.equal(deeper('{"a":{"b":[{}]}}', 3), true);
    assert.equal(deeper('{"a":{"b":[1]}}', 3), false);
    assert.equal(deeper('[[],[],[],[],[],[]]', 1), true);
    assert.equal(deeper('[[],[],[],[],[],[]]', 2), false, 'siblings do not add up');
  });
  it('skips brackets inside strings, escaped quotes and all', () => {
    assert.equal(deeper('["[[[[[[[[[[", "{{{{{{"]', 1), false);
    assert.equal(deeper('["\\"[[[[[[[[", "\\\\"]', 1), false);
    assert.equal(deeper('["\\\\", [[[]]]]', 2), true, 'an escaped backslash ends before the quote');
    assert.equal(
      deeper(JSON.stringify({ s: '日本語 [[[[[[[[[[[[', t: [[1]] }), 3),
      false,
      'multi-byte text is skipped like any string',
    );
    assert.equal(deeper(JSON.stringify({ s: '日本語 [[[[[[[[[[[[', t: [[[1]]] }), 3), true);
  });
});

describe('valueDeeperThan', () => {
  it('counts the same levels as the text scan, without recursion', () => {
    for (const text of ['[]', '[[1],[2,[3]]]', '{"a":{"b":[{}]}}', '{"a":1,"b":[[[[]]]],"c":{}}', '"[[[["', '3']) {
      for (const limit of [0, 1, 2, 3, 4, 5]) {
        // The text scan skips texts no longer than the limit; the walk must agree wherever it does not.
        if (text.length <= limit) continue;
        assert.equal(
          valueDeeperThan(JSON.parse(text), limit),
          nestedDeeperThan(Buffer.from(text), limit),
          `${text} at ${limit}`,
        );
      }
    }
    assert.equal(valueDeeperThan(JSON.parse(nested(HOSTILE)), MAX_JSON_DEPTH), true);
    assert.equal(valueDeeperThan(JSON.parse(nested(MAX_JSON_DEPTH)), MAX_JSON_DEPTH), false);
  });
});
