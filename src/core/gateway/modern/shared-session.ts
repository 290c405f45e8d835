// The one gateway-owned upstream session that modern (2026-07-28) clients share. It is an ordinary
// ClientSession (session.ts) whose client side is an in-process transport instead of HTTP: every
// modern request enters it as a JSON-RPC request with a gateway-unique id, so the session's own
// hold, re-initialize and never-repeat-a-write logic (and its Link) serve modern clients unchanged.
import {
  LATEST_PROTOCOL_VERSION,
  isSpecType,
  type Implementation,
  type JSONRPCMessage,
  type JSONRPCNotification,
  type RequestId,
  type Result,
  type ServerCapabilities,
} from '@modelcontextprotocol/server';
import { fieldOf } from '../../narrow';
import type { ClientTransportFactory } from '../client-transport';
import type { ClientSession, EndpointContext } from '../session';
import type { ClientStream } from '../get-stream';
import { RequestIdMap } from '../request-id-map';

/**
 * Makes the ClientSession (session.ts) over the given client-side transport. Passed in by the endpoint
 * so this lazily loaded bundle does not carry a second copy of the session code.
 */
export type SessionMaker = (
  transport: ClientTransportFactory,
) => Pick<ClientSession, 'relayServerStream' | 'close' | 'link'>;

/** What the upstream said of itself when the shared session was initialized. */
export interface UpstreamIdentity {
  serverInfo: Implementation;
  capabilities: ServerCapabilities;
  instructions?: string;
  /** The 2025 revision the upstream agreed to. */
  protocolVersion: string;
}

/** How one forwarded request ended: the upstream's (or the gateway's) result or error. */
export type SharedAnswer =
  | { kind: 'result'; result: Result }
  | { kind: 'error'; code: number; message: string; data?: unknown };

/** What one forwarded request hears back: its answer once, and before it what the upstream sent about it. */
export interface AnswerHandlers {
  answer(answer: SharedAnswer): void;
  /** Messages the upstream sent while answering (progress, log): relayed to that client's exchange. */
  related?(message: JSONRPCNotification): void;
}

/** A request on its way through the shared session. */
export interface Forwarded {
  /** The client went away: the session cancels it as a 2025 client's cancel does; no answer follows. */
  cancel(): void;
}

/** The upstream could not be reached, or refused the shared session: what a client hears instead of an answer. */
export class UpstreamUnavailable extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'UpstreamUnavailable';
  }
}

/** Send's answer to a transport that answers in-process: nothing to wait for (one promise, not one per message). */
const DELIVERED: Promise<void> = Promise.resolve();

/** The client side of the shared ClientSession: messages in from modern clients, answers out to them. */
class InProcessTransport {
  onmessage?: (message: JSONRPCMessage, extra?: unknown) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  sessionId?: string;

  constructor(private readonly out: (message: JSONRPCMessage, relatedRequestId: RequestId | undefined) => void) {}

  async start(): Promise<void> {}

  send(message: JSONRPCMessage, options?: { relatedRequestId?: RequestId }): Promise<void> {
    this.out(message, options?.relatedRequestId);
    return DELIVERED;
  }

  async close(): Promise<void> {
    this.onclose?.();
  }

  /** A message from a modern client, handed to the session as if it came over the wire. */
  deliver(message: JSONRPCMessage): void {
    this.onmessage?.(message);
  }
}

/** The standing notification stream the shared session keeps open upstream (closed with the front). */
class StandingStream implements ClientStream {
  private listener: (() => void) | undefined;
  once(_event: 'close', listener: () => void): this {
    this.listener = listener;
    return this;
  }
  close(): void {
    const l = this.listener;
    this.listener = undefined;
    l?.();
  }
}

export interface SharedSessionEnv {
  ctx: EndpointContext;
  makeSession: SessionMaker;
  /** A notification the upstream sent on its own (list_changed, resources/updated...). */
  onNotification(message: JSONRPCNotification): void;
  log(level: 'info' | 'warn', message: string): void;
}

let counter = 0;

const NOT_FORWARDED: Forwarded = { cancel: () => undefined };
const CANCELLED: SharedAnswer = {
  kind: 'error',
  code: -32000,
  message: 'Archon MCP Doctor gateway: the client cancelled the request',
};

export class SharedUpstreamSession {
  private readonly transport: InProcessTransport;
  private readonly session: ReturnType<SessionMaker>;
  private readonly pending = new RequestIdMap<AnswerHandlers>();
  private readonly stream = new StandingStream();
  private identity: UpstreamIdentity | undefined;
  /** The initialize result `identity` was read from. */
  private identitySource: unknown;
  private initializing: Promise<UpstreamIdentity> | undefined;
  private closed = false;

  constructor(private readonly env: SharedSessionEnv) {
    this.transport = new InProcessTransport((m, related) => this.fromSession(m, related));
    this.session = env.makeSession(() => this.transport);
  }

  /**
   * The upstream's identity, initializing the shared session first (with the first modern client's
   * info) when that never succeeded. Held like any request while the upstream is down.
   */
  async ready(clientInfo: Implementation | undefined): Promise<UpstreamIdentity> {
    const known = this.known();
    if (known) return known;
    this.initializing ??= this.initialize(clientInfo).finally(() => {
      this.initializing = undefined;
    });
    return this.initializing;
  }

  /** The upstream's identity when the shared session was initialized before (no wait), else undefined. */
  known(): UpstreamIdentity | undefined {
    if (!this.identity) return undefined;
    // After a re-initialize (a restart, maybe an upgrade) the upstream's latest word counts.
    const latest = this.session.link.initializeResult;
    if (latest !== undefined && latest !== this.identitySource) this.identity = this.identityFrom(latest);
    return this.identity;
  }

