// The 2026-07-28 fast path (src/core/gateway/modern/fast-path.ts) against the SDK's per-request
// handler: two gateways in front of the same upstream, one with the fast path (the default) and one
// without (`modernFastPath: false`), get the same requests one after the other; what a client receives
// (HTTP status, content type, every JSON-RPC message: results with their `resultType`, cache fields and
// `_meta`, errors with their codes, progress on an SSE stream) must be the same. Values the upstream
// changes per call (execution counters, clocks) are masked; nothing else is.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer, type ServerKind } from '../helpers/servers';
import { startGateway, type Gateway } from '../../src/core/gateway';
import { request } from 'node:http';
import { RAW_MODERN_ENVELOPE, rawPost } from './modern-util';
import { CapturingLogger, executions, sleep } from './util';

interface Seen {
  status: number;
  type: string;
  /** The JSON body, or each SSE event's data, parsed; masked. */
  messages: unknown[];
  /** Whether the answer came with a content-length (the fast path's one write) or chunked (the SDK's stream). */
  lengthKnown: boolean;
}

/** Upstream values that differ between two calls of the same request. */
function mask(text: string): string {
  return text
    .replace(/\\"(executions|sentAt|uptime_seconds|active_sessions)\\":\d+(\.\d+)?/g, '\\"$1\\":0')
    .replace(/\\"last_health_check\\":\\"[^\\]*\\"/g, '\\"last_health_check\\":\\"T\\"')
    .replace(/\\"id\\":\\"[0-9a-f-]{36}\\"/g, '\\"id\\":\\"UUID\\"');
}

async function post(url: string, headers: Record<string, string>, body: unknown): Promise<Seen> {
  const r = await rawPost(url, headers, JSON.stringify(body));
  const type = String(r.headers['content-type'] ?? '');
  const texts = type.startsWith('text/event-stream')
    ? r.body
        .split('\n\n')
        .filter((e) => e.includes('data: '))
        .map((e) =>
          e
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n'),
        )
    : r.body
      ? [r.body]
      : [];
  return {
    status: r.status,
    type: type.split(';')[0],
    messages: texts.map((t) => JSON.parse(mask(t)) as unknown),
    lengthKnown: r.headers['content-length'] !== undefined,
  };
}

const NAME_FIELD: Record<string, string> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

/** A raw 2026-07-28 request with the standard headers a v2 client sends. */
function modern(
  id: number | string,
  method: string,
  params: Record<string, unknown> = {},
  meta: Record<string, unknown> = {},
): { headers: Record<string, string>; body: unknown } {
  const headers: Record<string, string> = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method };
  const field = NAME_FIELD[method];
  if (field && typeof params[field] === 'string') headers['mcp-name'] = params[field] as string;
  return {
    headers,
    body: { jsonrpc: '2.0', id, method, params: { ...params, _meta: { ...RAW_MODERN_ENVELOPE, ...meta } } },
  };
}

/** The requests compared: answers, upstream errors, gateway-side refusals, progress. */
function cases(kind: ServerKind): [string, ReturnType<typeof modern>][] {
  const list: [string, ReturnType<typeof modern>][] = [
    ['tools/list', modern(1, 'tools/list')],
    ['a read-only call', modern(2, 'tools/call', { name: 'find_projects', arguments: {} })],
    ['a string id', modern('call-3', 'tools/call', { name: 'health_check', arguments: {} })],
    ['a counted call', modern(4, 'tools/call', { name: 'test_read', arguments: {} })],
    ['an unknown tool', modern(5, 'tools/call', { name: 'no_such_tool', arguments: {} })],
    ['resources/list', modern(6, 'resources/list')],
    ['resources/templates/list', modern(7, 'resources/templates/list')],
    ['resources/read', modern(8, 'resources/read', { uri: 'test://note' })],
    ['resources/read of an unknown URI', modern(9, 'resources/read', { uri: 'test://nothing-here' })],
    ['prompts/list (no prompts upstream)', modern(10, 'prompts/list')],
    ['prompts/get (no prompts upstream)', modern(11, 'prompts/get', { name: 'p' })],
    [
      'completion/complete (no completions upstream)',
      modern(12, 'completion/complete', {
        ref: { type: 'ref/prompt', name: 'p' },
        argument: { name: 'a', value: 'x' },
      }),
    ],
    ['a _meta key of the client kept', modern(13, 'tools/list', {}, { 'example.com/trace': 'abc' })],
    ['a cursor', modern(14, 'tools/list', { cursor: 'nope' })],
  ];
  // Requests the fast path must leave to the SDK's ladder (six: not counted as written directly below).
  const wrongName = modern(15, 'tools/call', { name: 'find_projects', arguments: {} });
  wrongName.headers['mcp-name'] = 'health_check';
  const noMethodHeader = modern(16, 'tools/list');
  delete noMethodHeader.headers['mcp-method'];
  list.push(
    ['an Mcp-Name that is not the tool called', wrongName],
    ['no Mcp-Method header', noMethodHeader],
    [
      'an envelope with broken capabilities',
      modern(17, 'tools/list', {}, { 'io.modelcontextprotocol/clientCapabilities': { roots: 'yes' } }),
    ],
    [
      'a retry carrying requestState',
      modern(18, 'tools/call', { name: 'find_projects', arguments: {}, requestState: 'x' }),
    ],
    ['an id that is not an integer', modern(18.5, 'tools/list')],
    ['a progress token that is an object', modern(19, 'tools/list', {}, { progressToken: { no: 1 } })],
  );
  if (kind === 'fixture') {
    list.push(
      ['invalid arguments', modern(20, 'tools/call', { name: 'test_read', arguments: { delayMs: 'soon' } })],
      [
        'progress on an SSE stream',
        modern(
          21,
          'tools/call',
          { name: 'test_progress', arguments: { steps: 3, intervalMs: 5 } },
          { progressToken: 'tok-21' },
        ),
      ],
      ['a write', modern(22, 'tools/call', { name: 'manage_task', arguments: { action: 'create', title: 't' } })],
    );
  } else {
    list.push(['a write', modern(22, 'tools/call', { name: 'manage_task', arguments: { action: 'create' } })]);
  }
  return list;
}

