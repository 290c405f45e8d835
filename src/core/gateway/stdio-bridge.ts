// The stdio bridge: one client speaks MCP over stdin/stdout, and the gateway's own ClientSession
// heals it against a Streamable HTTP upstream (re-initialize on session loss, hold while down,
// never repeat a write). No HTTP hop inside: the session is given the SDK's stdio transport.
import { randomUUID } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { JSONRPCMessage, RequestId, Transport } from '@modelcontextprotocol/server';
import { errorMessage, fieldOf } from '../narrow';
import { ServerEndpoint } from './endpoint';
import {
  STDIO_DEFAULT_MAX_BUFFER_SIZE,
  isInitializeRequest,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  serverSdk,
} from './spec';
import { ClientSession } from './session';
import { MAX_JSON_DEPTH, TOO_DEEP_MESSAGE_MESSAGE, valueDeeperThan } from './json-depth';
import { GatewaySessionStore } from './store';
import {
  DEFAULTS,
  slugify,
  type GatewayEvent,
  type GatewayLogger,
  type GatewayUpstream,
  type ServerGatewayStats,
} from './gateway-api';

export interface StdioBridgeOptions {
  upstream: GatewayUpstream;
  /** Where the client's messages arrive and where ours go (process.stdin / process.stdout). */
  input: Readable;
  output: Writable;
  holdTimeoutMs?: number;
  /** How long an answer may take once the request is sent upstream (default 120 s). */
  responseTimeoutMs?: number;
  logger: GatewayLogger;
}

/** Why the bridge ended. */
export type StdioBridgeEnd =
  /** The client closed stdin: the normal end. */
  | { kind: 'client-closed' }
  /** The client's initialize got an answer no MCP server gives: nothing can be healed. */
  | { kind: 'upstream-not-mcp'; message: string }
  /** stop() was called (a signal). */
  | { kind: 'stopped' };

export interface StdioBridge {
  readonly slug: string;
  stats(): ServerGatewayStats;
  onEvent(listener: (event: GatewayEvent) => void): () => void;
  /** A Docker restart signal (watchUpstreamContainer): hold instead of failing. */
  notifyUpstreamRestarting(slug: string, forMs?: number): void;
  /** Resolves once, when the bridge has ended and its last answers are written. */
  readonly ended: Promise<StdioBridgeEnd>;
  stop(): Promise<void>;
}

/** After stdin closes, requests still running get this long past the hold timeout to be answered. */
const DRAIN_GRACE_MS = 5_000;
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;

/** Calls `bad` for each complete stdin line that is not JSON, reading alongside the transport. */
function watchForNonJsonLines(input: Readable, bad: (err: SyntaxError) => void): void {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  input.on('data', (chunk: Buffer | string) => {
    const lines = (partial + (typeof chunk === 'string' ? chunk : decoder.write(chunk))).split('\n');
    partial = lines.pop() ?? '';
    // An over-long line is the transport's to refuse (it stops reading): do not hold it twice.
    if (partial.length > STDIO_DEFAULT_MAX_BUFFER_SIZE) partial = '';
    for (const raw of lines) {
      // Like v1's transport: every line is a message, so a blank one is not JSON either.
      const line = raw.replace(/\r$/, '');
      try {
        JSON.parse(line);
      } catch (e) {
        if (e instanceof SyntaxError) bad(e);
      }
    }
  });
}

