// One client session: the SDK's server transport faces the client, messages are bridged unchanged
// to the upstream session the link maps it to, and every failure is healed or explained.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  isInitializeRequest,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { classifyHttpStatus } from '../classify';
import { shortenSessionId } from '../redact';
import { resendVerdict, toolNameOf, type ResendVerdict, type ToolRegistry } from './idempotency';
import { HoldExpired, UpstreamLink, UpstreamRefused, gatewayRequestId, holdDelay, isTransientStatus, sleep, type HealTrace } from './link';
import type { ServerCounters } from './stats';
import type { PersistedSession } from './store';
import type { GatewayEvent, GatewayLogger } from './types';
import { getUpstream, postUpstream } from './upstream';

/** What a session needs from the endpoint (one per upstream) it belongs to. */
export interface EndpointContext {
  readonly slug: string;
  readonly name: string;
  readonly upstreamUrl: string;
  readonly holdTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly tools: ToolRegistry;
  readonly counters: ServerCounters;
  readonly logger: GatewayLogger;
  restarting(): boolean;
  /** When a hold that starts now must end: the hold timeout, or longer while a restart is announced. */
  holdDeadline(): number;
  markUp(): void;
  /** Configured headers plus the stored token (used when the client sends no Authorization). */
  baseHeaders(clientAuthorization: string | undefined): Promise<Record<string, string>>;
  register(session: ClientSession): void;
  forget(session: ClientSession): void;
  persist(session: ClientSession): void;
  emit(event: Omit<GatewayEvent, 'at' | 'server'>): void;
  changed(): void;
}

const MAX_SESSION_LOST_RETRIES = 5;
/** A request that is safe to repeat is resent at most this often when the connection keeps breaking. */
const MAX_RESENDS = 5;
const GATEWAY_ERROR_CODE = -32000;

type WebTransportInternals = { _initialized: boolean; sessionId?: string };

export class ClientSession {
  readonly transport: StreamableHTTPServerTransport;
  readonly link: UpstreamLink;
  id: string | undefined;
  clientInfo: { name?: string; version?: string } = {};
  connectedAt = new Date().toISOString();
  lastSeenAt = this.connectedAt;
  createdAt = this.connectedAt;
  private clientAuthorization: string | undefined;
  private clientGetStreams = 0;
  private getLoopRunning = false;
  private getAbort: AbortController | undefined;
  private closed = false;
  private lastPersistedUse = 0;
  private inFlight = 0;

