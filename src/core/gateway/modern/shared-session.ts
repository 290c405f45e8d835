// The one gateway-owned upstream session that modern (2026-07-28) clients share. It is an ordinary
// ClientSession (session.ts) whose client side is an in-process transport instead of HTTP: every
// modern request enters it as a JSON-RPC request with a gateway-unique id, so the session's own
// hold, re-initialize and never-repeat-a-write logic (and its Link) serve modern clients unchanged.
import {
  LATEST_PROTOCOL_VERSION,
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type Implementation,
  type JSONRPCMessage,
  type JSONRPCNotification,
  type RequestId,
  type ServerCapabilities,
} from '@modelcontextprotocol/server';
import type { ClientTransportFactory } from '../client-transport';
import type { ClientSession, EndpointContext } from '../session';
import type { ClientStream } from '../get-stream';

/**
 * Makes the ClientSession (session.ts) over the given client-side transport. Passed in by the endpoint
 * so this lazily loaded bundle does not carry a second copy of the session code.
 */
export type SessionMaker = (transport: ClientTransportFactory) => Pick<ClientSession, 'relayServerStream' | 'close' | 'link'>;

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
  | { kind: 'result'; result: Record<string, unknown> }
  | { kind: 'error'; code: number; message: string; data?: unknown };

interface Pending {
  resolve(answer: SharedAnswer): void;
  /** Messages the upstream sent while answering (progress, log): relayed to that client's exchange. */
  related(message: JSONRPCNotification): void;
}

/** The client side of the shared ClientSession: messages in from modern clients, answers out to them. */
class InProcessTransport {
  onmessage?: (message: JSONRPCMessage, extra?: unknown) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  sessionId?: string;

  constructor(private readonly out: (message: JSONRPCMessage, relatedRequestId: RequestId | undefined) => void) {}

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage, options?: { relatedRequestId?: RequestId }): Promise<void> {
    this.out(message, options?.relatedRequestId);
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

export class SharedUpstreamSession {
  private readonly transport: InProcessTransport;
  private readonly session: ReturnType<SessionMaker>;
  private readonly pending = new Map<RequestId, Pending>();
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
    if (this.identity) {
      // After a re-initialize (a restart, maybe an upgrade) the upstream's latest word counts.
      const latest = this.session.link.initializeResult;
      if (latest !== undefined && latest !== this.identitySource) this.identity = this.identityFrom(latest);
      return this.identity;
    }
    this.initializing ??= this.initialize(clientInfo).finally(() => {
      this.initializing = undefined;
    });
    return this.initializing;
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
    if (answer.kind === 'error') throw Object.assign(new Error(answer.message), { code: answer.code, data: answer.data });
    this.transport.deliver({ jsonrpc: '2.0', method: 'notifications/initialized' });
    this.identity = this.identityFrom(this.session.link.initializeResult ?? answer.result);
    // The upstream's own notifications (GET stream), relayed for as long as the front lives and
    // reopened (re-initializing when needed) after every restart.
    this.session.relayServerStream(this.stream);
    this.env.log('info', `modern clients share one upstream session (${this.identity.serverInfo.name} ${this.identity.serverInfo.version}, ${this.identity.protocolVersion})`);
    return this.identity;
  }

  private identityFrom(result: unknown): UpstreamIdentity {
    this.identitySource = result;
    const r = (result ?? {}) as { serverInfo?: Implementation; capabilities?: ServerCapabilities; instructions?: string; protocolVersion?: string };
    return {
      serverInfo: r.serverInfo ?? { name: this.env.ctx.name, version: '0' },
      capabilities: r.capabilities ?? {},
      instructions: r.instructions,
      protocolVersion: r.protocolVersion ?? LATEST_PROTOCOL_VERSION,
    };
  }

  /**
   * Forwards one request through the shared session and resolves with its answer. `signal` (the
   * client went away) cancels it the way a 2025 client's cancel does.
   */
  send(method: string, params: Record<string, unknown> | undefined, opts: { signal?: AbortSignal; related?: (m: JSONRPCNotification) => void } = {}): Promise<SharedAnswer> {
    if (this.closed) return Promise.resolve({ kind: 'error', code: -32000, message: 'Archon MCP Doctor gateway: the gateway is stopping' });
    const id = `archon-mcp-doctor-modern-${++counter}`;
    return new Promise<SharedAnswer>((resolve) => {
      const onAbort = (): void => {
        this.transport.deliver({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the client disconnected' } });
        finish({ kind: 'error', code: -32000, message: 'Archon MCP Doctor gateway: the client cancelled the request' });
      };
      const finish = (answer: SharedAnswer): void => {
        if (!this.pending.delete(id)) return;
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(answer);
      };
      this.pending.set(id, { resolve: finish, related: (m) => opts.related?.(m) });
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.transport.deliver({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
    });
  }

  /** Everything the session sends toward "its client": answers, related messages, the upstream's own. */
  private fromSession(m: JSONRPCMessage, related: RequestId | undefined): void {
    // The common case first, without the SDK's schema guards (a zod parse of the whole answer): the
    // session answers one of our own requests. It built the message itself, from what the link read.
    const answer = m as { id?: RequestId; result?: unknown; error?: { code: number; message: string; data?: unknown } };
    const pending = answer.id !== undefined ? this.pending.get(answer.id) : undefined;
    if (pending && !('method' in m)) {
      if (typeof answer.result === 'object' && answer.result !== null) return pending.resolve({ kind: 'result', result: answer.result as Record<string, unknown> });
      if (typeof answer.error?.code === 'number' && typeof answer.error.message === 'string') {
        return pending.resolve({ kind: 'error', code: answer.error.code, message: answer.error.message, data: answer.error.data });
      }
    }
    if (isJSONRPCResultResponse(m)) return this.pending.get(m.id)?.resolve({ kind: 'result', result: m.result as Record<string, unknown> });
    if (isJSONRPCErrorResponse(m)) {
      if (m.id === undefined || m.id === null) return;
      return this.pending.get(m.id)?.resolve({ kind: 'error', code: m.error.code, message: m.error.message, data: m.error.data });
    }
    if (isJSONRPCRequest(m)) {
      // Server-to-client requests have no channel in 2026-07-28; a ping is answered, anything else declined.
      const answer: JSONRPCMessage = m.method === 'ping'
        ? { jsonrpc: '2.0', id: m.id, result: {} }
        : { jsonrpc: '2.0', id: m.id, error: { code: -32601, message: `Method not found: the gateway's modern clients cannot answer ${m.method}` } };
      return this.transport.deliver(answer);
    }
    if (!isJSONRPCNotification(m)) return;
    if (related !== undefined) {
      const p = this.pending.get(related);
      if (p) return p.related(m);
    }
    this.env.onNotification(m);
  }

  /** The upstream is restarting (a Docker signal): re-initialize before anything else is sent. */
  upstreamRestarting(): void {
    this.session.link.invalidate(this.session.link.sessionId);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of [...this.pending.values()]) p.resolve({ kind: 'error', code: -32000, message: 'Archon MCP Doctor gateway: the gateway stopped while the request was on its way' });
    this.stream.close();
    await this.session.close();
  }
}
