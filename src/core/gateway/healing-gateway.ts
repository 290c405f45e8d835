// startGateway: one loopback HTTP server with an endpoint per upstream, port hand-over between
// gateways, persisted sessions. No VS Code imports.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../narrow';
import { ServerEndpoint, legacySseMessage, sendJson } from './endpoint';
import { holderMismatch } from './holder';
import { InFlight } from './in-flight';
import { loadModernFront } from './modern/load';
import {
  GatewayPortTaken,
  LOOPBACK,
  isAddrInUse,
  listenLoopback,
  probeHolder,
  type HolderInfo,
  type LoopbackListener,
} from './port';
import { redactUrl } from '../redact';
import { rebindingRefusal } from './security';
import { Coalescer, LossCounts } from './stats';
import { GatewaySessionStore } from './store';
import { IncidentRecorder, gatewayEventEffect, type IncidentObserver, type IncidentRecord } from '../incidents';
import type { LossCause } from '../server-state';
import { serveMetrics, METRICS_PATH, type MetricsInput } from './metrics-route';
import {
  DEFAULTS,
  HEALTH_PATH,
  SERVICE_ID,
  slugify,
  type Gateway,
  type GatewayEvent,
  type GatewayUpstream,
  type GatewayLogger,
  type GatewayMode,
  type GatewayOptions,
  type GatewayRuntime,
  type GatewayStats,
  type GatewayStatus,
} from './gateway-api';

