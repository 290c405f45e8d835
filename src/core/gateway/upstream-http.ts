// HTTP exchanges with the upstream MCP server: one POST per message, SSE or JSON answers relayed
// message by message as they arrive (never buffered whole), and a precise account of how an
// exchange ended. node:http with a keep-alive agent: one write per request, no web streams.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createParser } from 'eventsource-parser';
import { errorCodeOf, isTransientStatus } from '../classify';
import { errnoCode, fieldOf } from '../narrow';
import type { JSONRPCMessage, JSONRPCRequest, RequestId } from '@modelcontextprotocol/server';
import { asJsonRpcMessage } from './envelope';
import type { CancelSignal } from './request-cancel';

export type UpstreamOutcome =
  /** The answer to our request arrived (requests), or the message was accepted (notifications, responses). */
  | { kind: 'ok'; sessionId?: string }
  /** The server answered with an HTTP error status: the request was not processed. */
  | { kind: 'http'; status: number; body: string; sessionId?: string }
  /** The connection could not be made: the request never reached the server. */
  | { kind: 'not-sent'; error: unknown }
  /** Sent, but the connection broke before the answer: the server may or may not have run it. */
  | { kind: 'broken'; error?: unknown }
  /** A success status whose body is not JSON-RPC (an HTML page, broken JSON, SSE events that are not messages). */
  | { kind: 'not-mcp'; status: number; contentType: string; body: string };

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const MAX_ERROR_BODY = 16 * 1024;

/**
 * Idle kept-alive connections are closed after this long: before the server closes them (uvicorn and
 * Node both close theirs after 5 s), so a request seldom goes out on a connection the server is closing.
 * The agent also honours a shorter `Keep-Alive: timeout=N` hint from the server.
 */
export const IDLE_SOCKET_MS = 2_000;
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 1000, timeout: IDLE_SOCKET_MS });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 1000, timeout: IDLE_SOCKET_MS });

/**
 * Whether the upstream has answered since it last broke. After a break nothing that must not run
 * twice is sent until a safe round trip (initialize, ping) has succeeded: a server that is still
 * starting (or Docker's port proxy in front of a stopped container) accepts connections and drops them.
 */
export class UpstreamHealth {
  private answering = true;
  private brokeAt = 0;
  /** Since the last break, until the writes held meanwhile are through: they go one at a time. */
  private recovering = false;
  private waiting = 0;
  /** How often it broke: a 2026-07-28 link re-probes (server/discover) after each break. */
  breaks = 0;
  private tail: Promise<unknown> = Promise.resolve();

  get verified(): boolean {
    return this.answering;
  }

  /** Called when the upstream stops answering (once per break, not per failed exchange): the incident journal's first failure. */
  onBroke?: () => void;

  /** Known from elsewhere (a Docker restart signal): the upstream is going away. */
  broke(): void {
    const was = this.answering;
    this.answering = false;
    if (was) this.onBroke?.();
    this.breaks++;
    this.recovering = true;
    this.brokeAt = Date.now();
  }

  /**
   * Sends a request that must not run twice. After a break the writes held meanwhile are released
   * one at a time, so the next restart can catch at most one of them in flight. When the upstream
   * broke again while one waited its turn, it is not sent (`not-sent`: the caller holds and retries).
   */
  async sendOnce(send: () => Promise<UpstreamOutcome>): Promise<UpstreamOutcome> {
    if (!this.recovering) return send();
    this.waiting++;
    const turn = this.tail.then(async (): Promise<UpstreamOutcome> => {
      if (!this.answering) return { kind: 'not-sent', error: new Error('the upstream broke again') };
      const outcome = await send();
      if (outcome.kind === 'ok' && this.waiting === 1) this.recovering = false;
      return outcome;
    });
    this.tail = turn.catch(() => undefined);
    try {
      return await turn;
    } finally {
      this.waiting--;
    }
  }

  /** How an exchange that started at `startedAt` ended. An answer from before the break proves nothing. */
  record(outcome: UpstreamOutcome, startedAt: number): void {
    const answered =
      outcome.kind === 'ok' ||
      outcome.kind === 'not-mcp' ||
      (outcome.kind === 'http' && !isTransientStatus(outcome.status));
    if (!answered) this.broke();
    else if (startedAt >= this.brokeAt) this.answering = true;
  }
}

export { isTransientStatus };

/**
 * A reset (RST) the peer sent before any byte of the answer: it closed the connection with our
 * request still unread, so it never ran it. (A server that read the request and then died closes
 * with a FIN, which node reports as "socket hang up": that request may have run.)
 */
function isUnreadReset(error: unknown): boolean {
  const code = errnoCode(error);
  const syscall = fieldOf(error, 'syscall');
  return (code === 'ECONNRESET' || code === 'EPIPE') && (syscall === 'read' || syscall === 'write');
}

/** JSON text → validated JSON-RPC messages (as the SDK's schema reads them, see ./envelope; anything else is dropped). */
export function parseMessages(text: string): JSONRPCMessage[] {
  const raw: unknown = JSON.parse(text);
  const list = Array.isArray(raw) ? raw : [raw];
  const out: JSONRPCMessage[] = [];
  for (const item of list) {
    const message = asJsonRpcMessage(item);
    if (message) out.push(message);
  }
  return out;
}

/**
 * Whether a message that passed the JSONRPCMessage schema is a request (it has a method and an id). The
 * hot path's test: the SDK's isJSONRPCRequest runs the zod schema over the whole message again.
 */
