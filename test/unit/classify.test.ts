// Unit tests for src/core/classify.ts, built on the real error objects the v2 MCP SDK client throws
// and the exact bodies real MCP servers answer for unknown sessions (see shared/TESTBED.md).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ProtocolError,
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  SseError,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { classifyError, classifyHttpStatus } from '../../src/core/classify';
import type { Failure } from '../../src/core/server-state';

const HOLDING = { holdingSession: true };
const FRESH = { holdingSession: false };

// Exact bodies (TESTBED.md).
const ARCHON_400 = 'Bad Request: No valid session ID provided';
const ARCHON_400_MISSING = 'Bad Request: Missing session ID';
const EVERYTHING_400 =
  '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"}}';
const SDK_EXAMPLE_404 = '{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}';
const SDK_EXAMPLE_404_BARE = '{"code":-32001,"message":"Session not found"}';
const PY_NEW_404 = '{"jsonrpc":"2.0","id":"server-error","error":{"code":-32600,"message":"Session not found"}}';

/** What StreamableHTTPClientTransport.send throws for a non-2xx POST answer (client 2.4, index.cjs `_send`). */
const postError = (status: number, body: string) =>
  new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${body}`, {
    status,
    statusText: '',
    text: body,
  });
/** What the transport throws when the GET stream or DELETE is refused (no body kept, only statusText). */
const getError = (status: number, statusText: string) =>
  new SdkHttpError(SdkErrorCode.ClientHttpFailedToOpenStream, `Failed to open SSE stream: ${statusText}`, {
    status,
    statusText,
  });
const deleteError = (status: number, statusText: string) =>
  new SdkHttpError(SdkErrorCode.ClientHttpFailedToTerminateSession, `Failed to terminate session: ${statusText}`, {
    status,
    statusText,
  });
/** What SSEClientTransport.send throws for a non-2xx POST answer (client 2.4, same text as sdk 1.32). */
const ssePostError = (status: number, body: string) => new Error(`Error POSTing to endpoint (HTTP ${status}): ${body}`);
/** How undici reports a network failure: TypeError('fetch failed') with the socket error as cause. */
const fetchFailed = (code: string, message: string) =>
  new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });

/** What SSEClientTransport builds when its EventSource fails: `new SseError(event.code, event.message, event)` (client 2.4). */
type SseErrorEvent = ConstructorParameters<typeof SseError>[2];
const sseError = (code: number | undefined, message: string) =>
  new SseError(code, message, Object.assign(new Event('error'), { code, message }) as SseErrorEvent);

/** A readable sentence: starts with a capital letter or "HTTP", ends with a full stop, no raw prefixes. */
function assertSentence(f: Failure): void {
  assert.equal(typeof f.message, 'string');
  assert.ok(f.message.length >= 15, `message too short: ${f.message}`);
  assert.match(f.message, /^[A-Z]/, `message should start like a sentence: ${f.message}`);
  assert.match(f.message, /[.…)"]$/, `message should end like a sentence: ${f.message}`);
  assert.doesNotMatch(f.message, /\[object Object\]|undefined|NaN/, `message leaks internals: ${f.message}`);
  assert.doesNotMatch(f.message, /\n/, 'message is one line');
}

describe('classifyError: session lost (exact server bodies)', () => {
  it("Archon's text/plain 400 'No valid session ID provided' is unknown-session", () => {
    const f = classifyError(postError(400, ARCHON_400), HOLDING);
    assert.equal(f.kind, 'unknown-session');
    assert.equal(f.httpStatus, 400);
    assert.equal(f.bodyExcerpt, ARCHON_400);
    assert.ok(f.message.includes('HTTP 400'));
    assert.ok(f.message.includes(ARCHON_400), 'the message quotes the body');
    assert.match(f.message, /session/i);
    assertSentence(f);
  });

  it('the excerpt does not keep the SDK prefix "Streamable HTTP error: Error POSTing to endpoint:"', () => {
    const f = classifyError(postError(400, ARCHON_400), HOLDING);
    assert.doesNotMatch(f.bodyExcerpt ?? '', /Streamable HTTP error|POSTing/);
    assert.doesNotMatch(f.message, /Streamable HTTP error/);
  });

  it("Archon's 400 to a request that carried no session id is protocol (nothing to lose), still with status and body", () => {
    const f = classifyError(postError(400, ARCHON_400), FRESH);
    assert.equal(f.kind, 'protocol');
    assert.equal(f.httpStatus, 400);
    assert.equal(f.bodyExcerpt, ARCHON_400);
    assertSentence(f);
  });

  it("server-everything's 400 to a request without a session is protocol", () => {
    assert.equal(classifyError(postError(400, EVERYTHING_400), FRESH).kind, 'protocol');
  });

  it("server-everything's 400 JSON (-32000, no id) is unknown-session", () => {
    const f = classifyError(postError(400, EVERYTHING_400), HOLDING);
    assert.equal(f.kind, 'unknown-session');
    assert.equal(f.httpStatus, 400);
    assert.equal(f.bodyExcerpt, EVERYTHING_400);
    assertSentence(f);
  });

  it("the SDK example server's 404 JSON-RPC 'Session not found' is unknown-session while holding a session", () => {
    const f = classifyError(postError(404, SDK_EXAMPLE_404), HOLDING);
    assert.equal(f.kind, 'unknown-session');
    assert.equal(f.httpStatus, 404);
    assert.equal(f.bodyExcerpt, SDK_EXAMPLE_404);
    assertSentence(f);
  });

  it("the bare {code:-32001,message:'Session not found'} 404 body is unknown-session while holding a session", () => {
    const f = classifyError(postError(404, SDK_EXAMPLE_404_BARE), HOLDING);
    assert.equal(f.kind, 'unknown-session');
    assert.equal(f.bodyExcerpt, SDK_EXAMPLE_404_BARE);
  });

  it('a 404 without a session is protocol (wrong endpoint), and says to check the path', () => {
    const f = classifyError(postError(404, SDK_EXAMPLE_404), FRESH);
    assert.equal(f.kind, 'protocol');
    assert.equal(f.httpStatus, 404);
    assert.match(f.message, /path|endpoint/i);
    assertSentence(f);
  });

  it("newer Python SDK's 404 (-32600, id 'server-error') is unknown-session", () => {
    const f = classifyError(postError(404, PY_NEW_404), HOLDING);
    assert.equal(f.kind, 'unknown-session');
    assert.equal(f.httpStatus, 404);
    assert.equal(f.bodyExcerpt, PY_NEW_404);
  });

  it("400 'Bad Request: Missing session ID' is unknown-session", () => {
    const f = classifyError(postError(400, ARCHON_400_MISSING), HOLDING);
    assert.equal(f.kind, 'unknown-session');
    assert.equal(f.httpStatus, 400);
    assert.equal(f.bodyExcerpt, ARCHON_400_MISSING);
  });

  it("400 'Bad Request: Missing session ID' without a session is protocol", () => {
    const f = classifyError(postError(400, ARCHON_400_MISSING), FRESH);
    assert.equal(f.kind, 'protocol');
    assert.equal(f.httpStatus, 400);
  });

  it('a 400 whose body does not mention the session is protocol, not unknown-session', () => {
    const f = classifyError(
      postError(400, '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}'),
      HOLDING,
    );
    assert.equal(f.kind, 'protocol');
    assert.equal(f.httpStatus, 400);
  });

  it('the GET SSE stream failing with 404 ("Failed to open SSE stream") is unknown-session while holding a session', () => {
    const f = classifyError(getError(404, 'Not Found'), HOLDING);
    assert.equal(f.kind, 'unknown-session');
    assert.equal(f.httpStatus, 404);
    assert.equal(f.bodyExcerpt, 'Not Found');
  });

  it('a 404 when terminating a session ("Failed to terminate session") keeps the status', () => {
    const f = classifyError(deleteError(404, 'Not Found'), HOLDING);
    assert.equal(f.kind, 'unknown-session');
    assert.equal(f.httpStatus, 404);
  });

  it('an empty body still classifies by status, without an excerpt or empty quotes', () => {
    const f = classifyError(postError(404, ''), HOLDING);
    assert.equal(f.kind, 'unknown-session');
    assert.equal(f.bodyExcerpt, undefined);
    assert.doesNotMatch(f.message, /""/);
  });
});

describe('classifyError: legacy SSE transport', () => {
  it('"Error POSTing to endpoint (HTTP 404): ..." while holding a session is unknown-session with status and body', () => {
    const f = classifyError(ssePostError(404, 'Session not found'), HOLDING);
    assert.equal(f.kind, 'unknown-session');
    assert.equal(f.httpStatus, 404);
    assert.equal(f.bodyExcerpt, 'Session not found');
    assertSentence(f);
  });

  it('"Error POSTing to endpoint (HTTP 400): ..." with a session body is unknown-session', () => {
    const f = classifyError(ssePostError(400, ARCHON_400), HOLDING);
    assert.equal(f.kind, 'unknown-session');
    assert.equal(f.httpStatus, 400);
    assert.equal(f.bodyExcerpt, ARCHON_400);
  });

  it('"Error POSTing to endpoint (HTTP 503): ..." is server-error', () => {
    const f = classifyError(ssePostError(503, 'Service Unavailable'), HOLDING);
    assert.equal(f.kind, 'server-error');
    assert.equal(f.httpStatus, 503);
  });

  it('a multi-line SSE POST body is captured whole and one-lined in the excerpt', () => {
    const f = classifyError(ssePostError(500, 'Traceback:\n  line 1\n  line 2'), HOLDING);
    assert.equal(f.kind, 'server-error');
    assert.equal(f.bodyExcerpt, 'Traceback: line 1 line 2');
  });

  it('SseError with HTTP 401 (EventSource "Non-200 status code") is auth', () => {
    // The SDK's SseError does not set `name`, so it reads "Error"; classify must still see the status.
    const err = sseError(401, 'Non-200 status code (401)');
    const f = classifyError(err, HOLDING);
    assert.equal(f.kind, 'auth', `got ${f.kind}: ${f.message}`);
    assert.equal(f.httpStatus, 401);
  });

  it('SseError with HTTP 503 is server-error', () => {
    const f = classifyError(sseError(503, 'Non-200 status code (503)'), HOLDING);
    assert.equal(f.kind, 'server-error', `got ${f.kind}: ${f.message}`);
    assert.equal(f.httpStatus, 503);
  });

  it('SseError without a status for a refused connection (eventsource flattenError text) is unreachable', () => {
    const f = classifyError(
      sseError(undefined, 'TypeError: fetch failed: connect ECONNREFUSED 127.0.0.1:8051'),
      HOLDING,
    );
    assert.equal(f.kind, 'unreachable');
  });
});

describe('classifyError: unreachable', () => {
  it('fetch failed / ECONNREFUSED is unreachable with the code and a clear sentence', () => {
    const f = classifyError(fetchFailed('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), HOLDING);
    assert.equal(f.kind, 'unreachable');
    assert.equal(f.errorCode, 'ECONNREFUSED');
    assert.equal(f.httpStatus, undefined);
    assert.match(f.message, /Nothing is listening/);
    assert.ok(f.message.includes('(ECONNREFUSED)'));
    assertSentence(f);
  });

  it('fetch failed / ENOTFOUND says the name does not resolve', () => {
    const f = classifyError(fetchFailed('ENOTFOUND', 'getaddrinfo ENOTFOUND archon-mcp'), HOLDING);
    assert.equal(f.kind, 'unreachable');
    assert.equal(f.errorCode, 'ENOTFOUND');
    assert.match(f.message, /does not resolve/);
    assertSentence(f);
  });

  it('fetch failed / EAI_AGAIN says the name does not resolve', () => {
    const f = classifyError(fetchFailed('EAI_AGAIN', 'getaddrinfo EAI_AGAIN archon-mcp'), HOLDING);
    assert.equal(f.kind, 'unreachable');
    assert.match(f.message, /does not resolve/);
  });

  it('fetch failed / ECONNRESET says the connection broke', () => {
    const f = classifyError(fetchFailed('ECONNRESET', 'read ECONNRESET'), HOLDING);
    assert.equal(f.kind, 'unreachable');
    assert.equal(f.errorCode, 'ECONNRESET');
    assert.match(f.message, /connection to the server broke/);
    assertSentence(f);
  });

  it('undici "other side closed" (UND_ERR_SOCKET) is unreachable', () => {
    const cause = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const f = classifyError(new TypeError('terminated', { cause }), HOLDING);
    assert.equal(f.kind, 'unreachable');
    assert.equal(f.errorCode, 'UND_ERR_SOCKET');
  });

  it('a code found two causes deep is still used', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const f = classifyError(new Error('wrapper', { cause: new Error('middle', { cause: inner }) }), HOLDING);
    assert.equal(f.kind, 'unreachable');
    assert.equal(f.errorCode, 'ECONNREFUSED');
  });

  it('"fetch failed" without a cause is still unreachable', () => {
    const f = classifyError(new TypeError('fetch failed'), HOLDING);
    assert.equal(f.kind, 'unreachable');
    assert.equal(f.errorCode, undefined);
    assertSentence(f);
  });

  it('SdkError ConnectionClosed is unreachable', () => {
    const f = classifyError(new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed'), HOLDING);
    assert.equal(f.kind, 'unreachable');
  });
});

describe('classifyError: timeout', () => {
  it('SdkError RequestTimeout (what Client.ping throws after its timeout) is timeout', () => {
    const f = classifyError(new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out', { timeout: 5000 }), HOLDING);
    assert.equal(f.kind, 'timeout');
    assertSentence(f);
  });

  it('DOMException TimeoutError (AbortSignal.timeout) is timeout', () => {
    const f = classifyError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), HOLDING);
    assert.equal(f.kind, 'timeout');
  });

  it('DOMException AbortError is timeout', () => {
    const f = classifyError(new DOMException('This operation was aborted', 'AbortError'), HOLDING);
    assert.equal(f.kind, 'timeout');
  });

  it('undici connect timeout code in the cause is timeout, not unreachable', () => {
    const cause = Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' });
    const f = classifyError(new TypeError('fetch failed', { cause }), HOLDING);
    assert.equal(f.kind, 'timeout');
    assert.equal(f.errorCode, 'UND_ERR_CONNECT_TIMEOUT');
  });

  it('ETIMEDOUT is timeout', () => {
    assert.equal(classifyError(fetchFailed('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:8051'), HOLDING).kind, 'timeout');
  });
});

describe('classifyError: server errors', () => {
  for (const status of [500, 502, 503, 504]) {
    it(`HTTP ${status} is server-error with status and body`, () => {
      const body = status === 502 ? '<html><body>Bad Gateway</body></html>' : `Internal trouble ${status}`;
      const f = classifyError(postError(status, body), HOLDING);
      assert.equal(f.kind, 'server-error');
      assert.equal(f.httpStatus, status);
      assert.equal(f.bodyExcerpt, body);
      assert.ok(f.message.startsWith(`HTTP ${status}`));
      assertSentence(f);
    });
  }

  it('a 500 whose body mentions the session is still server-error (only 400/404 mean unknown-session)', () => {
    const f = classifyError(postError(500, 'Internal error while looking up session'), HOLDING);
    assert.equal(f.kind, 'server-error');
  });
});

describe('classifyError: auth', () => {
  for (const status of [401, 403]) {
    it(`HTTP ${status} is auth and points at "Set Server Token"`, () => {
      const f = classifyError(postError(status, '{"error":"invalid_token"}'), HOLDING);
      assert.equal(f.kind, 'auth');
      assert.equal(f.httpStatus, status);
      assert.match(f.message, /Set Server Token/);
      assertSentence(f);
    });
  }

  it("the SDK's 401-after-re-authentication SdkHttpError is auth", () => {
    const f = classifyError(
      new SdkHttpError(SdkErrorCode.ClientHttpAuthentication, 'Server returned 401 after re-authentication', {
        status: 401,
      }),
      HOLDING,
    );
    assert.equal(f.kind, 'auth');
    assert.equal(f.httpStatus, 401);
  });

  it('UnauthorizedError from the SDK auth module is auth', () => {
    // The SDK's UnauthorizedError does not set `name` (it reads "Error"), so a name check misses it.
    const f = classifyError(new UnauthorizedError(), HOLDING);
    assert.equal(f.kind, 'auth', `got ${f.kind}: ${f.message}`);
    assert.match(f.message, /Set Server Token/);
  });

  it('UnauthorizedError with a message is auth', () => {
    const f = classifyError(new UnauthorizedError('No auth provider'), HOLDING);
    assert.equal(f.kind, 'auth', `got ${f.kind}: ${f.message}`);
  });
});

describe('classifyError: protocol', () => {
  it("'Unexpected content type: text/html' (SdkError ClientHttpUnexpectedContent) is protocol and says not an MCP server", () => {
    const err = new SdkError(SdkErrorCode.ClientHttpUnexpectedContent, 'Unexpected content type: text/html', {
      contentType: 'text/html',
    });
    const f = classifyError(err, HOLDING);
    assert.equal(f.kind, 'protocol');
    assert.equal(f.httpStatus, undefined, 'a content type is not an HTTP status');
    assert.match(f.message, /Not an MCP server/);
    assert.match(f.message, /text\/html/);
    assert.doesNotMatch(f.message, /Streamable HTTP error/);
    assertSentence(f);
  });

  it('a SyntaxError (bad JSON) is protocol', () => {
    let err: unknown;
    try {
      JSON.parse('<html>');
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof SyntaxError);
    const f = classifyError(err, HOLDING);
    assert.equal(f.kind, 'protocol');
    assert.match(f.message, /not valid MCP JSON-RPC/);
  });

  it('a ZodError-like error is protocol', () => {
    const err = Object.assign(new Error('[{"code":"invalid_type","expected":"string","path":["jsonrpc"]}]'), {
      name: 'ZodError',
    });
    const f = classifyError(err, HOLDING);
    assert.equal(f.kind, 'protocol');
    assert.match(f.message, /not valid MCP JSON-RPC/);
  });

  it('a long ZodError message is cut to a short excerpt', () => {
    const err = Object.assign(new Error('x'.repeat(5000)), { name: 'ZodError' });
    const f = classifyError(err, HOLDING);
    assert.ok(f.message.length < 200, `message length ${f.message.length}`);
  });

  it('a JSON-RPC error answered by the server (ProtocolError MethodNotFound) is unknown-method and quotes it', () => {
    const f = classifyError(new ProtocolError(ProtocolErrorCode.MethodNotFound, 'Method not found'), HOLDING);
    assert.equal(f.kind, 'unknown-method');
    assert.match(f.message, /Method not found/);
    assertSentence(f);
  });

  it('any other JSON-RPC error answered by the server (ProtocolError InvalidParams) is protocol and quotes it', () => {
    const f = classifyError(new ProtocolError(ProtocolErrorCode.InvalidParams, 'Tool nope not found'), HOLDING);
    assert.equal(f.kind, 'protocol');
    assert.match(f.message, /Tool nope not found/);
  });

  it('a 405 is protocol with its status', () => {
    const f = classifyError(postError(405, 'Method Not Allowed'), HOLDING);
    assert.equal(f.kind, 'protocol');
    assert.equal(f.httpStatus, 405);
  });

  it('a plain unknown Error is protocol with its message', () => {
    const f = classifyError(new Error('something odd'), HOLDING);
    assert.equal(f.kind, 'protocol');
    assert.match(f.message, /something odd/);
  });
});

describe('classifyError: non-Error values', () => {
  const values: [string, unknown][] = [
    ['a string', 'boom'],
    ['a number', 42],
    ['undefined', undefined],
    ['null', null],
    ['a plain object', { code: 'ECONNREFUSED' }],
  ];
  for (const [label, value] of values) {
    it(`${label} is protocol and does not throw`, () => {
      const f = classifyError(value, HOLDING);
      assert.equal(f.kind, 'protocol');
      assert.match(f.message, /^Unexpected failure: /);
    });
  }

  it('a thrown string keeps its text in the message', () => {
    assert.match(classifyError('boom', HOLDING).message, /boom/);
  });

  it('a thrown string with a bearer token does not leak it', () => {
    const f = classifyError('failed with Authorization: Bearer sk-live-SECRET123456', HOLDING);
    assert.doesNotMatch(f.message, /sk-live-SECRET123456/);
  });
});

describe('classifyError / classifyHttpStatus: secrets and excerpts', () => {
  const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhcmNob24ifQ.c2VjcmV0LXNpZ25hdHVyZQ';

  it('a bearer token echoed in a 401 body appears neither in the excerpt nor in the message', () => {
    const body = `{"error":"invalid_token","detail":"Authorization: Bearer ${TOKEN} was rejected"}`;
    const f = classifyError(postError(401, body), HOLDING);
    assert.equal(f.kind, 'auth');
    assert.ok(f.bodyExcerpt, 'an excerpt is kept');
    assert.ok(!f.bodyExcerpt!.includes(TOKEN), `excerpt leaks token: ${f.bodyExcerpt}`);
    assert.ok(!f.message.includes(TOKEN), `message leaks token: ${f.message}`);
    assert.ok(!f.message.includes(TOKEN.slice(0, 20)), 'not even a prefix of it');
    assert.match(f.bodyExcerpt!, /Bearer «hidden»/);
  });

  it('a bearer token in a 400 session body is hidden and the failure is still unknown-session', () => {
    const body = `Bad Request: No valid session ID provided (Authorization: Bearer ${TOKEN})`;
    const f = classifyError(postError(400, body), HOLDING);
    assert.equal(f.kind, 'unknown-session');
    assert.ok(!JSON.stringify(f).includes(TOKEN));
  });

  it('"token": "..." in a 500 JSON body is hidden', () => {
    const body = `{"error":"boom","token":"${TOKEN}"}`;
    const f = classifyError(postError(500, body), HOLDING);
    assert.ok(!JSON.stringify(f).includes(TOKEN), JSON.stringify(f));
  });

  it('a bearer token in the SSE transport POST error is hidden', () => {
    const f = classifyError(ssePostError(403, `forbidden for Bearer ${TOKEN}`), HOLDING);
    assert.equal(f.kind, 'auth');
    assert.ok(!JSON.stringify(f).includes(TOKEN));
  });

  it('a bearer token in a generic error message is hidden', () => {
    const f = classifyError(new Error(`request with Bearer ${TOKEN} failed`), HOLDING);
    assert.ok(!JSON.stringify(f).includes(TOKEN));
  });

  it('a huge body is cut to a bounded excerpt on one line', () => {
    const body = `Bad Request: No valid session ID provided\n${'x'.repeat(10_000)}`;
    const f = classifyHttpStatus(400, body, HOLDING);
    assert.equal(f.kind, 'unknown-session');
    assert.ok(f.bodyExcerpt!.length <= 201, `excerpt length ${f.bodyExcerpt!.length}`);
    assert.ok(f.bodyExcerpt!.endsWith('…'));
    assert.doesNotMatch(f.bodyExcerpt!, /\n/);
    assert.ok(f.message.length < 400, `message length ${f.message.length}`);
  });

  it('classifyHttpStatus works on its own for the gateway (Archon 400)', () => {
    const f = classifyHttpStatus(400, ARCHON_400, HOLDING);
    assert.deepEqual(
      { kind: f.kind, httpStatus: f.httpStatus, bodyExcerpt: f.bodyExcerpt },
      { kind: 'unknown-session', httpStatus: 400, bodyExcerpt: ARCHON_400 },
    );
  });

  it('classifyHttpStatus with an empty body leaves bodyExcerpt undefined', () => {
    const f = classifyHttpStatus(503, '   ', HOLDING);
    assert.equal(f.kind, 'server-error');
    assert.equal(f.bodyExcerpt, undefined);
    assert.equal(f.message, 'HTTP 503: the server failed to handle the request.');
  });
});
