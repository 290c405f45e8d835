// What the real Python servers answered (recorded 2026-12-07 from test/fixtures/python/archon_server.py on
// mcp 1.12.2, mcp 1.30.0, mcp 2.3.0 and fastmcp 4.2.3), classified and parsed as the monitor and gateway do.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyHttpStatus } from '../../src/core/classify';
import { parseUptime } from '../../src/core/health';

const HOLDING = { holdingSession: true };
const FRESH = { holdingSession: false };

describe('the Python SDK servers’ answers', () => {
  it('mcp 1.12.2 (Archon), unknown session (POST, GET and DELETE alike, before the body is read): 400 "Bad Request: No valid session ID provided" with NO Content-Type → session lost', () => {
    assert.equal(classifyHttpStatus(400, 'Bad Request: No valid session ID provided', HOLDING).kind, 'unknown-session');
  });
  it('mcp 1.12.2, a request without a session that is not initialize: 400 JSON -32600 "Missing session ID" → protocol, not a lost session', () => {
    const body =
      '{"jsonrpc":"2.0","id":"server-error","error":{"code":-32600,"message":"Bad Request: Missing session ID"}}';
    assert.equal(classifyHttpStatus(400, body, FRESH).kind, 'protocol');
  });
  it('mcp 1.12.2, the same 400 "Missing session ID" JSON to a client that holds a session (its header went missing) → session lost', () => {
    const body =
      '{"jsonrpc":"2.0","id":"server-error","error":{"code":-32600,"message":"Bad Request: Missing session ID"}}';
    assert.equal(classifyHttpStatus(400, body, HOLDING).kind, 'unknown-session');
  });
  it('mcp 1.12.2, bad JSON: 400 JSON -32700 id "server-error" (with a fresh mcp-session-id when none was sent; an unknown one gets the text 400) → protocol', () => {
    const body =
      '{"jsonrpc":"2.0","id":"server-error","error":{"code":-32700,"message":"Parse error: Expecting value: line 1 column 12 (char 11)"}}';
    assert.equal(classifyHttpStatus(400, body, FRESH).kind, 'protocol');
    assert.equal(classifyHttpStatus(400, body, HOLDING).kind, 'protocol', 'a request fault, whatever the session');
  });
  it('mcp 1.12.2, no Accept for both media types: 406 JSON -32600 "Not Acceptable" → protocol', () => {
    const body =
      '{"jsonrpc":"2.0","id":"server-error","error":{"code":-32600,"message":"Not Acceptable: Client must accept both application/json and text/event-stream"}}';
    assert.equal(classifyHttpStatus(406, body, HOLDING).kind, 'protocol');
  });
  it('mcp 1.12.2, a POST without Content-Type: 400 "Invalid Content-Type header" (text, no Content-Type) → protocol', () => {
    assert.equal(classifyHttpStatus(400, 'Invalid Content-Type header', HOLDING).kind, 'protocol');
  });
  it('mcp 1.30.0, unknown session: 404 JSON id "server-error" → session lost', () => {
    const body = '{"jsonrpc":"2.0","id":"server-error","error":{"code":-32600,"message":"Session not found"}}';
    assert.equal(classifyHttpStatus(404, body, HOLDING).kind, 'unknown-session');
  });
  it('mcp 2.3.0 and fastmcp 4.2.3, unknown session: 404 JSON id null → session lost', () => {
    const body = '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Session not found"}}';
    assert.equal(classifyHttpStatus(404, body, HOLDING).kind, 'unknown-session');
  });
  it('mcp 2.3.0, server/discover without the client capabilities key: 400 -32602 → protocol (a request fault, not the session)', () => {
    const body =
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"params._meta is missing the required envelope key(s): io.modelcontextprotocol/clientCapabilities"}}';
    assert.equal(classifyHttpStatus(400, body, FRESH).kind, 'protocol');
  });
  it("Archon's /health, both shapes: uptime read before and after the first session", () => {
    assert.equal(
      parseUptime({
        success: true,
        status: 'ready',
        uptime_seconds: 5.9,
        message: 'MCP server is running (no active connections yet)',
        timestamp: '2026-12-07T15:18:10',
      }),
      5.9,
    );
    assert.equal(
      parseUptime({
        success: true,
        health: { status: 'healthy', api_service: true, agents_service: false },
        uptime_seconds: 80.5,
        timestamp: '2026-12-07T15:18:10',
      }),
      80.5,
    );
  });
});
