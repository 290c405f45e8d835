// The modern front: serves MCP 2026-07-28 clients (no sessions, a `_meta` envelope on every request,
// `server/discover`, `subscriptions/listen`) on the same endpoint as 2025 clients. The v2 server
// package does the protocol: its classifier decides the era of each POST, and its per-request handler
// (`createMcpHandler`) answers discover, validates envelopes, shapes JSON/SSE answers and runs the
// listen streams. Requests go upstream through one shared gateway-owned session (shared-session.ts).
// Bundled as its own file (dist/modern-front.js, see esbuild.mjs) and loaded on the first POST.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  InMemoryServerEventBus,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  Server,
  classifyInboundRequest,
  createMcpHandler,
  isJsonContentType,
  type Implementation,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type McpHttpHandler,
  type Result,
  type ServerContext,
  type ServerEvent,
} from '@modelcontextprotocol/server';
import { toNodeHandler, type NodeMcpRequestHandler } from '@modelcontextprotocol/node';
import { errorMessage, fieldOf, isRecord } from '../../narrow';
import type { ProtocolEra } from '../../server-state';
import type { EndpointContext } from '../session';
import {
  SharedUpstreamSession,
  UpstreamUnavailable,
  type SessionMaker,
  type SharedAnswer,
  type UpstreamIdentity,
} from './shared-session';
import {
  AcceptedEnvelopes,
  EncodeRefused,
  ModernReply,
  encodeResult,
  fastRequest,
  relays,
  type FastRequest,
} from './fast-path';

/** The per-request `_meta` envelope keys: the gateway's to read, never the upstream's. */
const ENVELOPE_KEYS = [
  PROTOCOL_VERSION_META_KEY,
  CLIENT_INFO_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
] as const;

/** The protocol revisions the modern front serves (discover advertises them). */
export const MODERN_VERSIONS = ['2026-07-28'] as const;

const MODERN = '2026-07-28' satisfies ProtocolEra;

/**
 * How the front answers one 2026-07-28 POST: `fast`, on the Node response directly (fast-path.ts);
 * `handler`, a well-formed request, through the SDK's handler; `ladder`, a request the handler's
 * validation ladder refuses (answered at once, whatever the upstream's state).
 */
export type ModernRoute = { kind: 'fast'; request: FastRequest } | { kind: 'handler' } | { kind: 'ladder' };

/** The era of one POST, and for the 2026-07-28 era the route the front takes (handed back to handle()). */
export type EraDecision = { era: Exclude<ProtocolEra, typeof MODERN> } | { era: typeof MODERN; route: ModernRoute };

const LEGACY: EraDecision = { era: '2025' };
const BY_HANDLER: EraDecision = { era: MODERN, route: { kind: 'handler' } };
const BY_LADDER: EraDecision = { era: MODERN, route: { kind: 'ladder' } };

export interface ModernFront {
  /**
   * The era of one POST (`body` parsed, undefined when not JSON), by the SDK's own classifier
   * (rejections belong to the modern path), and the route to hand to handle().
   */
  eraOf(req: IncomingMessage, body: unknown): EraDecision;
  handle(req: IncomingMessage, res: ServerResponse, body: unknown, route: ModernRoute): Promise<void>;
  /** A restart was announced (Docker): the shared session re-initializes before its next request. */
  upstreamRestarting(): void;
  close(): Promise<void>;
}

/** The envelope's client info, when the request carries a well-formed one. */
function clientInfoOf(body: unknown): Implementation | undefined {
  const info = fieldOf(fieldOf(fieldOf(body, 'params'), '_meta'), CLIENT_INFO_META_KEY);
  const name = fieldOf(info, 'name');
  const version = fieldOf(info, 'version');
  return typeof name === 'string' && typeof version === 'string' ? { name, version } : undefined;
}

/** The request's params without the envelope (progress tokens and other `_meta` keys stay). */
export function stripEnvelope(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!params) return undefined;
  const { _meta, ...rest } = params;
  if (!isRecord(_meta)) return rest;
  const kept: Record<string, unknown> = { ..._meta };
  for (const key of ENVELOPE_KEYS) delete kept[key];
  return Object.keys(kept).length ? { ...rest, _meta: kept } : rest;
}