const NO_LOG: GatewayLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
/** Sessions idle this long leave memory (they stay on disk until the TTL). */
const IDLE_IN_MEMORY_MS = 30 * 60_000;
const SWEEP_EVERY_MS = 5 * 60_000;
const MCP_PATH = /^\/([^/?#]+)\/mcp\/?$/;
/** Where legacy HTTP+SSE clients knock: GET /sse, POST /message(s), with or without a prefix. */
const LEGACY_SSE_PATH = /\/(sse|messages?)\/?$/;
/** How long a refused request body may keep arriving (drained, so the client reads our answer) before we cut it. */
const DRAIN_LIMIT_MS = 10_000;
/** How long a stop (or a dropped endpoint) lets the requests in flight finish before closing them. */
const DRAIN_ON_STOP_MS = 3_000;
/** After listening, when the 2026-07-28 front is loaded (not on the first request). */
const WARM_MODERN_FRONT_MS = 200;

class GatewayImpl implements Gateway {
  mode: GatewayMode = 'stopped';
  port: number;
  holderUrl?: string;
  private holder?: HolderInfo;
  private mismatch: string[] = [];
  private holderGoneSince?: number;
  private server?: LoopbackListener;
  private pollTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private polling = false;
  private readonly events = new EventEmitter();
  private readonly coalescer = new Coalescer(100, () => this.events.emit('change', this.stats()));
  private readonly endpoints = new Map<string, ServerEndpoint>();
  private readonly inFlight = new InFlight<ServerEndpoint>();
  private readonly store: GatewaySessionStore;
  private readonly logger: GatewayLogger;
  private readonly startedAt = new Date();
  private readonly recorder: IncidentRecorder;
  private readonly losses = new LossCounts();

  constructor(private readonly opts: GatewayOptions) {
    this.logger = opts.logger ?? NO_LOG;
    this.port = opts.port ?? DEFAULTS.port;
    this.store = new GatewaySessionStore(opts.stateDir, opts.sessionTtlMs ?? DEFAULTS.sessionTtlMs, (m) =>
      this.emit({ at: now(), event: 'session-store', message: m }),
    );
    this.recorder = new IncidentRecorder({
      seenBy: opts.incidentObserver ?? OBSERVER_OF[opts.runsIn ?? 'process'],
      stateDir: opts.stateDir,
      onProblem: (m) => this.emit({ at: now(), event: 'incident-journal', message: m }),
      upstreamOf: (name) => {
        const ep = [...this.endpoints.values()].find((e) => e.name === name);
        return ep ? redactUrl(ep.upstream.publicUrl ?? ep.upstream.url) : undefined;
      },
    });
    this.recorder.onChange((r) => this.losses.note(r));
    this.events.setMaxListeners(0);
    if (opts.onEvent) this.events.on('event', opts.onEvent);
    for (const upstream of opts.upstreams) this.addEndpoint(upstream);
  }

  private addEndpoint(upstream: GatewayUpstream): void {
    const opts = this.opts;
    let slug = upstream.slug ? slugify(upstream.slug) : slugify(upstream.name);
    for (let n = 2; this.endpoints.has(slug); n++) slug = `${slugify(upstream.slug ?? upstream.name)}-${n}`;
    this.endpoints.set(
      slug,
      new ServerEndpoint(upstream, slug, {
        holdTimeoutMs: opts.holdTimeoutMs ?? DEFAULTS.holdTimeoutMs,
        responseTimeoutMs: opts.responseTimeoutMs ?? DEFAULTS.responseTimeoutMs,
        maxBodyBytes: opts.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
        modernFastPath: opts.modernFastPath ?? true,
        logger: this.logger,
        store: this.store,
        getAuthorization: opts.getAuthorization,
        emit: (e) => this.emit(e),
        changed: () => this.coalescer.poke(),
        url: (s) => this.url(s),
      }),
    );
  }

  async setUpstreams(upstreams: GatewayUpstream[]): Promise<void> {
    const wanted = new Map(upstreams.map((u) => [u.slug ? slugify(u.slug) : slugify(u.name), u]));
    const gone: ServerEndpoint[] = [];
    for (const [slug, ep] of this.endpoints) {
      const next = wanted.get(slug);
      if (next && sameUpstream(next, ep.upstream)) wanted.delete(slug);
      else {
        // Out of routing first: new requests for it get 404 while its requests in flight finish.
        this.endpoints.delete(slug);
        gone.push(ep);
      }
    }
    for (const upstream of wanted.values()) this.addEndpoint(upstream);
    this.coalescer.poke();
    await Promise.all(
      gone.map(async (ep) => {
        await this.inFlight.drain(DRAIN_ON_STOP_MS, ep);
        await ep.close();
      }),
    );
  }

  get baseUrl(): string {
    return this.mode === 'deferred' && this.holderUrl ? this.holderUrl : this.ownBaseUrl();
  }

  /** Where clients reach this gateway when it serves: the public URL (Docker's publish) or loopback. */
  private ownBaseUrl(): string {
    return this.opts.publicUrl ? this.opts.publicUrl.replace(/\/+$/, '') : `http://${LOOPBACK}:${this.port}`;
  }

  urls(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const slug of this.endpoints.keys()) out[slug] = `${this.baseUrl}/${slug}/mcp`;
    return out;
  }

  url(slugOrName?: string): string {
    const all = this.urls();
    if (slugOrName === undefined) return Object.values(all)[0] ?? `${this.baseUrl}/`;
    return all[slugOrName] ?? all[slugify(slugOrName)] ?? `${this.baseUrl}/${slugify(slugOrName)}/mcp`;
  }

  stats(): GatewayStats {
    const urls = this.urls();
    return {
      mode: this.mode,
      port: this.port,
      holderUrl: this.mode === 'deferred' ? this.holderUrl : undefined,
      ...(this.mode === 'deferred' && this.holder ? { holder: this.holder, holderMismatch: this.mismatch } : {}),
      servers: [...this.endpoints.values()].map((e) => e.stats(urls[e.slug])),
    };
  }

  onChange(listener: (stats: GatewayStats) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }

  onEvent(listener: (event: GatewayEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  notifyUpstreamRestarting(serverSlug: string, forMs?: number, cause?: LossCause): void {
    const ep = this.endpoints.get(serverSlug) ?? this.endpoints.get(slugify(serverSlug));
    ep?.markRestarting(forMs ?? this.opts.holdTimeoutMs ?? DEFAULTS.holdTimeoutMs, cause);
  }

  incidents(): IncidentRecord[] {
    return this.recorder.list();
  }

  private emit(e: GatewayEvent): void {
    // Incidents are kept by server name (the window's monitor knows servers by name, not slug).
    const ep = e.server ? this.endpoints.get(e.server) : undefined;
    if (ep) this.recorder.apply(ep.name, gatewayEventEffect(e), e.at);
    const line = `${e.event}${e.server ? ` [${e.server}${e.session ? ` ${e.session}` : ''}]` : ''}: ${e.message}`;
    if (e.event === 'error-returned' || e.event === 'session-store' || e.event === 'incident-journal')
      this.logger.warn(line);
    else this.logger.info(line);
    try {
      this.events.emit('event', e);
    } catch (err) {
      this.logger.error(`an event listener threw: ${errorMessage(err)}`);
    }
    this.coalescer.poke();
  }

  // ---- binding ----

  async start(): Promise<void> {
    const wanted = this.port;
    try {
      await this.serveOn(wanted);
      return;
    } catch (err) {
      if (!isAddrInUse(err)) throw err;
    }
    const holder = await probeHolder(wanted);
    if (holder) return this.defer(holder);
    // Client configurations point at one port: serving elsewhere would break them silently.
    throw new GatewayPortTaken(wanted);
  }

  private async serveOn(port: number): Promise<void> {
    const server = await listenLoopback(port, (req, res) => this.onRequest(req, res), this.opts.host);
    this.server = server;
    this.port = server.port;
    this.store.load();
    this.recorder.load();
    const idleMs = this.opts.memoryIdleMs ?? IDLE_IN_MEMORY_MS;
    if (!this.sweepTimer) {
      this.sweepTimer = setInterval(
        () => {
          for (const e of this.endpoints.values()) void e.sweep(idleMs);
        },
        Math.min(SWEEP_EVERY_MS, idleMs),
      );
      this.sweepTimer.unref();
    }
    const wasDeferred = this.mode === 'deferred';
    this.mode = 'serving';
    this.holderUrl = undefined;
    this.holder = undefined;
    this.holderGoneSince = undefined;
    this.mismatch = [];
    this.emit({
      at: now(),
      event: wasDeferred ? 'takeover' : 'listening',
      url: this.url(),
      message: wasDeferred
        ? `took over port ${this.port}; ${this.store.all().length} saved session(s) stay valid`
        : `listening on ${this.baseUrl}`,
    });
    // Loading the 2026-07-28 front blocks for 0.1–0.3 s: do it now, off the first client's request.
    setTimeout(() => {
      try {
        loadModernFront();
      } catch (err) {
        this.logger.warn(`the 2026-07-28 front did not load (${errorMessage(err)}); 2025 clients are served as before`);
      }
    }, WARM_MODERN_FRONT_MS).unref();
  }

  private defer(holder: HolderInfo): void {
    this.mode = 'deferred';
    this.holderUrl = holder.baseUrl;
    const where = holder.runsIn === 'docker' ? ' (in Docker)' : holder.runsIn === 'vscode' ? ' (in VS Code)' : '';
    this.emit({
      at: now(),
      event: 'deferred',
      url: this.url(),
      message: `another Archon MCP Doctor gateway${where} serves ${holder.baseUrl}; using it, and taking over if it goes away`,
    });
    this.noteHolder(holder);
    this.pollTimer = setInterval(() => void this.pollHolder(), this.opts.deferPollMs ?? DEFAULTS.deferPollMs);
  }

  /** Keeps the holder's latest status; says once, clearly, when it serves other upstreams than ours. */
  private noteHolder(holder: HolderInfo): void {
    // Polled every second: renderers hear of it only when more than its uptime changed.
    const changed =
      JSON.stringify({ ...holder, uptimeSeconds: 0 }) !== JSON.stringify({ ...this.holder, uptimeSeconds: 0 });
    this.holder = holder;
    this.holderUrl = holder.baseUrl;
    const mismatch = holderMismatch(
      holder,
      [...this.endpoints.values()].map((e) => ({ slug: e.slug, upstream: e.upstream.publicUrl ?? e.upstream.url })),
    );
    if (mismatch.join('\n') !== this.mismatch.join('\n') && mismatch.length > 0) {
      this.emit({ at: now(), event: 'holder-mismatch', url: holder.baseUrl, message: mismatch.join('; ') });
    }
    this.mismatch = mismatch;
    if (changed) this.coalescer.poke();
  }

  private async pollHolder(): Promise<void> {
    if (this.polling || this.mode !== 'deferred') return;
    this.polling = true;
    try {
      const holder = await probeHolder(this.port, 500);
      if (holder) {
        this.holderGoneSince = undefined;
        return this.noteHolder(holder);
      }
      // A gateway in Docker that restarts (its policy, a crash) comes back on this port within
      // seconds; taking the port meanwhile would keep it from starting.
      this.holderGoneSince ??= Date.now();
      const grace = this.opts.dockerHolderGraceMs ?? DEFAULTS.dockerHolderGraceMs;
      if (this.holder?.runsIn === 'docker' && Date.now() - this.holderGoneSince < grace) return;
      try {
        await this.serveOn(this.port);
        if (this.pollTimer) clearInterval(this.pollTimer);
        this.pollTimer = undefined;
      } catch (err) {
        if (!isAddrInUse(err)) this.logger.warn(`cannot take over port ${this.port}: ${errorMessage(err)}`);
      }
    } finally {
      this.polling = false;
    }
  }

  // ---- requests ----

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.route(req, res).catch((err: unknown) => {
      this.logger.error(`request failed: ${errorMessage(err)}`);
      if (!res.headersSent)
        sendJson(res, 500, { jsonrpc: '2.0', error: { code: -32603, message: 'Gateway internal error' }, id: null });
      else res.destroy();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = rebindingRefusal(req.headers.host, req.headers.origin);
    if (refusal)
      return sendJson(
        res,
        403,
        { jsonrpc: '2.0', error: { code: -32000, message: refusal }, id: null },
        { connection: 'close' },
      );
    const path = (req.url ?? '/').split('?')[0];
    // The status is polled every second by deferred gateways: the incidents only when asked for.
    if (path === HEALTH_PATH) return sendJson(res, 200, this.health(/[?&]incidents(=|&|$)/.test(req.url ?? '')));
    if (path === METRICS_PATH) return serveMetrics(req, res, () => this.metricsInput());
    const declared = Number(req.headers['content-length'] ?? 0);
    const max = this.opts.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
    if (declared > max) {
      return refuseThenDrain(
        req,
        res,
        413,
        `Payload too large: the gateway accepts at most ${max} bytes (this request declared ${declared})`,
      );
    }
    const m = MCP_PATH.exec(path);
    const endpoint = m ? this.endpoints.get(decodeURIComponent(m[1])) : undefined;
    if (!endpoint) {
      const endpoints = Object.values(this.urls()).join(', ');
      if (LEGACY_SSE_PATH.test(path))
        return sendJson(res, 404, {
          jsonrpc: '2.0',
          error: { code: -32000, message: legacySseMessage(endpoints) },
          id: null,
        });
      return sendJson(res, 404, { error: `No MCP endpoint here. Endpoints: ${endpoints}` });
    }
    if (req.method === 'POST') this.inFlight.track(endpoint, res);
    await endpoint.handle(req, res);
  }

  /** The status endpoint's answer: counts and URLs, never session ids, headers or credentials. */
  private health(withIncidents = false): GatewayStatus {
    const base = this.ownBaseUrl();
    return {
      service: SERVICE_ID,
      pid: process.pid,
      baseUrl: base,
      runsIn: this.opts.runsIn ?? 'process',
      startedAt: this.startedAt.toISOString(),
      uptimeSeconds: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
      servers: [...this.endpoints.values()].map((e) => {
        const url = `${base}/${e.slug}/mcp`;
        const st = e.stats(url);
        return {
          slug: e.slug,
          name: e.name,
          url,
          upstream: redactUrl(e.upstream.publicUrl ?? e.upstream.url),
          clients: st.clients.length,
          requestsForwarded: st.requestsForwarded,
          healed: st.healed,
          errorsReturned: st.errorsReturned,
          repeat: st.repeat,
        };
      }),
      ...(withIncidents ? { incidents: this.recorder.list().slice(-STATUS_INCIDENTS) } : {}),
    };
  }

  /** What /metrics reads: the endpoints' counters and the incidents (nothing is counted twice). */
  private metricsInput(): MetricsInput {
    const open = new Map<string, number>();
    for (const r of this.recorder.list())
      if (!r.recoveredAt && !r.unfinished) open.set(r.server, (open.get(r.server) ?? 0) + 1);
    return {
      servers: [...this.endpoints.values()].map((e) => ({
        name: e.name,
        counters: e.counters,
        clients: e.stats('').clients.length,
        era: e.era.current,
        losses: this.losses.byCause(e.name),
        openIncidents: open.get(e.name) ?? 0,
      })),
    };
  }

  async stop(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    const wasServing = this.mode === 'serving';
    this.mode = 'stopped';
    // Requests being answered finish first (a client would get a bare 499 from a closed 2026-07-28 front).
    const server = this.server;
    this.server = undefined;
    const closeEndpoints = async () => void (await Promise.all([...this.endpoints.values()].map((e) => e.close())));
    if (server) await server.close(() => this.inFlight.drain(DRAIN_ON_STOP_MS).then(closeEndpoints));
    else await closeEndpoints();
    await this.store.flush();
    await this.recorder.stop();
    this.coalescer.dispose();
    if (wasServing) this.emit({ at: now(), event: 'stopped', message: 'gateway stopped' });
    this.coalescer.dispose();
  }
}

/** How many recent incidents the status endpoint reports. */
const STATUS_INCIDENTS = 100;
const OBSERVER_OF: Record<GatewayRuntime, IncidentObserver> = { docker: 'sidecar', process: 'proxy', vscode: 'window' };

function now(): string {
  return new Date().toISOString();
}

/**
 * Answers at once, then reads the rest of the body before closing: closing with the body unread
 * would reset the connection, and the client would never see the answer. A body that keeps coming
 * past DRAIN_LIMIT_MS is cut.
 */
function refuseThenDrain(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    connection: 'close',
  });
  res.write(text);
  const cut = setTimeout(() => req.socket.destroy(), DRAIN_LIMIT_MS);
  cut.unref();
  const done = (): void => {
    clearTimeout(cut);
    res.end();
  };
  req.once('end', done);
  req.once('error', done);
  req.resume();
}

/** Starts the healing gateway: serving on the port, or deferring to another of ours that holds it. */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const gw = new GatewayImpl(opts);
  await gw.start();
  return gw;
}

/** Same address, headers and rules: the endpoint (and its clients' sessions) can stay as it is. */
function sameUpstream(a: GatewayUpstream, b: GatewayUpstream): boolean {
  return (
    JSON.stringify([a.name, a.url, a.publicUrl, a.headers ?? {}, a.repeat ?? {}]) ===
    JSON.stringify([b.name, b.url, b.publicUrl, b.headers ?? {}, b.repeat ?? {}])
  );
}