  private async initialize(clientInfo: Implementation | undefined): Promise<UpstreamIdentity> {
    // The 2026-07-28 revision has no server-to-client requests: the shared session declares no client
    // capabilities, so the upstream never asks it for sampling, elicitation or roots. What modern clients
    // lose by that (and why: their capabilities are per request): docs/sdk-v2-gaps.md, section 6.
    const answer = await this.send('initialize', {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: clientInfo ?? { name: 'archon-mcp-doctor-gateway', version: '0' },
    });
    if (answer.kind === 'error') throw new UpstreamUnavailable(answer.code, answer.message, answer.data);
    this.transport.deliver({ jsonrpc: '2.0', method: 'notifications/initialized' });
    this.identity = this.identityFrom(this.session.link.initializeResult ?? answer.result);
    // The upstream's own notifications (GET stream), relayed for as long as the front lives and
    // reopened (re-initializing when needed) after every restart.
    this.session.relayServerStream(this.stream);
    this.env.log(
      'info',
      `modern clients share one upstream session (${this.identity.serverInfo.name} ${this.identity.serverInfo.version}, ${this.identity.protocolVersion})`,
    );
    return this.identity;
  }

  /** The identity in an initialize result (the upstream's, or the gateway's from its discover: session.ts). */
  private identityFrom(result: unknown): UpstreamIdentity {
    this.identitySource = result;
    const serverInfo = fieldOf(result, 'serverInfo');
    const capabilities = fieldOf(result, 'capabilities');
    const instructions = fieldOf(result, 'instructions');
    const protocolVersion = fieldOf(result, 'protocolVersion');
    return {
      serverInfo: isSpecType.Implementation(serverInfo) ? serverInfo : { name: this.env.ctx.name, version: '0' },
      capabilities: isSpecType.ServerCapabilities(capabilities) ? capabilities : {},
      instructions: typeof instructions === 'string' ? instructions : undefined,
      protocolVersion: typeof protocolVersion === 'string' ? protocolVersion : LATEST_PROTOCOL_VERSION,
    };
  }

  /**
   * Forwards one request through the shared session and resolves with its answer. `signal` (the
   * client went away) cancels it the way a 2025 client's cancel does.
   */
  send(
    method: string,
    params: Record<string, unknown> | undefined,
    opts: { signal?: AbortSignal; related?: (m: JSONRPCNotification) => void } = {},
  ): Promise<SharedAnswer> {
    const { signal } = opts;
    if (signal?.aborted) return Promise.resolve(CANCELLED);
    return new Promise<SharedAnswer>((resolve) => {
      const forwarded = this.forward(method, params, {
        answer: (answer) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(answer);
        },
        related: opts.related,
      });
      function onAbort(): void {
        forwarded.cancel();
        resolve(CANCELLED);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Forwards one request through the shared session; `handlers.answer` hears its answer (at once when
   * the gateway is stopping). The fast path's form of send(): no promise, no abort signal per request.
   */
  forward(method: string, params: Record<string, unknown> | undefined, handlers: AnswerHandlers): Forwarded {
    if (this.closed) {
      handlers.answer({ kind: 'error', code: -32000, message: 'Archon MCP Doctor gateway: the gateway is stopping' });
      return NOT_FORWARDED;
    }
    const id = `archon-mcp-doctor-modern-${++counter}`;
    this.pending.set(id, handlers);
    this.transport.deliver({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
    return {
      cancel: () => {
        if (!this.pending.delete(id)) return;
        this.transport.deliver({
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: id, reason: 'the client disconnected' },
        });
      },
    };
  }

  /** The answer to one of our requests: to whoever waits for it (once). */
  private settle(id: RequestId, answer: SharedAnswer): void {
    const handlers = this.pending.get(id);
    if (!handlers) return;
    this.pending.delete(id);
    handlers.answer(answer);
  }

  /** Everything the session sends toward "its client": answers, related messages, the upstream's own. */
  private fromSession(m: JSONRPCMessage, related: RequestId | undefined): void {
    // The session built every message itself, from what the link read (JSONRPCMessageSchema, or
    // gateway/envelope.ts's equal check) or from its own answers: the shape alone tells them apart.
    if ('result' in m) return this.settle(m.id, { kind: 'result', result: m.result });
    if ('error' in m) {
      if (m.id === undefined) return;
      return this.settle(m.id, { kind: 'error', code: m.error.code, message: m.error.message, data: m.error.data });
    }
    if ('id' in m) {
      // Server-to-client requests have no channel in 2026-07-28; a ping is answered, anything else declined.
      const answer: JSONRPCMessage =
        m.method === 'ping'
          ? { jsonrpc: '2.0', id: m.id, result: {} }
          : {
              jsonrpc: '2.0',
              id: m.id,
              error: {
                code: -32601,
                message: `Method not found: the gateway's modern clients cannot answer ${m.method}`,
              },
            };
      return this.transport.deliver(answer);
    }
    if (related !== undefined) {
      const p = this.pending.get(related);
      if (p) return p.related?.(m);
    }
    this.env.onNotification(m);
  }

  /** The upstream is restarting (a Docker signal): re-initialize before anything else is sent. */
  upstreamRestarting(): void {
    this.session.link.invalidate(this.session.link.sessionId);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const id of this.pending.keys())
      this.settle(id, {
        kind: 'error',
        code: -32000,
        message: 'Archon MCP Doctor gateway: the gateway stopped while the request was on its way',
      });
    this.stream.close();
    await this.session.close();
  }
}
