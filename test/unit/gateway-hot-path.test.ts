// The gateway's hot-path shortcuts give what the SDK's schemas give: the request test by shape (on
// messages the SDK already validated) and parseMessages' result-first validation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JSONRPCMessageSchema, isJSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { isRequestMessage, parseMessages } from '../../src/core/gateway/upstream-http';

const RAW: unknown[] = [
  { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: {} } },
  { jsonrpc: '2.0', id: 'a-1', method: 'ping' },
  {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
  },
  { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 1, result: { content: [] } },
  { jsonrpc: '2.0', id: 'x', result: {} },
  { jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'Method not found' } },
];

describe('isRequestMessage', () => {
  it('agrees with the SDK on every validated message kind', () => {
    let requests = 0;
    for (const raw of RAW) {
      const m = JSONRPCMessageSchema.parse(raw);
      assert.equal(isRequestMessage(m), isJSONRPCRequest(m), JSON.stringify(raw));
      if (isRequestMessage(m)) requests++;
    }
    assert.equal(requests, 3);
  });

  it('parseMessages keeps and drops exactly what JSONRPCMessageSchema keeps and drops', () => {
    const odd: unknown[] = [
      { jsonrpc: '2.0', id: 1, result: { content: [] }, extra: true }, // strict envelope: not a message
      { jsonrpc: '2.0', id: 1, result: 'not an object' },
      { jsonrpc: '2.0', id: 1, result: {}, error: { code: 1, message: 'both' } },
      { jsonrpc: '1.0', id: 1, result: {} },
      { jsonrpc: '2.0', result: {} },
      'text',
      null,
    ];
    const all = [...RAW, ...odd];
    const expected = all.flatMap((item) => {
      const p = JSONRPCMessageSchema.safeParse(item);
      return p.success ? [p.data] : [];
    });
    assert.deepEqual(parseMessages(JSON.stringify(all)), expected);
    assert.equal(expected.length, RAW.length, 'every odd item is dropped');
    for (const item of all) {
      const p = JSONRPCMessageSchema.safeParse(item);
      assert.deepEqual(parseMessages(JSON.stringify(item)), p.success ? [p.data] : [], JSON.stringify(item));
    }
  });
});
