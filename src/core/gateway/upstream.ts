// HTTP exchanges with the upstream MCP server: one POST per message, SSE or JSON answers streamed
// message by message (never buffered whole), and a precise account of how an exchange ended.
import { EventSourceParserStream } from 'eventsource-parser/stream';
import {
  JSONRPCMessageSchema,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
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

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function parseMessages(text: string): JSONRPCMessage[] {
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
  return id !== undefined && (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) && message.id === id;
}

/** Reads an SSE body, calling onEvent per JSON-RPC message; stops early when `stop()` returns true. */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onMessage: (m: JSONRPCMessage) => void,
  stop: () => boolean,
): Promise<void> {
  const reader = body.pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
    .pipeThrough(new EventSourceParserStream()).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value.event && value.event !== 'message') continue;
      if (!value.data) continue; // priming events carry no data
      let messages: JSONRPCMessage[];
      try {
        messages = parseMessages(value.data);
      } catch {
        continue; // not JSON: ignore like the SDK does
      }
      for (const m of messages) onMessage(m);
      if (stop()) return;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

export interface PostOptions {
  url: string;
  headers: Record<string, string>;
  message: JSONRPCMessage;
  /** Each message as it arrives, with the upstream session id from the response headers. */
  onMessage: (m: JSONRPCMessage, sessionId: string | undefined) => void;
  signal?: AbortSignal;
}

/** POSTs one message upstream and relays everything that comes back. Never throws. */
export async function postUpstream(opts: PostOptions): Promise<UpstreamOutcome> {
  const id = isJSONRPCRequest(opts.message) ? opts.message.id : undefined;
  let response: Response;
  try {
    response = await fetch(opts.url, {
      method: 'POST',
      headers: { ...opts.headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(opts.message),
      signal: opts.signal,
    });
  } catch (error) {
    const code = errorCode(error);
    return code && NOT_SENT_CODES.has(code) ? { kind: 'not-sent', error } : { kind: 'broken', error };
  }
  const sessionId = response.headers.get('mcp-session-id') ?? undefined;
  if (!response.ok) {
    let body = '';
    try {
      body = await response.text();
    } catch {
      /* the body is only evidence */
    }
    return { kind: 'http', status: response.status, body, sessionId };
  }
  if (id === undefined || response.status === 202) {
    response.body?.cancel().catch(() => undefined);
    return { kind: 'ok', sessionId };
  }
  let answered = false;
  const relay = (m: JSONRPCMessage): void => {
    if (isResponseTo(m, id)) answered = true;
    opts.onMessage(m, sessionId);
  };
  const type = response.headers.get('content-type') ?? '';
  try {
    if (type.includes('text/event-stream') && response.body) {
      await readSse(response.body, relay, () => answered);
    } else {
      for (const m of parseMessages(await response.text())) relay(m);
    }
  } catch (error) {
    if (!answered) return { kind: 'broken', error };
  }
  return answered ? { kind: 'ok', sessionId } : { kind: 'broken' };
}

/** Opens the standalone GET stream upstream and relays it until it ends. Never throws. */
export async function getUpstream(opts: Omit<PostOptions, 'message'>): Promise<UpstreamOutcome> {
  let response: Response;
  try {
    response = await fetch(opts.url, { method: 'GET', headers: { ...opts.headers, accept: 'text/event-stream' }, signal: opts.signal });
  } catch (error) {
    const code = errorCode(error);
    return code && NOT_SENT_CODES.has(code) ? { kind: 'not-sent', error } : { kind: 'broken', error };
  }
  if (!response.ok || !response.body) {
    let body = '';
    try {
      body = await response.text();
    } catch {
      /* evidence only */
    }
    return { kind: 'http', status: response.status, body };
  }
  try {
    await readSse(response.body, (m) => opts.onMessage(m, undefined), () => false);
  } catch (error) {
    return { kind: 'broken', error };
  }
  return { kind: 'broken' };
}
