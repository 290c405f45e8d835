// One client session: the SDK's server transport faces the client, messages are bridged unchanged
// to the upstream session the link maps it to, and every failure is healed or explained.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JSONRPCMessage, JSONRPCRequest, RequestId, Transport } from '@modelcontextprotocol/server';
import { classifyHttpStatus } from '../classify';
import { errorMessage, fieldOf } from '../narrow';
import { shortenSessionId } from '../redact';
import {
  FORWARD_LIMITS,
  GATEWAY_ERROR_CODE,
  decideAttempt,
  describeRequest,
  initialForwardState,
  sendPlan,
  toolNameOf,
  type ForwardContext,
  type RepeatVerdict,
  type ToolKnowledge,
} from '../healing';
import { HoldExpired, UpstreamLink, UpstreamRefused, sleep, type HealTrace } from './upstream-link';
import { attemptOutcome, ownErrorIn } from './attempt-outcome';
import type { ServerCounters } from './stats';
import type { GatewaySession } from './store';
import type { GatewayErrorReason, GatewayEvent, GatewayLogger } from './gateway-api';
import { learnToolList } from './ask-tools';
import { readBodyOnce, type PreReadBody } from './modern/body';
import { GetStreamRelay, type ClientStream } from './get-stream';
import { isRequestMessage, postUpstream, type UpstreamHealth, type UpstreamOutcome } from './upstream-http';
import {
  HttpClientTransport,
  httpClientTransport,
  restoreHttpSession,
  type ClientTransportFactory,
} from './client-transport';
import { MODERN_ERA, initializeResultFrom, type UpstreamEra } from './era';
import { SESSION_ERA_CODEC } from './era-codec';
import type { ProtocolEra } from '../server-state';
import { isInitializeRequest, isJSONRPCErrorResponse, isJSONRPCResultResponse } from './spec';
import { DirectReply, directRequest } from './direct-reply';
import { RequestCancel } from './request-cancel';
import { RequestIdMap } from './request-id-map';

/** What a session needs from the endpoint (one per upstream) it belongs to. */
export interface EndpointContext {
  readonly slug: string;
  readonly name: string;
  readonly upstreamUrl: string;
  readonly holdTimeoutMs: number;
  /** How long an answer may take once the request was sent upstream. */
  readonly responseTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly tools: ToolKnowledge;
  readonly counters: ServerCounters;
  readonly health: UpstreamHealth;
  readonly era: UpstreamEra;
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

function sendJsonError(res: ServerResponse, status: number, code: number, message: string): void {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

/**
 * One attempt's response timeout, which runs from the send (not from a wait in line before it),
 * however much the server streams meanwhile. It ends the request as a client's cancel does (one
 * cancel signal per request), and says so in `timedOut`.
 */
class AnswerWait {
  private timer: NodeJS.Timeout | undefined;
  timedOut = false;

  constructor(
    private readonly cancel: RequestCancel,
    private readonly ms: number,
  ) {}

  start(): void {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.cancel.abort();
    }, this.ms);
    this.timer.unref();
  }

  done(): void {
    clearTimeout(this.timer);
  }
}

/** initialize changes nothing on the server: it may always be sent again. */
const INITIALIZE_REPEATS: RepeatVerdict = { repeat: true, reason: 'not-a-tool-call', detail: 'initialize' };

/** Why a request forwarded upstream stopped waiting for its answer before it came. */
type CancelReason = 'client-cancelled' | 'client-gone' | 'gateway-stopped';

interface PendingRequest {
  cancel: RequestCancel;
  reason?: CancelReason;
  /** Its own HTTP response, when it came by the hot path (direct-reply.ts); else the SDK transport answers. */
  reply?: DirectReply;
  /** performance.now() when it arrived (metrics and incidents). */
  startedAt: number;
  /** The upstream session when it arrived: another one at its heal means the server lost it (incidents). */
  upstreamSession: string | undefined;
}

