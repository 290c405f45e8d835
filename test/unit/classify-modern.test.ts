// The classifier on the exact answers of a real 2026-07-28-only server (v2 server package), recorded
// by scripts/record-modern-errors.ts into test/fixtures/modern-errors.json, and on the v2 client's
// own errors. Status AND body decide: -32022 is an era to negotiate, 404 -32601 an unknown method,
// a 400 about headers is about the request; none of them is a lost session.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { classifyError, classifyHttpStatus, jsonRpcErrorOf } from '../../src/core/classify';
import type { FailureKind } from '../../src/core/server-state';

interface Recorded {
  name: string;
  status: number;
  body: string;
  request: { headers: Record<string, string> };
}
const recorded = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'modern-errors.json'), 'utf8')) as {
  answers: Recorded[];
};
const answer = (name: string): Recorded => {
  const a = recorded.answers.find((x) => x.name === name);
  assert.ok(a, `test/fixtures/modern-errors.json has no answer "${name}": run scripts/record-modern-errors.ts`);
  return a;
};
/** What the v2 StreamableHTTPClientTransport throws for that answer to a POST. */
const thrownFor = (a: Recorded) =>
  new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${a.body}`, {
    status: a.status,
    statusText: '',
    text: a.body,
  });

const HOLDING = { holdingSession: true };
const FRESH = { holdingSession: false };

const EXPECTED: [name: string, kind: FailureKind][] = [
  ['initialize-2025', 'era-mismatch'],
  ['ping-2025-with-session', 'era-mismatch'],
  ['future-version', 'era-mismatch'],
  ['ping-modern', 'unknown-method'],
  ['unknown-method', 'unknown-method'],
  ['header-version-mismatch', 'protocol'],
  ['header-method-missing', 'protocol'],
  ['envelope-incomplete', 'protocol'],
  ['get-stream', 'protocol'],
  ['delete-session', 'protocol'],
];

describe('classifier on recorded 2026-07-28 server answers', () => {
  it('the recording is from the real server (status and JSON-RPC codes as the v2 server sends them)', () => {
    assert.equal(answer('initialize-2025').status, 400);
    assert.equal(jsonRpcErrorOf(answer('initialize-2025').body)?.code, -32022);
    assert.equal(answer('unknown-method').status, 404);
    assert.equal(jsonRpcErrorOf(answer('unknown-method').body)?.code, -32601);
    assert.equal(jsonRpcErrorOf(answer('header-version-mismatch').body)?.code, -32020);
  });

  for (const [name, kind] of EXPECTED) {
    it(`${name} is ${kind}, holding a session or not`, () => {
      const a = answer(name);
      for (const ctx of [HOLDING, FRESH]) {
        const f = classifyHttpStatus(a.status, a.body, ctx);
        assert.equal(f.kind, kind, `${name} (holding ${ctx.holdingSession}): ${f.message}`);
        assert.equal(f.httpStatus, a.status);
        assert.notEqual(f.kind, 'unknown-session');
        assert.doesNotMatch(f.message, /not an answer an MCP server gives/);
      }
      assert.equal(classifyError(thrownFor(a), HOLDING).kind, kind, 'the same through the client error');
    });
  }

  it('an era mismatch names the revisions the server supports', () => {
    const f = classifyHttpStatus(answer('initialize-2025').status, answer('initialize-2025').body, FRESH);
    assert.match(f.message, /supports 2026-07-28/);
    assert.match(f.message, /negotiated again/);
  });

  it('the stale session header is ignored by the server (HTTP 200): nothing to lose on this era', () => {
    assert.equal(answer('stale-session-header').status, 200);
  });
});

describe('classifier: the same words from 2025 servers keep their meaning', () => {
  it("a 2025 server's 404 without -32601 while holding a session is still unknown-session", () => {
    const body = '{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}';
    assert.equal(classifyHttpStatus(404, body, HOLDING).kind, 'unknown-session');
  });

  it('a 404 with -32601 while holding a session is an unknown method, not a lost session', () => {
    const body = '{"jsonrpc":"2.0","id":4,"error":{"code":-32601,"message":"Method not found"}}';
    assert.equal(classifyHttpStatus(404, body, HOLDING).kind, 'unknown-method');
  });

  it("the v1 SDK server's 400 'Mcp-Session-Id header is required' is about a header, not a lost session", () => {
    const body =
      '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: Mcp-Session-Id header is required"},"id":null}';
    const f = classifyHttpStatus(400, body, HOLDING);
    assert.equal(f.kind, 'protocol');
    assert.match(f.message, /headers/);
  });

  it("Archon's plain-text 400 'No valid session ID provided' while holding a session is still unknown-session", () => {
    assert.equal(classifyHttpStatus(400, 'Bad Request: No valid session ID provided', HOLDING).kind, 'unknown-session');
  });
});

describe('classifier: v2 client errors', () => {
  it('a ProtocolError -32022 (the error body matched our request id) is era-mismatch', () => {
    const f = classifyError(
      new ProtocolError(-32022, 'Unsupported protocol version: 2025-11-25', {
        supported: ['2026-07-28'],
        requested: '2025-11-25',
      }),
      HOLDING,
    );
    assert.equal(f.kind, 'era-mismatch');
    assert.match(f.message, /supports 2026-07-28/);
  });

  it('a ProtocolError "Session not found" while holding a session is unknown-session', () => {
    assert.equal(classifyError(new ProtocolError(-32001, 'Session not found'), HOLDING).kind, 'unknown-session');
    assert.equal(classifyError(new ProtocolError(-32001, 'Session not found'), FRESH).kind, 'protocol');
  });

  it('EraNegotiationFailed wrapping a refused connection is unreachable with its socket code', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const err = new SdkError(
      SdkErrorCode.EraNegotiationFailed,
      'Version negotiation probe failed: fetch failed',
      { cause: refused },
      { cause: refused },
    );
    const f = classifyError(err, FRESH);
    assert.equal(f.kind, 'unreachable');
    assert.equal(f.errorCode, 'ECONNREFUSED');
  });

  it('EraNegotiationFailed without a cause (no common revision) is era-mismatch', () => {
    const f = classifyError(new SdkError(SdkErrorCode.EraNegotiationFailed, 'no 2026-07-28+ overlap'), FRESH);
    assert.equal(f.kind, 'era-mismatch');
  });

  it('a probe timeout (SdkError RequestTimeout) is timeout', () => {
    assert.equal(
      classifyError(
        new SdkError(SdkErrorCode.RequestTimeout, 'Version negotiation probe timed out after 1000ms', {
          timeout: 1000,
        }),
        FRESH,
      ).kind,
      'timeout',
    );
  });

  it('SendFailed wrapping a broken socket is unreachable with the socket code, not the SDK code', () => {
    const cause = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const f = classifyError(new SdkError(SdkErrorCode.SendFailed, 'Failed to send', undefined, { cause }), HOLDING);
    assert.equal(f.kind, 'unreachable');
    assert.equal(f.errorCode, 'UND_ERR_SOCKET');
  });

  it('the 5xx answer to the negotiation probe is server-error', () => {
    const err = new SdkHttpError(
      SdkErrorCode.EraNegotiationFailed,
      'Version negotiation failed: the server answered the probe with HTTP 502',
      { status: 502, text: 'Bad Gateway' },
    );
    assert.equal(classifyError(err, FRESH).kind, 'server-error');
  });
});
