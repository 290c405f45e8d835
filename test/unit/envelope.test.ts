// src/core/gateway/envelope.ts against the SDK's own JSONRPCMessageSchema: on a table of valid and
// invalid messages, the quick envelope check must read each one as the schema does (the same message
// out, or none), and must decide the common shapes itself (else the hot path gained nothing).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { specTypeSchemas } from '@modelcontextprotocol/client';
import { asJsonRpcMessage, checkEnvelope } from '../../src/core/gateway/envelope';

const SERVER_INFO = 'io.modelcontextprotocol/serverInfo';

/** The SDK's JSONRPCMessageSchema (the client package exports it as specTypeSchemas.JSONRPCMessage). */
function bySchema(message: unknown): unknown {
  const result = specTypeSchemas.JSONRPCMessage['~standard'].validate(message);
  if (result instanceof Promise) throw new Error('the schema is synchronous');
  return result.issues === undefined ? result.value : undefined;
}

/** [what, message, decided quickly] */
const TABLE: [string, unknown, boolean][] = [
  [
    'request',
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: { a: [1, { b: null }] } } },
    true,
  ],
  ['request with a string id, no params', { jsonrpc: '2.0', id: 'abc', method: 'ping' }, true],
  ['request with id 0', { jsonrpc: '2.0', id: 0, method: 'ping', params: {} }, true],
  [
    'notification',
    { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 2 } },
    true,
  ],
  ['notification, no params', { jsonrpc: '2.0', method: 'notifications/initialized' }, true],
  ['result', { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'hi' }], isError: false } }, true],
  ['empty result', { jsonrpc: '2.0', id: 'r', result: {} }, true],
  ['error', { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'Method not found' } }, true],
  ['error with data', { jsonrpc: '2.0', id: 3, error: { code: -32602, message: 'bad', data: { why: ['x'] } } }, true],
  ['error without id', { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' } }, true],
  // Unusual: the schema decides (and may rewrite).
  [
    'request with _meta',
    { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { progressToken: 'p', other: 1 } } },
    false,
  ],
  [
    'request with a bad progress token',
    { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { progressToken: 1.5 } } },
    false,
  ],
  // A 2026-07-28 server's answer: its info in every result's `_meta` (decided without the schema).
  [
    'result with _meta and a serverInfo',
    {
      jsonrpc: '2.0',
      id: 1,
      result: { content: [], resultType: 'complete', _meta: { [SERVER_INFO]: { name: 's', version: '1' } } },
    },
    true,
  ],
  [
    'result with a serverInfo of every string field',
    {
      jsonrpc: '2.0',
      id: 1,
      result: {
        _meta: { [SERVER_INFO]: { name: 's', version: '1', title: 'S', websiteUrl: 'https://x', description: 'd' } },
      },
    },
    true,
  ],
  [
    'result with _meta without a serverInfo',
    { jsonrpc: '2.0', id: 1, result: { _meta: { 'example.com/k': [1, { a: null }] } } },
    true,
  ],
  ['result with an empty _meta', { jsonrpc: '2.0', id: 1, result: { _meta: {} } }, true],
  [
    'result with a bad serverInfo (the schema drops it)',
    { jsonrpc: '2.0', id: 1, result: { _meta: { [SERVER_INFO]: 5 } } },
    false,
  ],
  [
    'result with a serverInfo without a version (the schema drops it)',
    { jsonrpc: '2.0', id: 1, result: { _meta: { [SERVER_INFO]: { name: 's' } } } },
    false,
  ],
  [
    'result with a serverInfo with an extra key (the schema strips it)',
    { jsonrpc: '2.0', id: 1, result: { _meta: { [SERVER_INFO]: { name: 's', version: '1', vendor: 'v' } } } },
    false,
  ],
  [
    'result with a serverInfo with icons (the schema checks them)',
    { jsonrpc: '2.0', id: 1, result: { _meta: { [SERVER_INFO]: { name: 's', version: '1', icons: [{ src: 'x' }] } } } },
    false,
  ],
  [
    'result with a serverInfo whose title is not a string',
    { jsonrpc: '2.0', id: 1, result: { _meta: { [SERVER_INFO]: { name: 's', version: '1', title: 5 } } } },
    false,
  ],
  ['result with a _meta that is an array', { jsonrpc: '2.0', id: 1, result: { _meta: [1] } }, false],
  ['result with a null _meta', { jsonrpc: '2.0', id: 1, result: { _meta: null } }, false],
  [
    'error with an extra field (the schema strips it)',
    { jsonrpc: '2.0', id: 1, error: { code: 1, message: 'm', stack: 'x' } },
    false,
  ],
  ['error with a fractional code', { jsonrpc: '2.0', id: 1, error: { code: 1.5, message: 'm' } }, false],
  ['error with a null id', { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }, false],
  ['error that is a string', { jsonrpc: '2.0', id: 1, error: 'boom' }, false],
  ['request with an extra key', { jsonrpc: '2.0', id: 1, method: 'ping', extra: true }, false],
  ['request with a fractional id', { jsonrpc: '2.0', id: 1.5, method: 'ping' }, false],
  ['request with an unsafe integer id', { jsonrpc: '2.0', id: 2 ** 60, method: 'ping' }, false],
  ['request with an object id', { jsonrpc: '2.0', id: {}, method: 'ping' }, false],
  ['request with params as an array', { jsonrpc: '2.0', id: 1, method: 'ping', params: [1] }, false],
  ['request with null params', { jsonrpc: '2.0', id: 1, method: 'ping', params: null }, false],
  ['method that is not a string', { jsonrpc: '2.0', id: 1, method: 5 }, false],
  ['result that is an array', { jsonrpc: '2.0', id: 1, result: [1] }, false],
  ['result that is null', { jsonrpc: '2.0', id: 1, result: null }, false],
  ['result without id', { jsonrpc: '2.0', result: {} }, false],
  ['result and error together', { jsonrpc: '2.0', id: 1, result: {}, error: { code: 1, message: 'm' } }, false],
  ['method and result together', { jsonrpc: '2.0', id: 1, method: 'ping', result: {} }, false],
  ['nothing but jsonrpc', { jsonrpc: '2.0' }, false],
  ['an own __proto__ key', JSON.parse('{"jsonrpc":"2.0","id":1,"method":"ping","__proto__":{"x":1}}'), false],
  // Certainly refused.
  ['jsonrpc 1.0', { jsonrpc: '1.0', id: 1, method: 'ping' }, true],
  ['no jsonrpc', { id: 1, method: 'ping' }, true],
  ['an array', [{ jsonrpc: '2.0', id: 1, method: 'ping' }], true],
  ['null', null, true],
  ['a string', 'hello', true],
  ['a number', 42, true],
];

describe('the envelope check reads messages as JSONRPCMessageSchema does', () => {
  for (const [what, message, quick] of TABLE) {
    it(what, () => {
      assert.deepEqual(asJsonRpcMessage(message), bySchema(message));
      assert.equal(checkEnvelope(message) !== 'unsure', quick, `decided without the schema: ${checkEnvelope(message)}`);
    });
  }

  it('a valid message comes back as the very object (nothing copied on the hot path)', () => {
    const m = { jsonrpc: '2.0', id: 9, result: { ok: true } };
    assert.equal(asJsonRpcMessage(m), m);
  });
});
