// The 2026-07-28 hot path: an established client's plain request (tools/call, tools/list, ...) is
// forwarded through the shared session and answered on the Node response directly, not through the
// SDK's per-request handler (a Server per request, connected, classified again and closed, behind web
// Request/Response objects: docs/sdk-v2-gaps.md, gap 5). Only requests the handler would hand to its
// fallback handler as they are take this path; everything else (discover, listen, every rejection of
// the validation ladder, retries with input responses) stays the SDK's. What the handler does to an
// answer a client can see is mirrored here and proven equal, request by request, by
// test/gateway/modern-fast-path.test.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
  type Implementation,
  type JSONRPCNotification,
  type ServerCapabilities,
} from '@modelcontextprotocol/server';
import { modernHeaders } from '../era-headers';

const MODERN = '2026-07-28';

/** Methods the handler only forwards (no handler of its own, no capability it requires of the client). */
const FORWARDED = new Set([
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'completion/complete',
]);

/** The envelope keys the SDK lifts out of `_meta` (its RESERVED_ENVELOPE_META_KEYS, in order). */
const ENVELOPE = [
  PROTOCOL_VERSION_META_KEY,
  CLIENT_INFO_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
] as const;

/** One request the fast path may answer. */
export interface FastRequest {
  id: string | number;
  method: string;
  params: Record<string, unknown>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An envelope's identity: what the SDK's envelope check reads (present keys, their values). A present
 * value is wrapped so that it never equals an absent one.
 */
export function envelopeKey(meta: Record<string, unknown>): string {
  return JSON.stringify(ENVELOPE.map((k) => (Object.hasOwn(meta, k) ? [meta[k]] : 0)));
}

/**
 * Envelopes the SDK's handler accepted (it called the gateway's forward for them). A client sends the
 * same envelope on every request: its first request goes the SDK's way, the rest may take the fast
 * path. Bounded: emptied when full (clients then go the SDK's way once more).
 */
export class AcceptedEnvelopes {
  private readonly keys = new Set<string>();
  constructor(private readonly max = 256) {}
  add(meta: Record<string, unknown> | undefined): void {
    if (!meta) return;
    if (this.keys.size >= this.max) this.keys.clear();
    this.keys.add(envelopeKey(meta));
  }
  has(meta: Record<string, unknown>): boolean {
    return this.keys.has(envelopeKey(meta));
  }
}

/**
 * The request in `body` when the SDK's handler would pass it to the fallback handler untouched: one
 * JSON-RPC request of a forwarded method, the standard headers exactly as the spec spells them, an
 * envelope the handler accepted before, no multi-round-trip retry fields, no session header. Such a
 * request is one the SDK's classifier calls modern (a JSON-RPC request with a valid envelope claim and
 * matching headers), so it skips the classifier too. Undefined: the SDK's path.
 */
export function fastRequest(req: IncomingMessage, body: unknown, accepted: AcceptedEnvelopes): FastRequest | undefined {
  if (!isPlainObject(body) || body.jsonrpc !== '2.0') return undefined;
  const { id, method, params } = body;
  if (
    !(typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id))) ||
    typeof method !== 'string' ||
    !FORWARDED.has(method)
  )
    return undefined;
  if (!isPlainObject(params) || 'inputResponses' in params || 'requestState' in params) return undefined;
  const meta = params._meta;
  if (!isPlainObject(meta) || meta[PROTOCOL_VERSION_META_KEY] !== MODERN || !accepted.has(meta)) return undefined;
  const token = meta.progressToken;
  if (token !== undefined && typeof token !== 'string' && !Number.isSafeInteger(token)) return undefined;
  const request = { id, method, params };
  const expected = modernHeaders({ jsonrpc: '2.0', ...request });
  const h = req.headers;
  if (req.method !== 'POST' || h['mcp-session-id'] !== undefined || h['mcp-protocol-version'] !== MODERN)
    return undefined;
  // The headers exactly as the spec spells them (no whitespace to strip, the name for the methods that carry one).
  if (
    h['mcp-method'] !== expected['mcp-method'] ||
    h['mcp-name'] !== expected['mcp-name'] ||
    (NAMED.has(method) && expected['mcp-name'] === undefined)
  )
    return undefined;
  return request;
}