export class ClientSession {
  /** Faces the client: Streamable HTTP (the gateway) or stdio (the bridge). */
  readonly transport: Transport;
  readonly link: UpstreamLink;
  id: string | undefined;
  clientInfo: { name?: string; version?: string } = {};
  connectedAt = new Date().toISOString();
  /** When the client was last heard from (ms): a number on the hot path, a date string when shown. */
  private lastSeenMs = Date.now();
  createdAt = this.connectedAt;
  private clientAuthorization: string | undefined;
  private readonly getStream: GetStreamRelay;
  /** Settles once a persisted id is re-opened on the transport (at once for a new session). */
  private restored: Promise<void> = Promise.resolve();
  private closed = false;
  /** The forwarding of the client's notifications/initialized, while it is under way (requests wait for it). */
  private initializedDelivery: Promise<void> | undefined;
  private lastPersistedUse = 0;
  private inFlight = 0;
  /** Client requests being forwarded, by id: a client's cancel or disconnect ends them. */
  private readonly pending = new RequestIdMap<PendingRequest>();

  constructor(
    private readonly ctx: EndpointContext,
    restored?: GatewaySession,
    makeTransport: ClientTransportFactory = httpClientTransport,
  ) {
    this.link = new UpstreamLink(
      {
        url: ctx.upstreamUrl,
        holdTimeoutMs: ctx.holdTimeoutMs,
        health: ctx.health,
        era: ctx.era,
        name: ctx.name,
        baseHeaders: () => ctx.baseHeaders(this.clientAuthorization),
        restarting: () => ctx.restarting(),
        closed: () => this.closed,
        log: (level, message) => ctx.logger[level](`[${ctx.slug} ${shortenSessionId(this.id)}] ${message}`),
        onReinitialized: (oldId) => {
          ctx.tools.learnServer(this.link.initializeResult);
          if (oldId !== undefined) {
            ctx.emit({
              event: 'upstream-session-lost',
              session: shortenSessionId(this.id),
              message: `the server no longer knew upstream session ${shortenSessionId(oldId)}: it was restarted`,
            });
          }
          ctx.persist(this);
        },
      },
      restored?.initParams,
    );
    this.transport = makeTransport(
      {
        initialized: (sid) => {
          this.id = sid;
          ctx.register(this);
        },
        closedByClient: () => this.closeByClient(),
      },
      { restoredId: restored?.id, maxBodyBytes: ctx.maxBodyBytes },
    );
    this.transport.onmessage = (message, extra) =>
      this.fromClient(message, extra?.request?.headers.get('authorization'));
    this.getStream = new GetStreamRelay({
      link: this.link,
      upstreamUrl: ctx.upstreamUrl,
      holdTimeoutMs: ctx.holdTimeoutMs,
      send: (m) => {
        this.transport.send(m).catch(() => undefined);
      },
      closed: () => this.closed,
    });
    this.transport.onerror = () => undefined; // the transport answers the client itself; nothing to add
    if (restored) this.restore(restored);
  }

  /** Honours a persisted id: the SDK transport re-opens it before the client's first request is handled. */
  private restore(p: GatewaySession): void {
    this.id = p.id;
    this.createdAt = p.createdAt;
    this.restored = restoreHttpSession(this.transport, p.id).then((ok) => {
      if (!ok) this.ctx.logger.error('this MCP SDK version cannot restore saved sessions; clients must reconnect');
    });
    this.link.protocolVersion = p.protocolVersion;
    this.link.sessionId = p.upstreamSessionId;
    // A known upstream session is tried first; without one (or when it is gone) re-initialize on first use.
    this.link.ready = p.upstreamSessionId !== undefined;
    for (const uri of p.subscriptions) this.link.subscriptions.add(uri);
    this.readClientInfo(p.initParams);
  }

  get lastSeenAt(): string {
    return new Date(this.lastSeenMs).toISOString();
  }