export async function startStdioBridge(opts: StdioBridgeOptions): Promise<StdioBridge> {
  const holdTimeoutMs = opts.holdTimeoutMs ?? DEFAULTS.holdTimeoutMs;
  const listeners = new Set<(e: GatewayEvent) => void>();
  const slug = slugify(opts.upstream.slug ?? opts.upstream.name);
  // No state dir: the client's process lifetime is the session's, and the gateway's file is not ours to rewrite.
  const store = new GatewaySessionStore(undefined, DEFAULTS.sessionTtlMs, (m) => opts.logger.warn(m));
  const endpoint = new ServerEndpoint(opts.upstream, slug, {
    holdTimeoutMs,
    responseTimeoutMs: opts.responseTimeoutMs ?? DEFAULTS.responseTimeoutMs,
    maxBodyBytes: DEFAULTS.maxBodyBytes,
    logger: opts.logger,
    store,
    // Only HTTP clients are told a URL (legacy SSE answers); a stdio client has none.
    url: () => 'stdio',
    emit: (e) => {
      for (const l of listeners) l(e);
    },
    changed: () => undefined,
  });
  const transport: Transport = new (serverSdk().StdioServerTransport)(opts.input, opts.output);
  let initialized: ((id: string) => void) | undefined;
  const session = new ClientSession(endpoint, undefined, (hooks) => {
    initialized = hooks.initialized;
    return transport;
  });
  initialized?.(randomUUID());

  let finish!: (end: StdioBridgeEnd) => void;
  let finished = false;
  const ended = new Promise<StdioBridgeEnd>((resolve) => {
    finish = (end) => {
      if (finished) return;
      finished = true;
      resolve(end);
    };
  });

  // Watch the exchange without changing it: the client's initialize, and how it was answered.
  const initializeIds = new Set<RequestId>();
  const deliver = transport.onmessage;
  transport.onmessage = (message: JSONRPCMessage, extra) => {
    if (valueDeeperThan(message, MAX_JSON_DEPTH)) return refuseTooDeep(message);
    if (isJSONRPCRequest(message) && isInitializeRequest(message)) initializeIds.add(message.id);
    deliver?.(message, extra);
  };
  const send = transport.send.bind(transport);
  let relaying = false;
  transport.send = async (message, options) => {
    await send(message, options);
    // Initialized: server-initiated messages (list changes, resource updates) come on the upstream's
    // GET stream, relayed to stdout for as long as stdin is open.
    if (!relaying && isJSONRPCResultResponse(message) && initializeIds.has(message.id)) {
      relaying = true;
      session.relayServerStream(opts.input);
    }
    if (isJSONRPCErrorResponse(message) && message.id !== undefined && initializeIds.has(message.id)) {
      const reason = fieldOf(message.error.data, 'reason');
      if (reason === 'protocol' || reason === 'not-mcp')
        finish({ kind: 'upstream-not-mcp', message: message.error.message });
    }
  };
  // An error answer. JSON-RPC answers a message whose id cannot be read with id null, which the SDK's
  // message type cannot carry: that one is written as the transport writes (one JSON line), until it closes.
  let transportClosed = false;
  const onclose = transport.onclose;
  transport.onclose = () => {
    transportClosed = true;
    onclose?.();
  };
  const answerError = (id: RequestId | null, error: { code: number; message: string }): void => {
    if (id !== null) send({ jsonrpc: '2.0', id, error }).catch(() => undefined);
    else if (!transportClosed) opts.output.write(`${JSON.stringify({ jsonrpc: '2.0', id: null, error })}\n`);
  };
  // Lines that are not JSON-RPC: say so on stderr, and answer (id null: there is no id to answer).
  const refuse = (invalidJson: boolean, detail: string): void => {
    opts.logger.error(
      `${invalidJson ? 'ignored a line on stdin that is not JSON' : 'ignored a message on stdin that is not a JSON-RPC 2.0 message'}${detail}`,
    );
    const error = invalidJson
      ? { code: PARSE_ERROR, message: 'Parse error: a line on stdin is not JSON' }
      : { code: INVALID_REQUEST, message: 'Invalid Request: not a JSON-RPC 2.0 message' };
    answerError(null, error);
  };
  // Nested deeper than anything after this point can take (it would overflow the stack): answered here.
  const refuseTooDeep = (message: JSONRPCMessage): void => {
    opts.logger.error(`ignored a message on stdin that is ${TOO_DEEP_MESSAGE_MESSAGE.replace(/^.*is /, '')}`);
    const id =
      'id' in message && (typeof message.id === 'string' || typeof message.id === 'number') ? message.id : null;
    answerError(id, { code: INVALID_REQUEST, message: TOO_DEEP_MESSAGE_MESSAGE });
  };
  transport.onerror = (err) =>
    refuse(err instanceof SyntaxError, err instanceof SyntaxError ? `: ${err.message.slice(0, 160)}` : '');
  // The v2 SDK's stdio transport skips lines that are not JSON without a word; we answer them. This
  // listener sees each chunk before the transport does (it is added first), so answers keep their order.
  watchForNonJsonLines(opts.input, (err) => refuse(true, `: ${err.message.slice(0, 160)}`));

  const drainThenFinish = async (): Promise<void> => {
    const until = Date.now() + holdTimeoutMs + DRAIN_GRACE_MS;
    // A ref'd wait: this drain is what the process is waiting for once stdin has closed.
    while (!session.isIdle(Date.now() + 1, 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    finish({ kind: 'client-closed' });
  };
  // The client went away without closing stdin first (EPIPE on our writes): nobody is left to answer.
  opts.output.on('error', (err) => {
    opts.logger.warn(`stdout closed: ${errorMessage(err)}`);
    finish({ kind: 'client-closed' });
  });
  opts.input.once('end', () => void drainThenFinish());
  opts.input.once('close', () => void drainThenFinish());
  await transport.start();

  return {
    slug,
    ended,
    stats: () => endpoint.stats('stdio'),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notifyUpstreamRestarting(_slug, forMs) {
      endpoint.markRestarting(forMs ?? holdTimeoutMs);
    },
    async stop() {
      await endpoint.close();
      finish({ kind: 'stopped' });
    },
  };
}