/** Methods whose Mcp-Name header is required (era-headers.ts's name sources among FORWARDED). */
const NAMED = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** Results that carry cache fields on 2026-07-28 (the SDK's CACHEABLE_RESULT_METHODS). */
const CACHEABLE = new Set([
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'server/discover',
]);
/** Methods whose results may be other than `complete` (the SDK's EXTENDED_RESULT_TYPE_METHODS). */
const EXTENDED_RESULT_TYPES = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** A result the handler could not encode: it answers an internal error instead (in-band, HTTP 200). */
export class EncodeRefused extends Error {}

/**
 * A forwarded result as the SDK's 2026-07-28 codec encodes it (encodeResult): deleted fields dropped
 * (a tool's `execution`, a `tasks` capability), `resultType` stamped, cache fields filled on cacheable
 * results, the server's identity stamped in `_meta`.
 */
export function encodeResult(
  method: string,
  result: Record<string, unknown>,
  serverInfo: Implementation,
): Record<string, unknown> {
  let r = result;
  const tools = r.tools;
  if (method === 'tools/list' && Array.isArray(tools) && tools.some((t) => isPlainObject(t) && 'execution' in t)) {
    r = { ...r, tools: tools.map((t) => (isPlainObject(t) && 'execution' in t ? withoutKey(t, 'execution') : t)) };
  }
  if (isPlainObject(r.capabilities) && 'tasks' in r.capabilities)
    r = { ...r, capabilities: withoutKey(r.capabilities, 'tasks') };
  const provided = r.resultType;
  if (provided === undefined) r = { ...r, resultType: 'complete' };
  else if (provided !== 'complete' && !EXTENDED_RESULT_TYPES.has(method))
    throw new EncodeRefused(`resultType ${String(provided)} on ${method}`);
  if (r.resultType === 'complete' && CACHEABLE.has(method)) {
    const ttlMs = typeof r.ttlMs === 'number' && Number.isSafeInteger(r.ttlMs) && r.ttlMs >= 0 ? r.ttlMs : 0;
    const cacheScope = r.cacheScope === 'public' || r.cacheScope === 'private' ? r.cacheScope : 'private';
    r = { ...r, ttlMs, cacheScope };
  }
  const meta = r._meta;
  if (meta === undefined) return { ...r, _meta: { [SERVER_INFO_META_KEY]: serverInfo } };
  if (!isPlainObject(meta) || meta[SERVER_INFO_META_KEY] !== undefined) return r;
  return { ...r, _meta: { ...meta, [SERVER_INFO_META_KEY]: serverInfo } };
}

function withoutKey(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...o };
  delete copy[key];
  return copy;
}

/** The error code on the 2026-07-28 wire (the codec's encodeErrorCode: -32002 became -32602). */
export const wireErrorCode = (code: number): number => (code === -32002 ? -32602 : code);

/** The one error a handler produces that still has an HTTP status of its own (MissingRequiredClientCapability). */
const MISSING_CLIENT_CAPABILITY = -32021;

/**
 * Whether the server instance would send a related notification (its assertNotificationCapability):
 * a notification that needs a capability the upstream did not declare is dropped.
 */
export function relays(n: JSONRPCNotification, capabilities: ServerCapabilities): boolean {
  switch (n.method) {
    case 'notifications/message':
      return !!capabilities.logging;
    case 'notifications/resources/updated':
    case 'notifications/resources/list_changed':
      return !!capabilities.resources;
    case 'notifications/tools/list_changed':
      return !!capabilities.tools;
    case 'notifications/prompts/list_changed':
      return !!capabilities.prompts;
    case 'notifications/elicitation/complete':
      return false; // the per-request server has no client capabilities for URL elicitation to go by
    default:
      return true;
  }
}

const KEEP_ALIVE_MS = 15_000;

/**
 * The answer to one fast request, as the SDK's per-request transport shapes it: the answer alone is
 * one JSON body (HTTP 200, the error codes' in-band status); a related message before it turns the
 * reply into an SSE stream (with the transport's keep-alive comments) that ends with the answer.
 */
export class ModernReply {
  private sse = false;
  private ended = false;
  private keepAlive: NodeJS.Timeout | undefined;

  constructor(private readonly res: ServerResponse) {}

  get finished(): boolean {
    return this.ended;
  }

  notify(message: JSONRPCNotification): void {
    if (this.ended || this.res.destroyed) return;
    this.openStream();
    this.res.write(frame(Object.assign({ jsonrpc: '2.0' }, message)));
  }

  result(id: string | number, result: Record<string, unknown>): void {
    this.answer({ result, jsonrpc: '2.0', id }, 200);
  }

  error(id: string | number, code: number, message: string, data?: unknown): void {
    const wire = wireErrorCode(code);
    this.answer(
      { jsonrpc: '2.0', id, error: { code: wire, message, ...(data !== undefined ? { data } : {}) } },
      wire === MISSING_CLIENT_CAPABILITY ? 400 : 200,
    );
  }

  /** No answer will come (the client went away): end what is open. */
  abandon(): void {
    if (this.ended) return;
    this.finish();
    if (!this.res.destroyed) this.res.end();
  }

  private answer(message: object, status: number): void {
    if (this.ended || this.res.destroyed) return this.finish();
    if (this.sse) {
      this.finish();
      this.res.end(frame(message));
      return;
    }
    this.finish();
    const text = JSON.stringify(message);
    this.res
      .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
      .end(text);
  }

  private openStream(): void {
    if (this.sse) return;
    this.sse = true;
    this.res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.res.flushHeaders();
    this.keepAlive = setInterval(() => {
      if (!this.ended && !this.res.destroyed) this.res.write(': keepalive\n\n');
    }, KEEP_ALIVE_MS);
    this.keepAlive.unref();
  }

  private finish(): void {
    this.ended = true;
    clearInterval(this.keepAlive);
  }
}

const frame = (message: object): string => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
