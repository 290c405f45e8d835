// HTTP exchanges with the upstream MCP server: one POST per message, SSE or JSON answers relayed
// message by message as they arrive (never buffered whole), and a precise account of how an
// exchange ended. node:http with a keep-alive agent: one write per request, no web streams.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createParser } from 'eventsource-parser';
import { errorCodeOf } from '../classify';
import {
  JSONRPCMessageSchema,
  isJSONRPCRequest,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';

export type UpstreamOutcome =
  /** The answer to our request arrived (requests), or the message was accepted (notifications, responses). */
  | { kind: 'ok'; sessionId?: string }
  /** The server answered with an HTTP error status: the request was not processed. */
  | { kind: 'http'; status: number; body: string; sessionId?: string }
  /** The connection could not be made: the request never reached the server. */
  | { kind: 'not-sent'; error: unknown }
  /** Sent, but the connection broke before the answer: the server may or may not have run it. */
  | { kind: 'broken'; error?: unknown };

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const MAX_ERROR_BODY = 16 * 1024;

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 1000 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 1000 });

/** JSON text → validated JSON-RPC messages (the SDK's schema; anything else is dropped). */
export function parseMessages(text: string): JSONRPCMessage[] {
  const raw: unknown = JSON.parse(text);
  const list = Array.isArray(raw) ? raw : [raw];
  const out: JSONRPCMessage[] = [];
  for (const item of list) {
    const parsed = JSONRPCMessageSchema.safeParse(item);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

function isResponseTo(message: JSONRPCMessage, id: RequestId | undefined): boolean {
  // Only called with messages that passed JSONRPCMessageSchema.
  return id !== undefined && 'id' in message && message.id === id && ('result' in message || 'error' in message);
}

export interface ExchangeOptions {
  url: string;
  headers: Record<string, string>;
  /** Each message as it arrives, with the upstream session id from the response headers. */
  onMessage: (m: JSONRPCMessage, sessionId: string | undefined) => void;
  signal?: AbortSignal;
}

export interface PostOptions extends ExchangeOptions {
  message: JSONRPCMessage;
}

interface Exchange {
  method: 'POST' | 'GET';
  body?: string;
  /** Request id whose answer ends the exchange (POST of a request). */
  answerId?: RequestId;
}

/** One HTTP exchange; resolves with how it ended. Never rejects. */
function exchange(opts: ExchangeOptions, ex: Exchange): Promise<UpstreamOutcome> {
  return new Promise<UpstreamOutcome>((resolve) => {
    let settled = false;
    const finish = (o: UpstreamOutcome): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(o);
    };
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch (error) {
      return finish({ kind: 'not-sent', error });
    }
    const https = url.protocol === 'https:';
    const headers: Record<string, string | number> = { ...opts.headers };
    if (ex.method === 'POST') {
      headers['content-type'] = 'application/json';
      headers.accept = 'application/json, text/event-stream';
      headers['content-length'] = Buffer.byteLength(ex.body ?? '');
    } else {
      headers.accept = 'text/event-stream';
    }
    let responded = false;
    const req = (https ? httpsRequest : httpRequest)({
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || (https ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: ex.method,
      headers,
      agent: https ? httpsAgent : httpAgent,
    });
    const onAbort = (): void => {
      req.destroy();
      finish({ kind: 'broken' });
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error) => {
      const code = errorCodeOf(error);
      finish(!responded && code && NOT_SENT_CODES.has(code) ? { kind: 'not-sent', error } : { kind: 'broken', error });
    });
    req.on('response', (res) => {
      responded = true;
      handleResponse(res, opts, ex, (o) => {
        finish(o);
        // Answered: let the rest drain so the connection is reused; a stream left open is dropped.
        if (!res.complete && !res.destroyed) {
          res.resume();
          setTimeout(() => {
            if (!res.complete) res.destroy();
          }, 2000).unref();
        }
      });
    });
    req.end(ex.body);
  });
}

function handleResponse(res: IncomingMessage, opts: ExchangeOptions, ex: Exchange, finish: (o: UpstreamOutcome) => void): void {
  const status = res.statusCode ?? 0;
  const header = res.headers['mcp-session-id'];
  const sessionId = typeof header === 'string' ? header : undefined;
  res.setEncoding('utf8');
  if (status < 200 || status >= 300) {
    let body = '';
    res.on('data', (d: string) => {
      if (body.length < MAX_ERROR_BODY) body += d;
    });
    res.on('end', () => finish({ kind: 'http', status, body, sessionId }));
    res.on('error', () => finish({ kind: 'http', status, body, sessionId }));
    res.on('close', () => finish({ kind: 'http', status, body, sessionId }));
    return;
  }
  if (ex.method === 'POST' && (ex.answerId === undefined || status === 202)) {
    res.resume();
    finish({ kind: 'ok', sessionId });
    return;
  }
  let answered = false;
  const relay = (m: JSONRPCMessage): void => {
    if (isResponseTo(m, ex.answerId)) answered = true;
    opts.onMessage(m, sessionId);
  };
  const ended = (error?: unknown): void => finish(answered ? { kind: 'ok', sessionId } : { kind: 'broken', error });
  const type = String(res.headers['content-type'] ?? '');
  if (type.includes('text/event-stream')) {
    const parser = createParser({
      onEvent: (event) => {
        if ((event.event && event.event !== 'message') || !event.data) return; // priming events carry no data
        let messages: JSONRPCMessage[];
        try {
          messages = parseMessages(event.data);
        } catch {
          return; // not JSON: ignored, like the SDK does
        }
        for (const m of messages) relay(m);
        if (answered) ended();
      },
    });
    res.on('data', (chunk: string) => parser.feed(chunk));
  } else {
    let text = '';
    res.on('data', (d: string) => {
      text += d;
    });
    res.on('end', () => {
      try {
        for (const m of parseMessages(text)) relay(m);
      } catch {
        /* not JSON: no answer */
      }
      // A whole body that answers nothing is what a non-MCP server sends (an HTML page): a final
      // answer, not a broken connection to resend into.
      if (!answered) finish({ kind: 'http', status, body: text.slice(0, MAX_ERROR_BODY), sessionId });
      else ended();
    });
  }
  res.on('error', (e) => ended(e));
  res.on('close', () => ended());
}

/** POSTs one message upstream and relays everything that comes back. Never rejects. */
export function postUpstream(opts: PostOptions): Promise<UpstreamOutcome> {
  return exchange(opts, {
    method: 'POST',
    body: JSON.stringify(opts.message),
    answerId: isJSONRPCRequest(opts.message) ? opts.message.id : undefined,
  });
}

/** Opens the standalone GET stream upstream and relays it until it ends (outcome `broken`). Never rejects. */
export function getUpstream(opts: ExchangeOptions): Promise<UpstreamOutcome> {
  return exchange(opts, { method: 'GET' });
}