export function isRequestMessage(message: JSONRPCMessage): message is JSONRPCRequest {
  return 'method' in message && 'id' in message;
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
  signal?: CancelSignal;
  /** Records how the exchange ended (GET streams, which end by design, pass none). */
  health?: UpstreamHealth;
  /**
   * Never reuse a kept-alive connection: for requests that must not run twice, so a connection
   * the server is just closing cannot make their fate unknown.
   */
  freshConnection?: boolean;
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
async function exchange(opts: ExchangeOptions, ex: Exchange): Promise<UpstreamOutcome> {
  const startedAt = Date.now();
  let outcome = await exchangeOnce(opts, ex, opts.freshConnection === true);
  if (outcome.kind === 'stale') {
    // The kept-alive connection broke before any byte of the answer. Either the server had closed
    // it (the request never arrived) or the server died: a fresh connection tells which.
    const retry = await exchangeOnce(opts, ex, true);
    const original: UpstreamOutcome = isUnreadReset(outcome.error)
      ? { kind: 'not-sent', error: outcome.error }
      : { kind: 'broken', error: outcome.error };
    outcome = retry.kind === 'not-sent' || retry.kind === 'stale' ? original : retry;
  }
  // Ended by our own abort (a timeout, the client gave up): says nothing about the upstream.
  if (!opts.signal?.aborted) opts.health?.record(outcome, startedAt);
  return outcome;
}

/** Upstream URLs parsed once: every request goes to one of the same few. */
const parsedUrls = new Map<string, URL | Error>();

function parsedUrl(text: string): URL | Error {
  let url = parsedUrls.get(text);
  if (url === undefined) {
    try {
      url = new URL(text);
    } catch (error) {
      url = error instanceof Error ? error : new Error(String(error));
    }
    if (parsedUrls.size >= 64) parsedUrls.clear();
    parsedUrls.set(text, url);
  }
  return url;
}

type AttemptOutcome = UpstreamOutcome | { kind: 'stale'; error: unknown };

function exchangeOnce(opts: ExchangeOptions, ex: Exchange, fresh: boolean): Promise<AttemptOutcome> {
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    const finish = (o: AttemptOutcome): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(o);
    };
    const url = parsedUrl(opts.url);
    if (url instanceof Error) return finish({ kind: 'not-sent', error: url });
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
      // agent false: a connection of its own, closed after the answer.
      agent: fresh ? false : https ? httpsAgent : httpAgent,
    });
    const onAbort = (): void => {
      req.destroy();
      finish({ kind: 'broken' });
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error) => {
      const code = errorCodeOf(error);
      if (responded) return finish({ kind: 'broken', error });
      if (code && NOT_SENT_CODES.has(code)) return finish({ kind: 'not-sent', error });
      if (req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) return finish({ kind: 'stale', error });
      finish(isUnreadReset(error) ? { kind: 'not-sent', error } : { kind: 'broken', error });
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

function handleResponse(
  res: IncomingMessage,
  opts: ExchangeOptions,
  ex: Exchange,
  finish: (o: UpstreamOutcome) => void,
): void {
  const status = res.statusCode ?? 0;
  const header = res.headers['mcp-session-id'];
  const sessionId = typeof header === 'string' ? header : undefined;
  if (status < 200 || status >= 300) {
    res.setEncoding('utf8');
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
  /** The start of what came back that is not JSON-RPC (kept to say so). */
  let junk: string | undefined;
  const relay = (m: JSONRPCMessage): void => {
    if (isResponseTo(m, ex.answerId)) answered = true;
    opts.onMessage(m, sessionId);
  };
  const type = String(res.headers['content-type'] ?? '');
  const ended = (error?: unknown): void => {
    if (answered) return finish({ kind: 'ok', sessionId });
    finish(junk !== undefined ? { kind: 'not-mcp', status, contentType: type, body: junk } : { kind: 'broken', error });
  };
  if (type.includes('text/event-stream')) {
    const parser = createParser({
      onEvent: (event) => {
        if ((event.event && event.event !== 'message') || !event.data) return; // priming events carry no data
        let messages: JSONRPCMessage[];
        try {
          messages = parseMessages(event.data);
        } catch {
          junk ??= event.data.slice(0, MAX_ERROR_BODY);
          return; // not JSON: ignored, like the SDK does
        }
        if (!messages.length) junk ??= event.data.slice(0, MAX_ERROR_BODY);
        for (const m of messages) relay(m);
        if (answered) ended();
      },
    });
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => parser.feed(chunk));
  } else {
    // Bytes kept and decoded once at the end (no string decoder per response: the hot path's answers are whole JSON bodies).
    const chunks: Buffer[] = [];
    res.on('data', (d: Buffer) => {
      chunks.push(d);
    });
    res.on('end', () => {
      const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8');
      try {
        const messages = parseMessages(text);
        if (!messages.length) junk = text.slice(0, MAX_ERROR_BODY);
        for (const m of messages) relay(m);
      } catch {
        junk = text.slice(0, MAX_ERROR_BODY); // not JSON: no answer
      }
      // A whole body that answers nothing is what a non-MCP server sends (an HTML page): `not-mcp`,
      // a final answer, not a broken connection to resend into.
      ended();
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
    answerId: isRequestMessage(opts.message) ? opts.message.id : undefined,
  });
}

/** Opens the standalone GET stream upstream and relays it until it ends (outcome `broken`). Never rejects. */
export function getUpstream(opts: ExchangeOptions): Promise<UpstreamOutcome> {
  return exchange(opts, { method: 'GET' });
}