  toPersisted(): GatewaySession | undefined {
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

  /** `preRead`: the POST body when the endpoint already read it (to classify its era). */
  async handleHttp(req: IncomingMessage, res: ServerResponse, preRead?: PreReadBody): Promise<void> {
    const transport = this.transport;
    if (!(transport instanceof HttpClientTransport)) throw new Error('not an HTTP session');
    await this.restored;
    if (req.method === 'GET') this.getStream.track(res);
    if (req.method !== 'POST') return transport.handleRequest(req, res);
    // Read the body here (capped) and hand it over parsed: cheaper than the web-stream route.
    const body = preRead ?? (await readBodyOnce(req, this.ctx.maxBodyBytes));
    if (body === 'too-large') {
      return sendJsonError(
        res,
        413,
        -32000,
        `Payload too large: the gateway accepts at most ${this.ctx.maxBodyBytes} bytes`,
      );
    }
    if (body.malformed) return sendJsonError(res, 400, -32700, 'Parse error: Invalid JSON');
    const parsed = body.json;
    // The client gave up (closed the connection before its answers): cancel what it asked for.
    // Not validated yet (the transport does that next): anything request-shaped; an id nobody waits for is ignored.
    const ids = (Array.isArray(parsed) ? parsed : [parsed])
      .filter((m): m is JSONRPCRequest => typeof m === 'object' && m !== null && 'method' in m && 'id' in m)
      .map((m) => m.id);
    if (ids.length) {
      res.once('close', () => {
        if (!res.writableFinished) for (const id of ids) this.cancelPending(id, 'client-gone');
      });
    }
    const direct = this.closed ? undefined : directRequest(req, transport.sessionId, parsed);
    if (direct && this.pending.get(direct.id)?.reply?.finished !== false) {
      return this.fromClient(direct, req.headers.authorization, new DirectReply(res, transport.sessionId!));
    }
    await transport.handleRequest(req, res, parsed);
  }

  /** A message from the client, from the SDK transport or the direct path (with its Authorization and reply). */
  private fromClient(message: JSONRPCMessage, authorization: string | null | undefined, reply?: DirectReply): void {
    if (typeof authorization === 'string' && authorization) this.clientAuthorization = authorization;
    this.touch();
    if (isRequestMessage(message)) return void this.forwardRequest(message, reply);
    const delivery = this.forwardOther(message);
    // A server refuses requests that reach it before the client's notifications/initialized (Python's
    // ServerSession: -32602 "Invalid request parameters"), and the client sends its next request as soon as
    // the notification is accepted: requests wait until it is delivered.
    if ('method' in message && message.method === 'notifications/initialized') {
      const done = delivery.finally(() => {
        if (this.initializedDelivery === done) this.initializedDelivery = undefined;
      });
      this.initializedDelivery = done;
    }
  }

  /**
   * A message for the client about request `requestId` (its answer when `answer`): on the request's
   * direct reply when it has one, else through the SDK transport.
   */
  private toClient(message: JSONRPCMessage, requestId: RequestId, answer: boolean): void {
    const reply = this.pending.get(requestId)?.reply;
    if (reply) return reply.send(message, answer);
    this.transport.send(message, answer ? undefined : { relatedRequestId: requestId }).catch(() => undefined);
  }

  /** Clients without a GET of their own (stdio): relay the upstream's stream while `client` is open. */
  relayServerStream(client: ClientStream): void {
    this.getStream.track(client);
  }

  private cancelPending(id: RequestId, reason: CancelReason): void {
    const p = this.pending.get(id);
    if (!p || p.cancel.aborted) return;
    p.reason = reason;
    p.cancel.abort();
  }

  private touch(): void {
    const now = Date.now();
    this.lastSeenMs = now;
    if (now - this.lastPersistedUse > 60_000) {
      this.lastPersistedUse = now;
      if (this.link.initParams) this.ctx.persist(this);
    }
  }

  private readClientInfo(params: unknown): void {
    const name = fieldOf(fieldOf(params, 'clientInfo'), 'name');
    const version = fieldOf(fieldOf(params, 'clientInfo'), 'version');
    this.clientInfo = {
      name: typeof name === 'string' ? name : undefined,
      version: typeof version === 'string' ? version : undefined,
    };
  }

  // ---- client → upstream ----

  private async forwardRequest(req: JSONRPCRequest, reply?: DirectReply): Promise<void> {
    this.inFlight++;
    const pending: PendingRequest = {
      cancel: new RequestCancel(),
      reply,
      startedAt: performance.now(),
      upstreamSession: this.link.sessionId,
    };
    this.pending.set(req.id, pending);
    try {
      await this.forward(req, pending);
    } finally {
      this.inFlight--;
      if (this.pending.get(req.id) === pending) this.pending.delete(req.id);
      // Ended without an answer (cancelled, the gateway stops): its direct reply ends empty.
      reply?.abandon();
    }
  }

  /** True when nothing is open or running: the session may leave memory (it stays on disk). */
  isIdle(now: number, idleMs: number): boolean {
    return this.inFlight === 0 && !this.getStream.open && now - this.lastSeenMs > idleMs;
  }

  private async forward(req: JSONRPCRequest, pending: PendingRequest): Promise<void> {
    const cancelled = pending.cancel;
    const ctx = this.ctx;
    ctx.counters.requestsForwarded++;
    ctx.changed();
    const isInit = req.method === 'initialize' && isInitializeRequest(req);
    if (isInit) {
      this.link.initParams = req.params;
      this.readClientInfo(req.params);
    }
    const trace: HealTrace = { reinitialized: false, held: false, resent: false };
    const deadline = ctx.holdDeadline();
    const what = describeRequest(req.method, toolNameOf(req));
    let repeat = ctx.tools.verdict(req);
    // A request that must not run twice waits, after a break, for a safe round trip, and never
    // rides a kept-alive connection that the server may be closing.
    const plan = sendPlan(isInit ? INITIALIZE_REPEATS : repeat);
    let state = initialForwardState();
    const initDone = isInit ? this.link.clientInitializing() : undefined;
    if (!isInit && this.initializedDelivery) await this.initializedDelivery;
    try {
      for (;;) {
        if (this.closed || cancelled.aborted) return this.endCancelled(req, pending);
        // A 2026-07-28 upstream has no initialize, no ping and no resources/subscribe: the gateway
        // answers them itself (the link's listen stream names the subscribed URIs).
        if (
          isInit &&
          this.link.codec.localAnswer(req.method) === 'initialize' &&
          (await this.initializeLocally(req, deadline, trace))
        )
          return;
        if (!isInit) await this.link.ensure(deadline, trace);
        const local = this.link.codec.localAnswer(req.method);
        if (local === 'ping') return this.toClient({ jsonrpc: '2.0', id: req.id, result: {} }, req.id, true);
        if (local === 'subscription') {
          this.noteResult(req, {}, false, undefined);
          this.getStream.renew();
          return this.toClient({ jsonrpc: '2.0', id: req.id, result: {} }, req.id, true);
        }
        if (plan.waitForVerified) await this.link.verify(deadline, trace);
        if (cancelled.aborted) return this.endCancelled(req, pending);
        const wait = new AnswerWait(pending.cancel, ctx.responseTimeoutMs);
        // The client's own initialize goes as 2025 (in front of a 2026-07-28 upstream it was answered above).
        const codec = isInit ? SESSION_ERA_CODEC : this.link.codec;
        const message = codec.encodeRequest(req, this.link.initParams);
        const headers = isInit ? await ctx.baseHeaders(this.clientAuthorization) : await this.link.headers(message);
        const usedId = this.link.sessionId;
        const sentAt = performance.now();
        const send = () => {
          wait.start();
          return postUpstream({
            url: ctx.upstreamUrl,
            headers,
            health: ctx.health,
            freshConnection: plan.freshConnection,
            signal: cancelled,
            message,
            onMessage: (m, upstreamSession) => this.relay(m, req, isInit, upstreamSession),
          });
        };
        let sent: UpstreamOutcome;
        try {
          sent = await (plan.oneAtATime ? ctx.health.sendOnce(send) : send());
        } finally {
          wait.done();
        }
        // A 2026-07-28 server's own JSON-RPC error under an HTTP status is its answer to relay.
        const ownError = codec.ownErrorsUnderStatus && sent.kind === 'http' ? ownErrorIn(sent.body, req.id) : undefined;
        const outcome = attemptOutcome(sent, {
          timedOut: wait.timedOut,
          cancelled: cancelled.aborted,
          holdingSession: usedId !== undefined,
          ownError,
          url: ctx.upstreamUrl,
        });
        let step = decideAttempt(outcome, state, this.policyContext(deadline, isInit, codec.era, repeat, what));
        if (step.decision.action === 'ask-tools') {
          await learnToolList(
            {
              link: this.link,
              upstreamUrl: ctx.upstreamUrl,
              tools: ctx.tools,
              health: ctx.health,
              closed: () => this.closed,
            },
            req,
            deadline,
            trace,
          );
          repeat = ctx.tools.verdict(req);
          step = decideAttempt(outcome, step.state, this.policyContext(deadline, isInit, codec.era, repeat, what));
        }
        state = step.state;
        const decision = step.decision;
        switch (decision.action) {
          case 'done': {
            ctx.markUp();
            const healed = this.countHeal(trace, req, pending);
            ctx.counters.answered(req.method, performance.now() - sentAt, sentAt - pending.startedAt, healed);
            return;
          }
          case 'drop':
            return this.endCancelled(req, pending);
          case 'hold':
            trace.held = true;
            await sleep(decision.delayMs);
            continue;
          case 'resend':
            trace.resent = true;
            await sleep(decision.delayMs);
            continue;
          case 'reinitialize':
            this.link.invalidate(usedId);
            trace.reinitialized = true;
            continue;
          case 'switch-era':
            this.link.switchEra(MODERN_ERA);
            this.link.ready = false;
            continue;
          case 'rediscover':
            this.link.ready = false;
            continue;
          case 'relay-upstream-error':
            ctx.markUp();
            if (ownError) return this.relay({ jsonrpc: '2.0', id: req.id, error: ownError }, req, false, undefined);
            return this.fail(req, `The MCP server refused ${what}.`, 'protocol');
          case 'ask-tools':
            // Asked once already: decideAttempt answers the same outcome with a final decision.
            return this.fail(req, `${what} was interrupted and its tool list could not be read.`, 'interrupted');
          case 'fail':
            if (decision.reason === 'timeout')
              this.cancelUpstream(
                req,
                `no answer within the gateway's response timeout (${Math.round(ctx.responseTimeoutMs / 1000)} s)`,
              );
            return this.fail(req, decision.message, decision.reason);
        }
      }
    } catch (e) {
      const reason = e instanceof HoldExpired ? 'unreachable' : e instanceof UpstreamRefused ? 'refused' : 'gateway';
      return this.fail(req, e instanceof Error ? e.message : String(e), reason);
    } finally {
      initDone?.();
    }
  }

  private policyContext(
    deadline: number,
    isInit: boolean,
    era: ProtocolEra,
    repeat: ForwardContext['repeat'],
    what: string,
  ): ForwardContext {
    const ctx = this.ctx;
    return {
      now: Date.now(),
      deadline,
      holdTimeoutMs: ctx.holdTimeoutMs,
      responseTimeoutMs: ctx.responseTimeoutMs,
      isInitialize: isInit,
      era,
      restarting: ctx.restarting(),
      repeat,
      rules: ctx.tools.rules,
      what,
      server: `at ${ctx.upstreamUrl}`,
      speaker: 'the gateway',
    };
  }

  /**
   * A 2025 client's initialize in front of a 2026-07-28 upstream: answered from the upstream's
   * server/discover (held while it is down). False when the upstream turned out to speak 2025 (send it on).
   */
  private async initializeLocally(req: JSONRPCRequest, deadline: number, trace: HealTrace): Promise<boolean> {
    if ((await this.link.discover(deadline, trace)) !== MODERN_ERA || !this.link.discovered) return false;
    const result = initializeResultFrom(this.link.discovered, fieldOf(req.params, 'protocolVersion'));
    this.ctx.markUp();
    this.relay({ jsonrpc: '2.0', id: req.id, result }, req, true, undefined);
    return true;
  }

  /** The client no longer waits (it cancelled, went away, or the gateway stops): stop, and tell upstream. */
  private endCancelled(req: JSONRPCRequest, pending: PendingRequest): void {
    // A client's own notifications/cancelled is forwarded as it is (forwardOther).
    if (pending.reason === 'client-gone') this.cancelUpstream(req, 'the client disconnected');
  }

  /** notifications/cancelled upstream for a request we stopped waiting for (best effort). */
  private cancelUpstream(req: JSONRPCRequest, reason: string): void {
    // 2026-07-28: closing the request's connection (done already) is the cancel.
    if (!this.link.codec.sessions) return;
    const message: JSONRPCMessage = {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: req.id, reason },
    };
    void this.link.headers().then(
      (headers) => postUpstream({ url: this.ctx.upstreamUrl, headers, message, onMessage: () => undefined }),
      () => undefined,
    );
  }

