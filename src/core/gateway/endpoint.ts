// One gateway endpoint (/<slug>/mcp) for one upstream server: its client sessions and counters.
import { UpstreamEra } from './era';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { shortenSessionId } from '../redact';
import { errorMessage } from '../narrow';
import { ToolKnowledge } from '../healing';
import { ClientSession, type EndpointContext } from './session';
import { ServerCounters } from './stats';
import type { GatewaySessionStore } from './store';
import { UpstreamHealth } from './upstream-http';
import type { GatewayEvent, GatewayLogger, GatewayUpstream, ServerGatewayStats } from './gateway-api';
import type { LossCause } from '../server-state';
import { jsonOf, readBodyOnce, type PreReadBody } from './modern/body';
import { TOO_DEEP_BODY_MESSAGE } from './json-depth';
import { loadModernFront } from './modern/load';
import { SUPPORTED_PROTOCOL_VERSIONS } from './spec';
import type { ModernFront } from './modern/front';

export interface EndpointEnv {
  holdTimeoutMs: number;
  responseTimeoutMs: number;
  maxBodyBytes: number;
  /** Established 2026-07-28 requests answered directly (modern/fast-path.ts); false: all through the SDK's handler. */
  modernFastPath?: boolean;
  logger: GatewayLogger;
  store: GatewaySessionStore;
  getAuthorization?: (server: GatewayUpstream) => Promise<string | undefined> | string | undefined;
  emit(event: GatewayEvent): void;
  changed(): void;
  /** The client-facing URL of an endpoint. */
  url(slug: string): string;
}

const AUTH_CACHE_MS = 5_000;

export class ServerEndpoint implements EndpointContext {
  readonly tools: ToolKnowledge;
  readonly counters = new ServerCounters();
  readonly health = new UpstreamHealth();
  /** The upstream's protocol era (2025 or 2026-07-28), learnt from its answers, shared by its sessions. */
  readonly era = new UpstreamEra();
  readonly sessions = new Map<string, ClientSession>();
  private restartingUntil = 0;
  private authCache: { at: number; value: string | undefined } | undefined;
  /** The 2026-07-28 front (modern/), made on the first POST. */
  private modern: ModernFront | undefined;
  private modernBroken = false;

  constructor(
    readonly upstream: GatewayUpstream,
    readonly slug: string,
    private readonly env: EndpointEnv,
  ) {
    this.tools = new ToolKnowledge(upstream.repeat);
    this.health.onBroke = () => {
      // A Docker signal says more, and says it itself (markRestarting).
      if (!this.restarting()) this.emit({ event: 'upstream-down', message: `${this.name} stopped answering` });
    };
  }

  get name(): string {
    return this.upstream.name;
  }
  get upstreamUrl(): string {
    return this.upstream.url;
  }
  get holdTimeoutMs(): number {
    return this.env.holdTimeoutMs;
  }
  get responseTimeoutMs(): number {
    return this.env.responseTimeoutMs;
  }
  get maxBodyBytes(): number {
    return this.env.maxBodyBytes;
  }
  get logger(): GatewayLogger {
    return this.env.logger;
  }

  restarting(): boolean {
    return Date.now() < this.restartingUntil;
  }

  holdDeadline(): number {
    return Math.max(Date.now() + this.env.holdTimeoutMs, this.restartingUntil);
  }

  markRestarting(forMs: number, cause?: LossCause): void {
    this.restartingUntil = Date.now() + forMs;
    // A restart takes the upstream sessions with it. Re-initializing first (always safe to repeat)
    // means no client request is sent into a dead connection, where it could not tell whether it ran:
    // behind Docker's port proxy a stopped container accepts connections and then drops them.
    for (const s of this.sessions.values()) s.link.invalidate(s.link.sessionId);
    this.modern?.upstreamRestarting();
    this.health.broke();
    this.emit({
      event: 'upstream-restarting',
      message: `${this.name} is restarting: holding its requests for up to ${Math.round(forMs / 1000)} s`,
      ...(cause ? { cause } : {}),
    });
  }

  markUp(): void {
    this.restartingUntil = 0;
  }

  async baseHeaders(clientAuthorization: string | undefined): Promise<Record<string, string>> {
    const h: Record<string, string> = { ...(this.upstream.headers ?? {}) };
    const auth = clientAuthorization ?? (await this.storedAuthorization());
    if (auth) h.authorization = auth;
    return h;
  }

  private async storedAuthorization(): Promise<string | undefined> {
    if (!this.env.getAuthorization) return undefined;
    const now = Date.now();
    if (this.authCache && now - this.authCache.at < AUTH_CACHE_MS) return this.authCache.value;
    let value: string | undefined;
    try {
      value = (await this.env.getAuthorization(this.upstream)) || undefined;
    } catch {
      value = undefined; // never log what a token lookup threw: it might quote the token
    }
    this.authCache = { at: now, value };
    return value;
  }

  register(session: ClientSession): void {
    if (session.id) this.sessions.set(session.id, session);
    this.changed();
  }

  forget(session: ClientSession): void {
    if (session.id) {
      this.sessions.delete(session.id);
      this.env.store.delete(session.id);
    }
    this.changed();
  }

  persist(session: ClientSession): void {
    const p = session.toPersisted();
    if (p) this.env.store.put(p);
  }

  emit(event: Omit<GatewayEvent, 'at' | 'server'>): void {
    const full: GatewayEvent = { at: new Date().toISOString(), server: this.slug, ...event };
    if (event.event !== 'client-connected' && event.event !== 'client-closed') this.counters.lastEvent = full;
    this.env.emit(full);
    this.changed();
  }

  changed(): void {
    this.env.changed();
  }

