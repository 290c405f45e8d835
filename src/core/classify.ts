// Turns whatever a failed MCP exchange threw into one Failure a person can act on.
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { excerpt } from './redact';
import type { Failure, FailureKind } from './types';

export interface ClassifyContext {
  /** True when the failed request carried an Mcp-Session-Id: only then does a 404 mean "session gone". */
  holdingSession: boolean;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE',
  'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Mentions of the session in a 400 body: Archon's plain text and the TypeScript SDK's JSON both match. */
const SESSION_WORDS = /session/i;

/** Classifies an HTTP answer that was not a success. Shared by the monitor and the gateway. */
export function classifyHttpStatus(status: number, body: string, ctx: ClassifyContext): Failure {
  const bodyExcerpt = excerpt(body);
  const said = bodyExcerpt ? ` "${bodyExcerpt}"` : '';
  const base = { httpStatus: status, bodyExcerpt: bodyExcerpt || undefined };
  // Only a request that carried a session can lose it; the same words to a session-less request are a protocol mismatch.
  if (status === 400 && SESSION_WORDS.test(body) && ctx.holdingSession) {
    return { ...base, kind: 'session-lost', message: `HTTP 400${said}: the server no longer knows this session (it probably restarted).` };
  }
  if (status === 404 && ctx.holdingSession) {
    return { ...base, kind: 'session-lost', message: `HTTP 404${said}: the server no longer knows this session (it probably restarted).` };
  }
  if (status === 401 || status === 403) {
    return { ...base, kind: 'auth', message: `HTTP ${status}${said}: the server refused our credentials. Set a token with "Archon: Set Server Token".` };
  }
  if (status >= 500) {
    return { ...base, kind: 'server-error', message: `HTTP ${status}${said}: the server failed to handle the request.` };
  }
  if (status === 404) {
    return { ...base, kind: 'protocol', message: `HTTP 404${said}: no MCP endpoint at this URL. Check the path (Archon serves /mcp).` };
  }
  return { ...base, kind: 'protocol', message: `HTTP ${status}${said}: not an answer an MCP server gives.` };
}

/** The first string `code` along an error's cause chain (undici wraps ECONNREFUSED and friends). */
export function errorCodeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Pulls an HTTP status and body out of the SDK's transport errors, whose messages carry the body text. */
function httpAnswerOf(err: Error): { status: number; body: string } | undefined {
  const status = (err as { code?: unknown }).code;
  if (err.name === 'StreamableHTTPError' || err.message.startsWith('Streamable HTTP error:')) {
    if (typeof status === 'number' && status > 0) {
      const body = err.message.replace(/^Streamable HTTP error: (Error POSTing to endpoint|Failed to open SSE stream|Failed to terminate session): ?/, '');
      return { status, body };
    }
  }
  // SSEClientTransport: "Error POSTing to endpoint (HTTP 404): <body>"
  const sse = /\(HTTP (\d{3})\): ?([\s\S]*)$/.exec(err.message);
  if (sse) return { status: Number(sse[1]), body: sse[2] };
  if (err instanceof SseError && typeof status === 'number' && status > 0) {
    return { status, body: err.message.replace(/^SSE error: /, '') };
  }
  return undefined;
}

function failure(kind: FailureKind, message: string, errorCode?: string): Failure {
  return { kind, message, errorCode };
}

export function classifyError(err: unknown, ctx: ClassifyContext): Failure {
  if (!(err instanceof Error)) return failure('protocol', `Unexpected failure: ${excerpt(String(err))}`);
  if (err instanceof McpError) {
    if (err.code === ErrorCode.RequestTimeout) return failure('timeout', 'The server did not answer in time.');
    if (err.code === ErrorCode.ConnectionClosed) return failure('unreachable', 'The connection to the server closed.');
    // A JSON-RPC error to our own request: the server is alive but rejects what we asked.
    return failure('protocol', `The server answered with an MCP error: ${excerpt(err.message)}`);
  }
  const answer = httpAnswerOf(err);
  if (answer) return classifyHttpStatus(answer.status, answer.body, ctx);
  if (err instanceof UnauthorizedError) return failure('auth', 'The server requires authorization. Set a token with "Archon: Set Server Token".');
  if (/Unexpected content type/i.test(err.message)) {
    return failure('protocol', `Not an MCP server: ${excerpt(err.message.replace(/^Streamable HTTP error: /, ''))}.`);
  }
  const code = errorCodeOf(err);
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message === 'bad port') {
    return failure('protocol', 'Node refuses to connect to this port (one of the ports fetch blocks); serve MCP on another port.');
  }
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || (code && TIMEOUT_CODES.has(code))) {
    return failure('timeout', 'The server did not answer in time.', code);
  }
  if ((code && UNREACHABLE_CODES.has(code)) || /fetch failed|SSE stream disconnected|terminated|other side closed|socket hang up/i.test(err.message)) {
    const what = code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'The server name does not resolve' : code === 'ECONNREFUSED' ? 'Nothing is listening at this address' : 'The connection to the server broke';
    return failure('unreachable', `${what}${code ? ` (${code})` : ''}: the server is down or restarting.`, code);
  }
  if (err.name === 'ZodError' || err instanceof SyntaxError) {
    return failure('protocol', `The answer is not valid MCP JSON-RPC: ${excerpt(err.message, 120)}`);
  }
  return failure('protocol', `Unexpected failure: ${excerpt(err.message)}`, code);
}