for (const kind of ['fixture', 'modern'] as const) {
  describe(`modern fast path answers as the SDK's handler does (${kind === 'fixture' ? 'Archon-like 2025' : '2026-07-28-only'} upstream)`, () => {
    let fx: RunningServer;
    let fast: Gateway;
    let sdk: Gateway;
    const log = new CapturingLogger();
    before(async () => {
      fx = await startServer(kind, { testTools: true });
      fast = await startGateway({
        upstreams: [{ name: 'archon', url: fx.url }],
        port: 0,
        holdTimeoutMs: 10_000,
        logger: log,
      });
      sdk = await startGateway({
        upstreams: [{ name: 'archon', url: fx.url }],
        port: 0,
        holdTimeoutMs: 10_000,
        logger: log,
        modernFastPath: false,
      });
    });
    after(async () => {
      await fast?.stop();
      await sdk?.stop();
      await fx?.stop();
    });

    it('request by request: the same status, content type and messages', async () => {
      // A client's first request goes the SDK's way (its envelope is checked there); the rest may not.
      const first = modern(0, 'tools/list');
      await post(fast.url('archon'), first.headers, first.body);
      let direct = 0;
      for (const [what, c] of cases(kind)) {
        const viaSdk = await post(sdk.url('archon'), c.headers, c.body);
        const viaFast = await post(fast.url('archon'), c.headers, c.body);
        assert.deepEqual(
          { status: viaFast.status, type: viaFast.type, messages: viaFast.messages },
          { status: viaSdk.status, type: viaSdk.type, messages: viaSdk.messages },
          what,
        );
        if (viaFast.lengthKnown && !viaSdk.lengthKnown) direct++;
      }
      // Six cases belong to the ladder; the fast gateway wrote every other JSON answer itself (an SSE
      // stream has no length on either path, so the progress case is not counted).
      assert.equal(direct, cases(kind).length - 6 - (kind === 'fixture' ? 1 : 0), 'JSON answers the fast path wrote');
    });

    if (kind === 'fixture') {
      it('a client that goes away mid-call: the call is cancelled upstream, the next one answered', async () => {
        const before = await executions(fx.url);
        const slow = modern(30, 'tools/call', { name: 'test_read', arguments: { delayMs: 5000 } });
        const u = new URL(fast.url('archon'));
        const gone = await new Promise<string>((resolve) => {
          const req = request({
            host: u.hostname,
            port: u.port,
            path: u.pathname,
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              ...slow.headers,
            },
          });
          req.on('response', () => resolve('answered'));
          req.on('error', () => resolve('gone'));
          req.end(JSON.stringify(slow.body));
          setTimeout(() => req.destroy(), 300);
        });
        assert.equal(gone, 'gone', 'no answer came before the client left');
        let after = await executions(fx.url);
        for (let i = 0; i < 50 && (after.tools.cancelled ?? 0) === (before.tools.cancelled ?? 0); i++) {
          await sleep(100);
          after = await executions(fx.url);
        }
        assert.equal((after.tools.cancelled ?? 0) - (before.tools.cancelled ?? 0), 1, 'the upstream heard the cancel');
        const next = modern(31, 'tools/call', { name: 'find_projects', arguments: {} });
        const answer = await post(fast.url('archon'), next.headers, next.body);
        assert.equal(answer.status, 200);
        assert.equal(answer.lengthKnown, true, 'answered by the fast path');
        assert.equal((answer.messages[0] as { id?: unknown }).id, 31);
      });
    }
  });
}
