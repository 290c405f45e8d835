// The fast path's mirror of the SDK's 2026-07-28 encoding (src/core/gateway/modern/fast-path.ts), held
// against the SDK itself: the handler (`createMcpHandler`, a Server whose fallback handler returns or
// throws exactly what an upstream could) answers each case, and the fast path's encodeResult /
// ModernReply must give the same status and body. Cases no fixture produces: deleted fields, cache
// fields of the upstream's own, a resultType other than complete, -32002, -32021.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { ProtocolError, Server, createMcpHandler } from '@modelcontextprotocol/server';
import { ModernReply, encodeResult } from '../../src/core/gateway/modern/fast-path';

const SERVER_INFO = { name: 'upstream', version: '3.1.4' };
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'c', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const NAMED: Record<string, string> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

type Outcome = { result: Record<string, unknown> } | { error: ProtocolError };

/** What the SDK's handler answers for `method` when the upstream's answer is `outcome`. */
async function viaSdk(
  method: string,
  params: Record<string, unknown>,
  outcome: Outcome,
): Promise<{ status: number; body: unknown }> {
  const handler = createMcpHandler(
    () => {
      const s = new Server(SERVER_INFO, {
        capabilities: { tools: {}, resources: {}, prompts: {} },
        supportedProtocolVersions: ['2026-07-28'],
      });
      s.fallbackRequestHandler = async () => {
        if ('error' in outcome) throw outcome.error;
        return outcome.result as never;
      };
      return s;
    },
    { legacy: 'reject', onerror: () => undefined },
  );
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': method,
  };
  const field = NAMED[method];
  if (field) headers['mcp-name'] = String(params[field]);
  const res = await handler.fetch(
    new Request('http://127.0.0.1/mcp', {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: { ...params, _meta: META } }),
    }),
  );
  return { status: res.status, body: await res.json() };
}

/** A ServerResponse stand-in that records what ModernReply writes (status, one JSON body). */
class Recorder extends EventEmitter {
  status = 0;
  text = '';
  destroyed = false;
  writeHead(status: number): this {
    this.status = status;
    return this;
  }
  end(text?: string): this {
    this.text += text ?? '';
    return this;
  }
}

/** What the fast path answers for the same. */
function viaFastPath(method: string, outcome: Outcome): { status: number; body: unknown } {
  const rec = new Recorder();
  const reply = new ModernReply(rec as unknown as ServerResponse);
  if ('error' in outcome) reply.error(7, outcome.error.code, outcome.error.message, outcome.error.data);
  else reply.result(7, encodeResult(method, outcome.result, SERVER_INFO));
  return { status: rec.status, body: JSON.parse(rec.text) as unknown };
}

const cases: [string, string, Record<string, unknown>, Outcome][] = [
  ['a tool call', 'tools/call', { name: 't', arguments: {} }, { result: { content: [{ type: 'text', text: 'ok' }] } }],
  [
    'a tool list with a deleted field (execution)',
    'tools/list',
    {},
    {
      result: {
        tools: [
          { name: 't', inputSchema: { type: 'object' }, execution: { taskSupport: 'optional' } },
          { name: 'u', inputSchema: { type: 'object' } },
        ],
      },
    },
  ],
  ['cache fields the upstream set', 'tools/list', {}, { result: { tools: [], ttlMs: 5000, cacheScope: 'public' } }],
  [
    'cache fields the upstream got wrong',
    'resources/list',
    {},
    { result: { resources: [], ttlMs: -1, cacheScope: 'everyone' } },
  ],
  [
    'a result that names its server already',
    'prompts/list',
    {},
    { result: { prompts: [], _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'other', version: '0' }, x: 1 } } },
  ],
  [
    'a result with _meta of its own',
    'resources/read',
    { uri: 'a://b' },
    { result: { contents: [], _meta: { trace: 'abc' } } },
  ],
  ['resultType complete already', 'prompts/get', { name: 'p' }, { result: { messages: [], resultType: 'complete' } }],
  [
    'input_required on a tool call',
    'tools/call',
    { name: 't', arguments: {} },
    { result: { resultType: 'input_required', inputRequests: { a: { method: 'elicitation/create', params: {} } } } },
  ],
  [
    'input_required where only complete is allowed',
    'tools/list',
    {},
    { result: { tools: [], resultType: 'input_required' } },
  ],
  [
    'an upstream error',
    'tools/call',
    { name: 't', arguments: {} },
    { error: new ProtocolError(-32601, 'Method not found') },
  ],
  [
    '-32002 (resource not found, older code)',
    'resources/read',
    { uri: 'a://b' },
    { error: new ProtocolError(-32002, 'Resource not found', { uri: 'a://b' }) },
  ],
  [
    '-32021 (missing client capability)',
    'tools/call',
    { name: 't', arguments: {} },
    {
      error: new ProtocolError(-32021, 'Missing required client capabilities: sampling', {
        requiredCapabilities: { sampling: {} },
      }),
    },
  ],
  [
    'a gateway error with data',
    'tools/call',
    { name: 't', arguments: {} },
    { error: new ProtocolError(-32000, 'Archon MCP Doctor gateway: held too long', { reason: 'hold' }) },
  ],
];

describe("fast path encoding = the SDK handler's, case by case", () => {
  for (const [what, method, params, outcome] of cases) {
    it(what, async () => {
      let fast: { status: number; body: unknown };
      try {
        fast = viaFastPath(method, outcome);
      } catch {
        // encodeResult refused it: the front answers an internal error, as the handler does.
        const rec = new Recorder();
        new ModernReply(rec as unknown as ServerResponse).error(7, -32603, 'Internal error');
        fast = { status: rec.status, body: JSON.parse(rec.text) as unknown };
      }
      assert.deepEqual(fast, await viaSdk(method, params, outcome));
    });
  }
});