  /** Notifications and responses (to sampling/elicitation) from the client. Fire and forget. */
  private async forwardOther(message: JSONRPCMessage): Promise<void> {
    if ('method' in message && message.method === 'notifications/cancelled') {
      const id = fieldOf(message.params, 'requestId');
      if (typeof id === 'string' || typeof id === 'number') this.cancelPending(id, 'client-cancelled');
    }
    // A 2026-07-28 upstream takes no client notifications (no session to initialize or cancel in: a
    // cancelled request's connection is closed) and sends no requests a client could answer.
    if (!this.link.codec.sessions) return;
    const trace: HealTrace = { reinitialized: false, held: false, resent: false };
    const deadline = this.ctx.holdDeadline();
    const isResponse = isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message);
    try {
      for (let attempt = 0; attempt < FORWARD_LIMITS.notificationAttempts && !this.closed; attempt++) {
        await this.link.ensure(deadline, trace);
        const usedId = this.link.sessionId;
        const out = await postUpstream({
          url: this.ctx.upstreamUrl,
          headers: await this.link.headers(),
          health: this.ctx.health,
          message,
          onMessage: () => undefined,
        });
        if (out.kind === 'ok' || out.kind === 'broken' || out.kind === 'not-mcp') return;
        if (out.kind === 'http') {
          const f = classifyHttpStatus(out.status, out.body, { holdingSession: usedId !== undefined });
          // A response belongs to the upstream session that asked; a new one never asked.
          if (f.kind !== 'unknown-session' || isResponse) return;
          this.link.invalidate(usedId);
          continue;
        }
        await this.link.waitOrGiveUp(out, attempt, deadline, trace);
      }
    } catch (e) {
      this.ctx.logger.warn(
        `[${this.ctx.slug} ${shortenSessionId(this.id)}] dropped a client notification: ${errorMessage(e)}`,
      );
    }
  }

  // ---- upstream → client ----

  private relay(m: JSONRPCMessage, req: JSONRPCRequest, isInit: boolean, upstreamSession: string | undefined): void {
    // `m` passed the SDK's JSONRPCMessageSchema: a message with an id and a result or error is a response.
    const isAnswer = 'id' in m && m.id === req.id && ('result' in m || 'error' in m);
    if (isAnswer && 'result' in m) this.noteResult(req, m.result, isInit, upstreamSession);
    this.toClient(m, req.id, isAnswer);
  }

  private noteResult(req: JSONRPCRequest, result: unknown, isInit: boolean, upstreamSession: string | undefined): void {
    if (isInit) {
      this.link.adoptInitialize(upstreamSession, result);
      this.ctx.tools.learnServer(result);
      this.ctx.persist(this);
      this.ctx.emit({
        event: 'client-connected',
        session: shortenSessionId(this.id),
        message:
          `client ${this.clientInfo.name ?? '?'} ${this.clientInfo.version ?? ''} connected (upstream session ${shortenSessionId(upstreamSession)})`.replace(
            '  ',
            ' ',
          ),
      });
      return;
    }
    if (req.method === 'tools/list') this.ctx.tools.learnTools(result);
    const uri = fieldOf(req.params, 'uri');
    if (typeof uri === 'string' && (req.method === 'resources/subscribe' || req.method === 'resources/unsubscribe')) {
      if (req.method === 'resources/subscribe') this.link.subscriptions.add(uri);
      else this.link.subscriptions.delete(uri);
      this.ctx.persist(this);
    }
  }

  private countHeal(trace: HealTrace, req: JSONRPCRequest, pending: PendingRequest): boolean {
    const kind = trace.resent ? 'resent' : trace.held ? 'held' : trace.reinitialized ? 'reinitialized' : undefined;
    if (!kind) return false;
    this.ctx.counters.heal(kind);
    const durationMs = Math.round(performance.now() - pending.startedAt);
    // Lost by the server, whoever re-initialized (this request, or another of the session's, e.g. its GET stream).
    const sessionLost =
      trace.reinitialized || (pending.upstreamSession !== undefined && pending.upstreamSession !== this.link.sessionId);
    this.ctx.emit({
      event: kind,
      session: shortenSessionId(this.id),
      message: `healed ${req.method}${toolNameOf(req) ? ` (${toolNameOf(req)})` : ''}: ${kind}`,
      durationMs,
      ...(sessionLost ? { sessionLost: true } : {}),
    });
    return true;
  }

  private fail(req: JSONRPCRequest, message: string, reason: GatewayErrorReason): void {
    this.ctx.counters.errorsReturned++;
    this.ctx.counters.failed(req.method, reason);
    const startedAt = this.pending.get(req.id)?.startedAt;
    const durationMs = startedAt === undefined ? undefined : Math.round(performance.now() - startedAt);
    this.ctx.emit({
      event: 'error-returned',
      session: shortenSessionId(this.id),
      message: `${req.method}: ${message}`,
      reason,
      ...(durationMs !== undefined ? { durationMs } : {}),
    });
    const error = { code: GATEWAY_ERROR_CODE, message: `Archon MCP Doctor gateway: ${message}`, data: { reason } };
    this.toClient({ jsonrpc: '2.0', id: req.id, error }, req.id, true);
  }

  // ---- closing ----

  /** The client sent DELETE: end the upstream session too (best effort). */
  private closeByClient(): void {
    this.closed = true;
    for (const id of this.pending.keys()) this.cancelPending(id, 'gateway-stopped');
    this.getStream.stop();
    this.ctx.forget(this);
    this.ctx.emit({
      event: 'client-closed',
      session: shortenSessionId(this.id),
      message: `client ${this.clientInfo.name ?? '?'} closed its session`,
    });
    if (this.link.sessionId) {
      void this.link.headers().then(
        (headers) =>
          fetch(this.ctx.upstreamUrl, { method: 'DELETE', headers }).then(
            (r) => r.body?.cancel(),
            () => undefined,
          ),
        () => undefined,
      );
    }
  }

  /** Gateway stopping: end the client's streams, keep the persisted session. */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of this.pending.keys()) this.cancelPending(id, 'gateway-stopped');
    this.getStream.stop();
    await this.transport.close().catch(() => undefined);
  }
}
