// Turns whatever a failed MCP exchange threw (v2 SDK client errors, HTTP answers, network errors)
// into one Failure a person can act on. HTTP answers are classified by status AND body.
import {
  ProtocolError,
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  SseError,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { causeOf, errnoCode, fieldOf, isRecord } from './narrow';
import { excerpt } from './redact';
import type { Failure, FailureKind } from './server-state';

export interface ClassifyContext {
  /** True when the failed request carried an Mcp-Session-Id: only then does a 404 mean "session gone". */
  holdingSession: boolean;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Mentions of the session in a 400 body: Archon's plain text and the TypeScript SDK's JSON both match. */
const SESSION_WORDS = /session/i;
/** A 400 that complains about a header (a missing or disagreeing Mcp-* header) is about the request, not the session. */
const HEADER_WORDS = /header/i;
/** JSON-RPC codes of the 2026-07-28 revision (SDK ProtocolErrorCode has the last two; -32020 it names only in its server). */
/** The request's MCP headers disagree with its body. */
export const HEADER_MISMATCH = -32020;
const MISSING_CLIENT_CAPABILITY = ProtocolErrorCode.MissingRequiredClientCapability;
const UNSUPPORTED_PROTOCOL_VERSION = ProtocolErrorCode.UnsupportedProtocolVersion;

interface JsonRpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

/** The JSON-RPC error in an HTTP body (`{"jsonrpc":"2.0","error":{…}}`, or a bare `{code,message}`), if it is one. */
export function jsonRpcErrorOf(body: string): JsonRpcErrorBody | undefined {
  if (!body.trimStart().startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  const e = parsed.error ?? parsed;
  if (!isRecord(e) || typeof e.code !== 'number') return undefined;
  return { code: e.code, message: typeof e.message === 'string' ? e.message : '', data: e.data };
}

function supportedVersionsOf(data: unknown): string | undefined {
  const supported = fieldOf(data, 'supported');
  return Array.isArray(supported) && supported.every((v) => typeof v === 'string') ? supported.join(', ') : undefined;
}

/**
 * The protocol revisions a -32022 "Unsupported protocol version" answer says the server supports,
 * or undefined when `body` is not such an answer. The gateway reads it to learn an upstream's era.
 */
export function supportedVersionsOfRefusal(body: string): string[] | undefined {
  const rpc = jsonRpcErrorOf(body);
  if (rpc?.code !== UNSUPPORTED_PROTOCOL_VERSION) return undefined;
  const supported = fieldOf(rpc.data, 'supported');
  return Array.isArray(supported) ? supported.filter((v): v is string => typeof v === 'string') : [];
}

function eraMismatch(base: Partial<Failure>, said: string, data: unknown): Failure {
  const supported = supportedVersionsOf(data);
  return {
    ...base,
    kind: 'era-mismatch',
    message: `The server does not speak the protocol revision we used${said}${supported ? `; it supports ${supported}` : ''}: the era has to be negotiated again.`,
  };
}

/**
 * 502/503/504: a proxy or a server still starting answered for it; the server is not there yet.
 * The one answer to "hold and try again?" for an HTTP status, for the monitor and the gateway alike.
 */
export function isTransientStatus(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}

/** Classifies an HTTP answer that was not a success. Shared by the monitor and the gateway. */
export function classifyHttpStatus(status: number, body: string, ctx: ClassifyContext): Failure {
  const bodyExcerpt = excerpt(body);
  const said = bodyExcerpt ? ` "${bodyExcerpt}"` : '';
  const base = { httpStatus: status, bodyExcerpt: bodyExcerpt || undefined };
  const rpc = jsonRpcErrorOf(body);
  // A healthy 2026-07-28 server answering a 2025 request (or the reverse): negotiate, nothing is lost.
  if (rpc?.code === UNSUPPORTED_PROTOCOL_VERSION) return eraMismatch(base, ` (HTTP ${status}${said})`, rpc.data);
  if (status === 404 && rpc?.code === ProtocolErrorCode.MethodNotFound) {
    return {
      ...base,
      kind: 'unknown-method',
      message: `HTTP 404${said}: the server has no such method (the endpoint and any session are fine).`,
    };
  }
  if (
    status === 400 &&
    (rpc?.code === HEADER_MISMATCH ||
      rpc?.code === MISSING_CLIENT_CAPABILITY ||
      (!rpc && HEADER_WORDS.test(body)) ||
      (rpc && HEADER_WORDS.test(rpc.message)))
  ) {
    return {
      ...base,
      kind: 'protocol',
      message: `HTTP 400${said}: the server rejected how the request was made (its headers or declared capabilities), not the session.`,
    };
  }
  // Only a request that carried a session can lose it; the same words to a session-less request are a protocol mismatch.
  if (status === 400 && SESSION_WORDS.test(body) && ctx.holdingSession) {
    return {
      ...base,
      kind: 'unknown-session',
      message: `HTTP 400${said}: the server no longer knows this session (it probably restarted).`,
    };
  }
  if (status === 404 && ctx.holdingSession) {
    return {
      ...base,
      kind: 'unknown-session',
      message: `HTTP 404${said}: the server no longer knows this session (it probably restarted).`,
    };
  }
  if (status === 401 || status === 403) {
    return {
      ...base,
      kind: 'auth',
      message: `HTTP ${status}${said}: the server refused our credentials. Set a token with "Archon: Set Server Token".`,
    };
  }
  if (status >= 500) {
    return {
      ...base,
      kind: 'server-error',
      message: `HTTP ${status}${said}: the server failed to handle the request.`,
    };
  }
  if (status === 404) {
    return {
      ...base,
      kind: 'protocol',
      message: `HTTP 404${said}: no MCP endpoint at this URL. Check the path (Archon serves /mcp).`,
    };
  }
  if (rpc) {
    // An MCP server's answer all the same: it refuses this request, and says why.
    return {
      ...base,
      kind: 'protocol',
      message: `HTTP ${status}: the server refused the request with JSON-RPC error ${rpc.code} "${excerpt(rpc.message, 120)}".`,
    };
  }
  return { ...base, kind: 'protocol', message: `HTTP ${status}${said}: not an answer an MCP server gives.` };
}

/** The first string `code` along an error's cause chain (undici wraps ECONNREFUSED and friends). */
export function errorCodeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = causeOf(e), depth++) {
    const code = errnoCode(e);
    if (code !== undefined) return code;
  }
  return undefined;
}

/** Pulls an HTTP status and body out of the SDK's transport errors (v2 SdkHttpError carries the body as `data.text`). */
function httpAnswerOf(err: Error): { status: number; body: string } | undefined {
  if (err instanceof SdkHttpError && err.status > 0) {
    const text = err.data.text;
    const body =
      typeof text === 'string'
        ? text
        : err.message.replace(
            /^(Error POSTing to endpoint|Failed to open SSE stream|Failed to terminate session|Version negotiation failed): ?/,
            '',
          );
    return { status: err.status, body };
  }
  // SSEClientTransport: "Error POSTing to endpoint (HTTP 404): <body>"
  const sse = /\(HTTP (\d{3})\): ?([\s\S]*)$/.exec(err.message);
  if (sse) return { status: Number(sse[1]), body: sse[2] };
  if (err instanceof SseError && typeof err.code === 'number' && err.code > 0) {
    return { status: err.code, body: err.message.replace(/^SSE error: /, '') };
  }
  return undefined;
}

function failure(kind: FailureKind, message: string, errorCode?: string): Failure {
  return { kind, message, errorCode };
}

export function classifyError(err: unknown, ctx: ClassifyContext): Failure {
  if (!(err instanceof Error)) return failure('protocol', `Unexpected failure: ${excerpt(String(err))}`);
  if (err instanceof ProtocolError) return classifyProtocolError(err, ctx);
  if (err instanceof SdkError && !(err instanceof SdkHttpError)) {
    const local = classifySdkError(err, ctx);
    if (local) return local;
  }
  const answer = httpAnswerOf(err);
  if (answer) return classifyHttpStatus(answer.status, answer.body, ctx);
  if (
    err instanceof UnauthorizedError ||
    (err instanceof SdkError &&
      (err.code === SdkErrorCode.ClientHttpAuthentication || err.code === SdkErrorCode.ClientHttpForbidden))
  )
    return failure('auth', 'The server requires authorization. Set a token with "Archon: Set Server Token".');
  if (
    /Unexpected content type/i.test(err.message) ||
    (err instanceof SdkError && err.code === SdkErrorCode.ClientHttpUnexpectedContent)
  ) {
    return failure('protocol', `Not an MCP server: ${excerpt(err.message.replace(/^Streamable HTTP error: /, ''))}.`);
  }
  // An SdkError's own code is the SDK's vocabulary (SEND_FAILED); the socket's code is on its cause.
  const code = errorCodeOf(err instanceof SdkError ? err.cause : err);
  const cause = err.cause;
  if (cause instanceof Error && cause.message === 'bad port') {
    return failure(
      'protocol',
      'Node refuses to connect to this port (one of the ports fetch blocks); serve MCP on another port.',
    );
  }
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || (code && TIMEOUT_CODES.has(code))) {
    return failure('timeout', 'The server did not answer in time.', code);
  }
  if (
    (code && UNREACHABLE_CODES.has(code)) ||
    /fetch failed|SSE stream disconnected|terminated|other side closed|socket hang up/i.test(err.message)
  ) {
    const what =
      code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'The server name does not resolve'
        : code === 'ECONNREFUSED'
          ? 'Nothing is listening at this address'
          : 'The connection to the server broke';
    return failure('unreachable', `${what}${code ? ` (${code})` : ''}: the server is down or restarting.`, code);
  }
  if (err.name === 'ZodError' || err instanceof SyntaxError) {
    return failure('protocol', `The answer is not valid MCP JSON-RPC: ${excerpt(err.message, 120)}`);
  }
  return failure('protocol', `Unexpected failure: ${excerpt(err.message)}`, code);
}

