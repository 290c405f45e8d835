import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { ToolRegistry, resendVerdict } from '../../src/core/gateway/idempotency';
import { holdDelay, isTransientStatus } from '../../src/core/gateway/link';

const call = (name: string): JSONRPCRequest => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });
const schema = { type: 'object' as const, properties: {} };

describe('which interrupted requests may be sent again', () => {
  const tools = new ToolRegistry();
  tools.learn({
    tools: [
      { name: 'read', inputSchema: schema, annotations: { readOnlyHint: true } },
      { name: 'put', inputSchema: schema, annotations: { idempotentHint: true } },
      { name: 'write', inputSchema: schema, annotations: { readOnlyHint: false, idempotentHint: false } },
      { name: 'plain', inputSchema: schema },
    ],
  });

  it('any method but tools/call is safe', () => {
    for (const method of ['tools/list', 'resources/read', 'prompts/get', 'ping', 'completion/complete']) {
      assert.equal(resendVerdict({ jsonrpc: '2.0', id: 1, method }, tools), 'safe', method);
    }
  });
  it('tools: read-only or idempotent are safe; others are not; unknown ones must be asked about', () => {
    assert.equal(resendVerdict(call('read'), tools), 'safe');
    assert.equal(resendVerdict(call('put'), tools), 'safe');
    assert.equal(resendVerdict(call('write'), tools), 'unsafe');
    assert.equal(resendVerdict(call('plain'), tools), 'unsafe');
    assert.equal(resendVerdict(call('never-listed'), tools), 'unknown');
    assert.equal(resendVerdict({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} }, tools), 'unsafe');
  });
  it('ignores results that are not tools/list results', () => {
    assert.equal(new ToolRegistry().learn({ content: [] }), 0);
    assert.equal(new ToolRegistry().learn('nope'), 0);
  });
});

describe('holding', () => {
  it('backs off from 100 ms to at most 1 s, never past the deadline', () => {
    const far = Date.now() + 60_000;
    assert.equal(holdDelay(0, far), 100);
    assert.equal(holdDelay(1, far), 200);
    assert.equal(holdDelay(10, far), 1000);
    assert.ok(holdDelay(10, Date.now() + 50) <= 50);
    assert.equal(holdDelay(3, Date.now() - 10), 0);
  });
  it('treats 502/503/504 as "not back yet"', () => {
    assert.ok(isTransientStatus(502) && isTransientStatus(503) && isTransientStatus(504));
    assert.ok(!isTransientStatus(500) && !isTransientStatus(400) && !isTransientStatus(404));
  });
});