  constructor(private readonly ctx: EndpointContext, restored?: PersistedSession) {
    this.link = new UpstreamLink({
      url: ctx.upstreamUrl,
      holdTimeoutMs: ctx.holdTimeoutMs,
      baseHeaders: () => ctx.baseHeaders(this.clientAuthorization),
      restarting: () => ctx.restarting(),
      closed: () => this.closed,
      log: (level, message) => ctx.logger[level](`[${ctx.slug} ${shortenSessionId(this.id)}] ${message}`),
      onReinitialized: () => ctx.persist(this),
    }, restored?.initParams);
    this.transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => restored?.id ?? randomUUID(),
      onsessioninitialized: (sid) => {
        this.id = sid;
        ctx.register(this);
      },
      onsessionclosed: () => this.closeByClient(),
      maxRequestBodySize: ctx.maxBodyBytes,
    });
    this.transport.onmessage = (message, extra) => {
      const auth = extra?.requestInfo?.headers?.authorization;
      if (typeof auth === 'string' && auth) this.clientAuthorization = auth;
      this.touch();
      if (isJSONRPCRequest(message)) void this.forwardRequest(message);
      else void this.forwardOther(message);
    };
    this.transport.onerror = () => undefined; // the transport answers the client itself; nothing to add
    if (restored) this.restore(restored);
  }

  /** Honours a persisted id: the SDK transport takes it as already initialized. */
  private restore(p: PersistedSession): void {
    this.id = p.id;
    this.createdAt = p.createdAt;
    const web = (this.transport as unknown as { _webStandardTransport: WebTransportInternals })._webStandardTransport;
    web.sessionId = p.id;
    web._initialized = true;
    this.link.protocolVersion = p.protocolVersion;
    this.link.sessionId = p.upstreamSessionId;
    // A known upstream session is tried first; without one (or when it is gone) re-initialize on first use.
    this.link.ready = p.upstreamSessionId !== undefined;
    for (const uri of p.subscriptions) this.link.subscriptions.add(uri);
    this.readClientInfo(p.initParams);
  }

  toPersisted(): PersistedSession | undefined {
    if (!this.id || !this.link.initParams) return undefined;
    return {
      id: this.id,
      server: this.ctx.slug,
      initParams: this.link.initParams,
      protocolVersion: this.link.protocolVersion,
      upstreamSessionId: this.link.sessionId,
      subscriptions: [...this.link.subscriptions],
      createdAt: this.createdAt,
      lastUsedAt: this.lastSeenAt,
    };
  }

  async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET') this.trackClientGet(res);
    await this.transport.handleRequest(req, res);
  }

  private touch(): void {
    this.lastSeenAt = new Date().toISOString();
    const now = Date.now();
    if (now - this.lastPersistedUse > 60_000) {
      this.lastPersistedUse = now;
      if (this.link.initParams) this.ctx.persist(this);
    }
  }

  private readClientInfo(params: unknown): void {
    const info = (params as { clientInfo?: { name?: unknown; version?: unknown } } | undefined)?.clientInfo;
    this.clientInfo = {
      name: typeof info?.name === 'string' ? info.name : undefined,
      version: typeof info?.version === 'string' ? info.version : undefined,
    };
  }

  // ---- client → upstream ----

  private async forwardRequest(req: JSONRPCRequest): Promise<void> {
    this.inFlight++;
    try {
      await this.forward(req);
    } finally {
      this.inFlight--;
    }
  }

  /** True when nothing is open or running: the session may leave memory (it stays on disk). */
  isIdle(now: number, idleMs: number): boolean {
    return this.inFlight === 0 && this.clientGetStreams <= 0 && now - Date.parse(this.lastSeenAt) > idleMs;
  }

  private async forward(req: JSONRPCRequest): Promise<void> {
    const ctx = this.ctx;
    ctx.counters.requestsForwarded++;
    ctx.changed();
    const isInit = req.method === 'initialize' && isInitializeRequest(req);
    if (isInit) {
      this.link.initParams = req.params as Record<string, unknown>;
      this.readClientInfo(req.params);
    }
    const trace: HealTrace = { reinitialized: false, held: false, resent: false };
    const deadline = ctx.holdDeadline();
    let sessionLost = 0;
    let resends = 0;
    try {
      for (let attempt = 0; ; attempt++) {
        if (this.closed) return;
        if (!isInit) await this.link.ensure(deadline, trace);
        const headers = isInit ? await ctx.baseHeaders(this.clientAuthorization) : await this.link.headers();
        const usedId = this.link.sessionId;
        const outcome = await postUpstream({
          url: ctx.upstreamUrl,
          headers,
          message: req,
          onMessage: (m, upstreamSession) => this.relay(m, req, isInit, upstreamSession),
        });
        if (outcome.kind === 'ok') {
          ctx.markUp();
          this.countHeal(trace, req);
          return;
        }
        if (outcome.kind === 'http') {
          const f = classifyHttpStatus(outcome.status, outcome.body, { holdingSession: usedId !== undefined });
          if (!isInit && f.kind === 'session-lost' && sessionLost++ < MAX_SESSION_LOST_RETRIES) {
            this.link.invalidate(usedId);
            trace.reinitialized = true;
            continue;
          }
          if ((isTransientStatus(outcome.status) || ctx.restarting()) && Date.now() < deadline) {
            trace.held = true;
            await sleep(holdDelay(attempt, deadline));
            continue;
          }
          return this.fail(req, f.message, f.kind);
        }
        if (outcome.kind === 'not-sent') {
          await this.link.waitOrGiveUp(outcome, attempt, deadline, trace);
          continue;
        }
        // broken: the server may have run it. Repeat only what is safe to run twice.
        let verdict: ResendVerdict = resendVerdict(req, ctx.tools);
        if (verdict === 'unknown') verdict = await this.askTools(req, deadline, trace);
        if (verdict !== 'safe') {
          const tool = toolNameOf(req) ?? req.method;
          return this.fail(req, `The MCP server restarted or the connection broke during the call to "${tool}". It may or may not have run; the gateway did not repeat it because the tool is not marked read-only or idempotent.`, 'interrupted');
        }
        if (resends++ >= MAX_RESENDS || Date.now() >= deadline) {
          return this.fail(req, `The MCP server broke the connection during "${req.method}" ${resends} times in a row; the gateway gave up resending it.`, 'interrupted');
        }
        trace.resent = true;
        await sleep(holdDelay(attempt, deadline));
      }
    } catch (e) {
      const reason = e instanceof HoldExpired ? 'unreachable' : e instanceof UpstreamRefused ? 'refused' : 'gateway';
      return this.fail(req, (e as Error).message, reason);
    }
  }

  /** Annotations unknown for a tool interrupted mid-call: ask upstream (tools/list), then decide. */
  private async askTools(req: JSONRPCRequest, deadline: number, trace: HealTrace): Promise<ResendVerdict> {
    let cursor: string | undefined;
    try {
      for (let page = 0; page < 20 && !this.closed; page++) {
        await this.link.ensure(deadline, trace);
        const list: JSONRPCRequest = { jsonrpc: '2.0', id: gatewayRequestId('tools'), method: 'tools/list', params: cursor ? { cursor } : {} };
        let result: unknown;
        const out = await postUpstream({
          url: this.ctx.upstreamUrl,
          headers: await this.link.headers(),
          message: list,
          onMessage: (m) => {
            if (isJSONRPCResultResponse(m) && m.id === list.id) result = m.result;
          },
        });
        if (out.kind === 'http') {
          const f = classifyHttpStatus(out.status, out.body, { holdingSession: this.link.sessionId !== undefined });
          if (f.kind === 'session-lost') this.link.invalidate(this.link.sessionId);
          else await this.link.waitOrGiveUp(out, page, deadline, trace);
          continue;
        }
        if (out.kind !== 'ok' || result === undefined) {
          await this.link.waitOrGiveUp(out, page, deadline, trace);
          continue;
        }
        this.ctx.tools.learn(result);
        const next = (result as { nextCursor?: unknown }).nextCursor;
        if (typeof next !== 'string' || resendVerdict(req, this.ctx.tools) !== 'unknown') break;
        cursor = next;
      }
    } catch {
      return 'unsafe';
    }
    const v = resendVerdict(req, this.ctx.tools);
    return v === 'unknown' ? 'unsafe' : v;
  }

  /** Notifications and responses (to sampling/elicitation) from the client. Fire and forget. */
  private async forwardOther(message: JSONRPCMessage): Promise<void> {
    const trace: HealTrace = { reinitialized: false, held: false, resent: false };
    const deadline = this.ctx.holdDeadline();
    const isResponse = isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message);
    try {
      for (let attempt = 0; attempt < 50 && !this.closed; attempt++) {
        await this.link.ensure(deadline, trace);
        const usedId = this.link.sessionId;
        const out = await postUpstream({ url: this.ctx.upstreamUrl, headers: await this.link.headers(), message, onMessage: () => undefined });
        if (out.kind === 'ok' || out.kind === 'broken') return;
        if (out.kind === 'http') {
          const f = classifyHttpStatus(out.status, out.body, { holdingSession: usedId !== undefined });
          // A response belongs to the upstream session that asked; a new one never asked.
          if (f.kind !== 'session-lost' || isResponse) return;
          this.link.invalidate(usedId);
          continue;
        }
        await this.link.waitOrGiveUp(out, attempt, deadline, trace);
      }
    } catch (e) {
      this.ctx.logger.warn(`[${this.ctx.slug} ${shortenSessionId(this.id)}] dropped a client notification: ${(e as Error).message}`);
    }
  }

  // ---- upstream → client ----

  private relay(m: JSONRPCMessage, req: JSONRPCRequest, isInit: boolean, upstreamSession: string | undefined): void {
    // `m` passed the SDK's JSONRPCMessageSchema: a message with an id and a result or error is a response.
    const isAnswer = 'id' in m && m.id === req.id && ('result' in m || 'error' in m);
    if (isAnswer && 'result' in m) this.noteResult(req, m.result, isInit, upstreamSession);
    this.transport.send(m, isAnswer ? undefined : { relatedRequestId: req.id }).catch(() => undefined);
  }

  private noteResult(req: JSONRPCRequest, result: unknown, isInit: boolean, upstreamSession: string | undefined): void {
    if (isInit) {
      this.link.adoptInitialize(upstreamSession, result);
      this.ctx.persist(this);
      this.ctx.emit({
        event: 'client-connected',
        session: shortenSessionId(this.id),
        message: `client ${this.clientInfo.name ?? '?'} ${this.clientInfo.version ?? ''} connected (upstream session ${shortenSessionId(upstreamSession)})`.replace('  ', ' '),
      });
      return;
    }
    if (req.method === 'tools/list') this.ctx.tools.learn(result);
    const uri = (req.params as { uri?: unknown } | undefined)?.uri;
    if (typeof uri === 'string' && (req.method === 'resources/subscribe' || req.method === 'resources/unsubscribe')) {
      if (req.method === 'resources/subscribe') this.link.subscriptions.add(uri);
      else this.link.subscriptions.delete(uri);
      this.ctx.persist(this);
    }
  }

  private countHeal(trace: HealTrace, req: JSONRPCRequest): void {
    const kind = trace.resent ? 'resent' : trace.held ? 'held' : trace.reinitialized ? 'reinitialized' : undefined;
    if (!kind) return;
    this.ctx.counters.heal(kind);
    this.ctx.emit({ event: kind, session: shortenSessionId(this.id), message: `healed ${req.method}${toolNameOf(req) ? ` (${toolNameOf(req)})` : ''}: ${kind}` });
  }

  private fail(req: JSONRPCRequest, message: string, reason: string): void {
    this.ctx.counters.errorsReturned++;
    this.ctx.emit({ event: 'error-returned', session: shortenSessionId(this.id), message: `${req.method}: ${message}` });
    const error = { code: GATEWAY_ERROR_CODE, message: `Archon MCP Doctor gateway: ${message}`, data: { reason } };
    this.transport.send({ jsonrpc: '2.0', id: req.id as RequestId, error }).catch(() => undefined);
  }

  // ---- the standalone GET stream ----

  private trackClientGet(res: ServerResponse): void {
    this.clientGetStreams++;
    res.once('close', () => {
      this.clientGetStreams--;
      if (this.clientGetStreams <= 0) this.getAbort?.abort();
    });
    if (!this.getLoopRunning) {
      this.getLoopRunning = true;
      void this.getLoop().finally(() => {
        this.getLoopRunning = false;
      });
    }
  }

  /** Keeps an upstream GET stream open while the client keeps its own; reopens it after a restart. */
  private async getLoop(): Promise<void> {
    const trace: HealTrace = { reinitialized: false, held: false, resent: false };
    while (!this.closed && this.clientGetStreams > 0) {
      try {
        await this.link.ensure(Date.now() + this.ctx.holdTimeoutMs, trace);
      } catch {
        await sleep(1000);
        continue;
      }
      const abort = new AbortController();
      this.getAbort = abort;
      const usedId = this.link.sessionId;
      const started = Date.now();
      const out = await getUpstream({
        url: this.ctx.upstreamUrl,
        headers: await this.link.headers(),
        onMessage: (m) => {
          this.transport.send(m).catch(() => undefined);
        },
        signal: abort.signal,
      });
      if (abort.signal.aborted || this.closed) return;
      if (out.kind === 'http') {
        if (out.status === 405) return; // the server offers no GET stream
        const f = classifyHttpStatus(out.status, out.body, { holdingSession: usedId !== undefined });
        if (f.kind === 'session-lost') {
          this.link.invalidate(usedId);
          continue;
        }
      }
      // Ended or refused: try again, never more often than every 500 ms.
      await sleep(Math.max(500 - (Date.now() - started), 0) + 250);
    }
  }

  // ---- closing ----

  /** The client sent DELETE: end the upstream session too (best effort). */
  private closeByClient(): void {
    this.closed = true;
    this.getAbort?.abort();
    this.ctx.forget(this);
    this.ctx.emit({ event: 'client-closed', session: shortenSessionId(this.id), message: `client ${this.clientInfo.name ?? '?'} closed its session` });
    if (this.link.sessionId) {
      void this.link.headers().then((headers) => fetch(this.ctx.upstreamUrl, { method: 'DELETE', headers }).then((r) => r.body?.cancel(), () => undefined), () => undefined);
    }
  }

  /** Gateway stopping: end the client's streams, keep the persisted session. */
  async close(): Promise<void> {
    this.closed = true;
    this.getAbort?.abort();
    await this.transport.close().catch(() => undefined);
  }
}
