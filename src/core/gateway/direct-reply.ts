// The 2025 hot path: a POST that carries one request in an established session is answered on the
// Node response directly, not through the SDK's web-standard transport (a web Request, Response and
// ReadableStream per call, behind the hono adapter: a third of the gateway's CPU per call, see
// docs/sdk-v2-gaps.md). Only requests the SDK transport would accept as they are take this path;
// everything else (initialize, batches, notifications, GET, DELETE, every error) is the SDK's.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JSONRPCMessage, JSONRPCRequest } from '@modelcontextprotocol/server';
import { isRecord } from '../narrow';
import { SUPPORTED_PROTOCOL_VERSIONS, asSpecType, isJsonContentType } from './spec';

/**
 * The request in `parsed` when the SDK transport would take it without a word: POST accepting JSON
 * and SSE, a JSON body holding one JSON-RPC request (not initialize), this session's id, and a
 * supported protocol version (or none). Undefined sends it down the SDK's path.
 */
export function directRequest(
  req: IncomingMessage,
  sessionId: string | undefined,
  parsed: unknown,
): JSONRPCRequest | undefined {
  if (sessionId === undefined || req.headers['mcp-session-id'] !== sessionId) return undefined;
  const accept = req.headers.accept;
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
  const type = req.headers['content-type'];
  if (!type || !isJsonContentType(type)) return undefined;
  const version = req.headers['mcp-protocol-version'];
  if (version !== undefined && (typeof version !== 'string' || !SUPPORTED_PROTOCOL_VERSIONS.includes(version)))
    return undefined;
  if (!isRecord(parsed) || parsed.method === 'initialize') return undefined;
  return asSpecType('JSONRPCRequest', parsed);
}

/** After this long without an answer, the reply commits to an SSE stream (headers go out at once). */
const STREAM_AFTER_MS = 2_000;

/**
 * The answer to one direct request. An answer that comes first goes back as one JSON body (one
 * write, as the spec allows); anything before it (progress, logs, a server request) turns the reply
 * into an SSE stream, as the SDK transport would have sent it.
 */
export class DirectReply {
  private streaming = false;
  private ended = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    private readonly sessionId: string,
  ) {
    // A long hold (a restart) should not leave a client waiting for headers it may time out on.
    this.timer = setTimeout(() => this.openStream(), STREAM_AFTER_MS);
    this.timer.unref();
  }

  get finished(): boolean {
    return this.ended;
  }

  /** One message for the client; `final` when it answers the request (the reply ends with it). */
  send(message: JSONRPCMessage, final: boolean): void {
    if (this.ended || this.res.destroyed) return;
    const text = JSON.stringify(message);
    if (final && !this.streaming) {
      this.finish();
      this.res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'mcp-session-id': this.sessionId,
      });
      this.res.end(text);
      return;
    }
    this.openStream();
    const event = `event: message\ndata: ${text}\n\n`;
    if (!final) {
      this.res.write(event);
      return;
    }
    this.finish();
    this.res.end(event);
  }

  /** No answer will come (the request was cancelled, or the gateway stops): end the reply empty. */
  abandon(): void {
    if (this.ended) return;
    if (!this.res.destroyed) {
      this.openStream();
      this.res.end();
    }
    this.finish();
  }

  private openStream(): void {
    if (this.streaming || this.ended || this.res.destroyed) return;
    this.streaming = true;
    this.res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'mcp-session-id': this.sessionId,
    });
    this.res.flushHeaders();
  }

  private finish(): void {
    this.ended = true;
    clearTimeout(this.timer);
  }
}