/** An upstream notification as a listen-stream event, when it is one the 2026-07-28 streams carry. */
function eventOf(n: JSONRPCNotification): ServerEvent | undefined {
  switch (n.method) {
    case 'notifications/tools/list_changed':
      return { kind: 'tools_list_changed' };
    case 'notifications/prompts/list_changed':
      return { kind: 'prompts_list_changed' };
    case 'notifications/resources/list_changed':
      return { kind: 'resources_list_changed' };
    case 'notifications/resources/updated': {
      const uri = fieldOf(n.params, 'uri');
      return typeof uri === 'string' ? { kind: 'resource_updated', uri } : undefined;
    }
    default:
      return undefined;
  }
}

/** The resource URIs a `subscriptions/listen` request asks to hear about. */
function listenedResources(body: unknown): string[] {
  if (fieldOf(body, 'method') !== 'subscriptions/listen') return [];
  const uris = fieldOf(fieldOf(fieldOf(body, 'params'), 'notifications'), 'resourceSubscriptions');
  return Array.isArray(uris) ? uris.filter((u): u is string => typeof u === 'string') : [];
}

/** What a client hears when the shared session cannot be had (held until the hold timeout, or refused). */
function unavailable(e: unknown): UpstreamUnavailable {
  return e instanceof UpstreamUnavailable ? e : new UpstreamUnavailable(-32000, errorMessage(e));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

class ModernFrontImpl implements ModernFront {
  private readonly bus = new InMemoryServerEventBus();
  private readonly shared: SharedUpstreamSession;
  private readonly handler: McpHttpHandler;
  private readonly node: NodeMcpRequestHandler;
  /** The client info of the request being dispatched: the first one initializes the shared session. */
  private pendingClient: Implementation | undefined;
  /** How many open listen streams name each resource URI. */
  private readonly listeners = new Map<string, number>();
  /**
   * Resources subscribed upstream on the shared session (renewed by the Link after restarts), given
   * back when no open listen stream names them any more.
   */
  private readonly subscribed = new Set<string>();
  /** Subscription changes run one at a time, each bringing `subscribed` in line with `listeners`. */
  private reconciling: Promise<void> = Promise.resolve();
  private closing = false;
  /** Envelopes the SDK's handler accepted: later requests carrying one may take the fast path. */
  private readonly envelopes = new AcceptedEnvelopes();

  constructor(
    private readonly ctx: EndpointContext,
    makeSession: SessionMaker,
    private readonly opts: ModernFrontOptions = {},
  ) {
    this.shared = new SharedUpstreamSession({
      ctx,
      makeSession,
      onNotification: (n) => {
        const event = eventOf(n);
        if (event) this.bus.publish(event);
      },
      log: (level, message) => ctx.logger[level](`[${ctx.slug} modern] ${message}`),
    });
    this.handler = createMcpHandler(() => this.instance(), {
      legacy: 'reject',
      bus: this.bus,
      maxRequestBodySize: ctx.maxBodyBytes,
      onerror: (e) => ctx.logger.warn(`[${ctx.slug} modern] ${e.message}`),
    });
    this.node = toNodeHandler(this.handler, { onerror: (e) => ctx.logger.error(`[${ctx.slug} modern] ${e.message}`) });
  }

  eraOf(req: IncomingMessage, body: unknown): EraDecision {
    // As the SDK's isLegacyRequest: a POST with no JSON body (empty or unparseable) is legacy.
    if (body === undefined) return LEGACY;
    // The route travels with the request (no per-request map: a WeakMap keyed by every request kept
    // them alive through young-generation GCs, which then promoted them, issue 21).
    const fast = this.opts.fastPath === false ? undefined : fastRequest(req, body, this.envelopes);
    if (fast) return { era: MODERN, route: { kind: 'fast', request: fast } };
    const outcome = classifyInboundRequest({
      httpMethod: req.method ?? 'POST',
      protocolVersionHeader: header(req, 'mcp-protocol-version'),
      mcpMethodHeader: header(req, 'mcp-method'),
      mcpNameHeader: header(req, 'mcp-name'),
      body,
    });
    if (outcome.kind === 'modern') return BY_HANDLER;
    // The modern path owns the ladder's rejections, except for requests of a live 2025 session: those
    // stay with that session's transport, which answers them as it always has.
    if (outcome.kind === 'reject' && !header(req, 'mcp-session-id')) return BY_LADDER;
    return LEGACY;
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: unknown, route: ModernRoute): Promise<void> {
    if (!isJsonContentType(header(req, 'content-type') ?? '')) {
      return sendError(
        res,
        415,
        -32000,
        'Unsupported Media Type: a 2026-07-28 request must be sent as application/json',
      );
    }
    // A malformed request is answered by the SDK's validation ladder at once, whatever the upstream's state.
    if (route.kind === 'ladder') return this.node(req, res, body);
    const client = clientInfoOf(body);
    this.pendingClient ??= client;
    if (this.ctx.counters.modernClients.seen(client)) this.ctx.changed();
    // Every answer speaks for the upstream: when it cannot be reached (held until the hold timeout) or
    // refuses the gateway's session, the client hears that reason as a JSON-RPC error, not an HTTP 500.
    let identity = this.shared.known();
    if (!identity) {
      try {
        identity = await this.shared.ready(this.pendingClient);
      } catch (e) {
        const err = unavailable(e);
        const id = fieldOf(body, 'id');
        if (typeof id !== 'string' && typeof id !== 'number') return sendStatus(res, 202);
        return sendAnswer(res, 200, {
          jsonrpc: '2.0',
          id,
          error: { code: err.code, message: err.message, ...(err.data !== undefined ? { data: err.data } : {}) },
        });
      }
    }
    if (route.kind === 'fast') return this.answerDirectly(route.request, res, identity);
    const uris = [...new Set(listenedResources(body))];
    if (uris.length) {
      // Counted while the stream is open: when it closes (the client went away or closed it) and no
      // other stream names a URI, the shared session gives that subscription back.
      for (const uri of uris) this.listeners.set(uri, (this.listeners.get(uri) ?? 0) + 1);
      res.once('close', () => {
        for (const uri of uris) {
          const n = (this.listeners.get(uri) ?? 1) - 1;
          if (n > 0) this.listeners.set(uri, n);
          else this.listeners.delete(uri);
        }
        void this.reconcile();
      });
      await this.reconcile();
    }
    await this.node(req, res, body);
  }

  /**
   * The fast path (fast-path.ts): forwarded and answered as the handler's instance would have. No
   * promise and no abort signal of its own: the answer comes back by callback, and the response's
   * close (the client went away before it) cancels the request.
   */
  private answerDirectly(r: FastRequest, res: ServerResponse, identity: UpstreamIdentity): void {
    const reply = new ModernReply(res);
    const forwarded = this.shared.forward(r.method, stripEnvelope(r.params), {
      answer: (answer) => this.replyWith(r, reply, answer, identity),
      related: (m) => {
        if (relays(m, identity.capabilities)) reply.notify(m);
      },
    });
    if (reply.finished) return;
    res.once('close', () => {
      if (reply.finished) return;
      forwarded.cancel();
      reply.abandon();
    });
  }

  private replyWith(r: FastRequest, reply: ModernReply, answer: SharedAnswer, identity: UpstreamIdentity): void {
    if (answer.kind === 'error') return reply.error(r.id, answer.code, answer.message, answer.data);
    let result: Record<string, unknown>;
    try {
      result = encodeResult(r.method, answer.result, identity.serverInfo);
    } catch (e) {
      if (!(e instanceof EncodeRefused)) throw e;
      this.ctx.logger.warn(`[${this.ctx.slug} modern] Failed to encode result for ${r.method}: ${e.message}`);
      return reply.error(r.id, -32603, 'Internal error');
    }
    reply.result(r.id, result);
  }

  private reconcile(): Promise<void> {
    const run = this.reconciling.then(() => this.applySubscriptions());
    this.reconciling = run.catch(() => undefined);
    return this.reconciling;
  }

  /**
   * The upstream sends resources/updated only for what the shared session subscribed to: a 2025
   * upstream by resources/subscribe (the Link renews it after a restart), a 2026-07-28 one by the URIs
   * of the listen stream the shared session keeps open (the Link answers subscribe/unsubscribe itself
   * and reopens that stream). Subscribes what open listen streams name, unsubscribes what none names.
   */
  private async applySubscriptions(): Promise<void> {
    if (this.closing) return;
    try {
      const identity = await this.shared.ready(this.pendingClient);
      if (!identity.capabilities.resources?.subscribe) return;
    } catch {
      return; // the listen request gets the same answer from the handler
    }
    for (const uri of this.listeners.keys()) {
      if (this.subscribed.has(uri)) continue;
      const answer = await this.shared.send('resources/subscribe', { uri });
      if (answer.kind === 'result') this.subscribed.add(uri);
      else this.ctx.logger.warn(`[${this.ctx.slug} modern] could not subscribe upstream to ${uri}: ${answer.message}`);
    }
    for (const uri of [...this.subscribed]) {
      if (this.listeners.has(uri) || this.closing) continue;
      const answer = await this.shared.send('resources/unsubscribe', { uri });
      // Kept on failure: the next change tries again (and a re-initialized session renews it meanwhile).
      if (answer.kind === 'result') this.subscribed.delete(uri);
      else
        this.ctx.logger.warn(`[${this.ctx.slug} modern] could not unsubscribe upstream from ${uri}: ${answer.message}`);
    }
  }

  /** One server instance per request, speaking for the upstream: its identity, the gateway's versions. */
  private async instance(): Promise<Server> {
    let identity: UpstreamIdentity;
    try {
      identity = await this.shared.ready(this.pendingClient);
    } catch (e) {
      const err = unavailable(e);
      throw new ProtocolError(err.code, err.message, err.data);
    }
    const server = new Server(identity.serverInfo, {
      capabilities: identity.capabilities,
      instructions: identity.instructions,
      supportedProtocolVersions: [...MODERN_VERSIONS],
    });
    server.fallbackRequestHandler = (request, ctx) => this.forward(request, ctx);
    return server;
  }

  private async forward(request: JSONRPCRequest, ctx: ServerContext): Promise<Result> {
    // The handler checked this envelope before calling here: the same envelope may take the fast path.
    const envelope = ctx.mcpReq.envelope;
    if (isRecord(envelope)) this.envelopes.add(envelope);
    const answer = await this.shared.send(request.method, stripEnvelope(request.params), {
      signal: ctx.mcpReq.signal,
      related: (m) => {
        void ctx.mcpReq.notify(m).catch(() => undefined);
      },
    });
    if (answer.kind === 'error') throw new ProtocolError(answer.code, answer.message, answer.data);
    return answer.result;
  }

  upstreamRestarting(): void {
    this.shared.upstreamRestarting();
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.handler.close().catch(() => undefined);
    await this.shared.close();
  }
}

/** A JSON-RPC error as the whole HTTP answer (`id` null when the request had none we could read). */
interface ErrorAnswer {
  jsonrpc: '2.0';
  id: string | number | null;
  error: { code: number; message: string; data?: unknown };
}

function sendAnswer(res: ServerResponse, status: number, message: ErrorAnswer): void {
  const text = JSON.stringify(message);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function sendError(res: ServerResponse, status: number, code: number, message: string): void {
  sendAnswer(res, status, { jsonrpc: '2.0', id: null, error: { code, message } });
}

function sendStatus(res: ServerResponse, status: number): void {
  res.writeHead(status).end();
}

export interface ModernFrontOptions {
  /** Established requests answered directly (fast-path.ts); false: every request through the SDK's handler. */
  fastPath?: boolean;
}

export function createModernFront(
  ctx: EndpointContext,
  makeSession: SessionMaker,
  opts?: ModernFrontOptions,
): ModernFront {
  return new ModernFrontImpl(ctx, makeSession, opts);
}