/**
 * A JSON-RPC error answer to our own request: the server is alive but rejects what we asked. (The v2
 * transport hands an error body whose id matches our request to the client as this, without its status.)
 */
function classifyProtocolError(err: ProtocolError, ctx: ClassifyContext): Failure {
  if (err.code === UNSUPPORTED_PROTOCOL_VERSION) return eraMismatch({}, ` ("${excerpt(err.message)}")`, err.data);
  if (ctx.holdingSession && /session not found|no valid session/i.test(err.message)) {
    return failure(
      'unknown-session',
      `The server no longer knows this session ("${excerpt(err.message)}"): it probably restarted.`,
    );
  }
  if (err.code === ProtocolErrorCode.MethodNotFound)
    return failure('unknown-method', `The server has no such method: ${excerpt(err.message)}.`);
  return failure('protocol', `The server answered with an MCP error: ${excerpt(err.message)}`);
}

/**
 * The v2 SDK's local errors. Negotiation wraps the real reason (a refused connection, a -32022)
 * in EraNegotiationFailed with `cause`: classify the cause. Undefined: fall through to the generic rules.
 */
function classifySdkError(err: SdkError, ctx: ClassifyContext): Failure | undefined {
  switch (err.code) {
    case SdkErrorCode.RequestTimeout:
      return failure('timeout', 'The server did not answer in time.');
    case SdkErrorCode.ConnectionClosed:
      return failure('unreachable', 'The connection to the server closed.');
    case SdkErrorCode.MethodNotSupportedByProtocolVersion:
      return failure('era-mismatch', `${excerpt(err.message)}: the era has to be negotiated again.`);
    case SdkErrorCode.EraNegotiationFailed: {
      const cause = err.cause;
      if (cause instanceof Error) return classifyError(cause, ctx);
      return failure('era-mismatch', `The server and this client share no protocol revision: ${excerpt(err.message)}.`);
    }
    case SdkErrorCode.InvalidResult:
      return failure('protocol', `The answer is not valid MCP: ${excerpt(err.message, 120)}`);
    default:
      return undefined;
  }
}