  /** Finds the session for an id: in memory, or persisted by an earlier run or another gateway. */
  private lookup(id: string): ClientSession | undefined {
    const live = this.sessions.get(id);
    if (live) return live;
    const saved = this.env.store.get(id);
    if (!saved || saved.server !== this.slug) return undefined;
    const session = new ClientSession(this, saved);
    this.sessions.set(id, session);
    this.emit({
      event: 'session-restored',
      session: shortenSessionId(id),
      message: `restored the saved session of ${session.clientInfo.name ?? 'a client'}`,
    });
    return session;
  }

  /** The front, made once; undefined when its bundle cannot load (a damaged install): 2025 still works. */
  private modernFront(): ModernFront | undefined {
    if (this.modern || this.modernBroken) return this.modern;
    try {
      this.modern = loadModernFront().createModernFront(
        this,
        (transport) => new ClientSession(this, undefined, transport),
        { fastPath: this.env.modernFastPath !== false },
      );
    } catch (err) {
      this.modernBroken = true;
      this.env.logger.error(`${this.name}: 2026-07-28 clients cannot be served: ${errorMessage(err)}`);
    }
    return this.modern;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Era dispatch (modern/): a POST is read once and classified; 2026-07-28 requests go to the modern
    // front, 2025 requests (and everything else) down the session path below with the same bytes.
    let body: PreReadBody | undefined;
    if (req.method === 'POST') {
      body = await readBodyOnce(req, this.env.maxBodyBytes);
      // Refused before any path looks at it, whatever its era: what follows parsing recurses.
      if (body !== 'too-large' && body.malformed && body.tooDeep)
        return sendJson(res, 400, {
          jsonrpc: '2.0',
          error: { code: -32700, message: TOO_DEEP_BODY_MESSAGE },
          id: null,
        });
      const parsed = jsonOf(body);
      const modern = this.modernFront();
      // A body over the limit is answered 413 by the session path, whatever its era.
      const decision = modern && body !== 'too-large' && !ofLegacySession(req) ? modern.eraOf(req, parsed) : undefined;
      if (modern && decision?.era === '2026-07-28') return modern.handle(req, res, parsed, decision.route);
    }
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string' && sid) {
      const session = this.lookup(sid);
      if (!session)
        return sendJson(res, 404, { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
      return session.handleHttp(req, res, body);
    }
    if (req.method === 'GET' && String(req.headers.accept ?? '').includes('text/event-stream')) {
      // A legacy HTTP+SSE client waits here for an `endpoint` event that this transport never sends.
      return sendJson(res, 400, {
        jsonrpc: '2.0',
        error: { code: -32000, message: legacySseMessage(this.env.url(this.slug)) },
        id: null,
      });
    }
    if (req.method !== 'POST') {
      return sendJson(res, 400, {
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Bad Request: Mcp-Session-Id header is required' },
        id: null,
      });
    }
    // A new session: the transport mints the id when it sees initialize (anything else gets its 400).
    const session = new ClientSession(this);
    await session.handleHttp(req, res, body);
    if (!session.id) await session.close();
  }

  /**
   * Lets idle sessions leave memory; they stay on disk and are restored on their next request.
   * Sessions that were never initialized are dropped.
   */
  async sweep(idleMs: number, now = Date.now()): Promise<number> {
    const idle = [...this.sessions.values()].filter((s) => s.isIdle(now, idleMs));
    for (const s of idle) {
      this.persist(s);
      if (s.id) this.sessions.delete(s.id);
    }
    await Promise.all(idle.map((s) => s.close()));
    if (idle.length) this.changed();
    return idle.length;
  }

  stats(url: string): ServerGatewayStats {
    const c = this.counters;
    // 2025 clients by session; 2026-07-28 clients (no session) by the name and version they send.
    const clients: ServerGatewayStats['clients'] = [...this.sessions.values()]
      .filter((s) => s.link.initParams)
      .map((s): ServerGatewayStats['clients'][number] => ({
        era: '2025',
        session: shortenSessionId(s.id),
        name: s.clientInfo.name,
        version: s.clientInfo.version,
        connectedAt: s.connectedAt,
        lastSeenAt: s.lastSeenAt,
      }))
      .concat(c.modernClients.list());
    return {
      name: this.name,
      slug: this.slug,
      upstreamUrl: this.upstreamUrl,
      url,
      clients,
      requestsForwarded: c.requestsForwarded,
      healed: { ...c.healed },
      errorsReturned: c.errorsReturned,
      healedToday: c.healedToday,
      lastEvent: c.lastEvent,
      repeat: { knownServer: this.tools.knownServer?.label, tools: this.tools.explain() },
    };
  }

  async close(): Promise<void> {
    await this.modern?.close();
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
    this.sessions.clear();
  }
}

/**
 * A request of a 2025 session that names a 2025 protocol version: never a 2026-07-28 one (the SDK's
 * classifier rejects a modern envelope under a 2025 header, and a live session's transport answers
 * such rejections itself), so the hot path skips the classifier.
 */
function ofLegacySession(req: IncomingMessage): boolean {
  const version = req.headers['mcp-protocol-version'];
  return (
    typeof req.headers['mcp-session-id'] === 'string' &&
    typeof version === 'string' &&
    SUPPORTED_PROTOCOL_VERSIONS.includes(version)
  );
}

/** The answer for a client that speaks the legacy HTTP+SSE transport (GET /sse, POST /message). */
export function legacySseMessage(url: string): string {
  return `This endpoint speaks Streamable HTTP (MCP 2025-03-26 and later), not the legacy HTTP+SSE transport (GET /sse, then POST /message). Configure the client for Streamable HTTP ("type": "http") with ${url}.`;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
