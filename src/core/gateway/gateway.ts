// startGateway: one loopback HTTP server with an endpoint per upstream, port hand-over between
// gateways, persisted sessions. No VS Code imports.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServerEndpoint, sendJson } from './endpoint';
import { GatewayPortTaken, LOOPBACK, isAddrInUse, listenLoopback, probeHolder, type LoopbackListener } from './port';
import { rebindingRefusal } from './security';
import { Coalescer } from './stats';
import { SessionStore } from './store';
import {
  DEFAULTS, HEALTH_PATH, SERVICE_ID, slugify,
  type Gateway, type GatewayEvent, type GatewayLogger, type GatewayMode, type GatewayOptions, type GatewayStats,
} from './types';

const NO_LOG: GatewayLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
/** Sessions idle this long leave memory (they stay on disk until the TTL). */
const IDLE_IN_MEMORY_MS = 30 * 60_000;
const SWEEP_EVERY_MS = 5 * 60_000;
const MCP_PATH = /^\/([^/?#]+)\/mcp\/?$/;

class GatewayImpl implements Gateway {
  mode: GatewayMode = 'stopped';
  port: number;
  holderUrl?: string;
  private server?: LoopbackListener;
  private pollTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private polling = false;
  private readonly events = new EventEmitter();
  private readonly coalescer = new Coalescer(100, () => this.events.emit('change', this.stats()));
  private readonly endpoints = new Map<string, ServerEndpoint>();
  private readonly store: SessionStore;
  private readonly logger: GatewayLogger;
  private readonly startedAt = new Date().toISOString();

  constructor(private readonly opts: GatewayOptions) {
    this.logger = opts.logger ?? NO_LOG;
    this.port = opts.port ?? DEFAULTS.port;
    this.store = new SessionStore(opts.stateDir, opts.sessionTtlMs ?? DEFAULTS.sessionTtlMs, (m) => this.logger.warn(m));
    this.events.setMaxListeners(0);
    for (const upstream of opts.upstreams) {
      let slug = upstream.slug ? slugify(upstream.slug) : slugify(upstream.name);
      for (let n = 2; this.endpoints.has(slug); n++) slug = `${slugify(upstream.slug ?? upstream.name)}-${n}`;
      this.endpoints.set(slug, new ServerEndpoint(upstream, slug, {
        holdTimeoutMs: opts.holdTimeoutMs ?? DEFAULTS.holdTimeoutMs,
        maxBodyBytes: opts.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
        logger: this.logger,
        store: this.store,
        getAuthorization: opts.getAuthorization,
        emit: (e) => this.emit(e),
        changed: () => this.coalescer.poke(),
      }));
    }
  }

  get baseUrl(): string {
    return this.mode === 'deferred' && this.holderUrl ? this.holderUrl : `http://${LOOPBACK}:${this.port}`;
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

  notifyUpstreamRestarting(serverSlug: string, forMs?: number): void {
    const ep = this.endpoints.get(serverSlug) ?? this.endpoints.get(slugify(serverSlug));
    ep?.markRestarting(forMs ?? this.opts.holdTimeoutMs ?? DEFAULTS.holdTimeoutMs);
  }

  private emit(e: GatewayEvent): void {
    const line = `${e.event}${e.server ? ` [${e.server}${e.session ? ` ${e.session}` : ''}]` : ''}: ${e.message}`;
    if (e.event === 'error-returned') this.logger.warn(line);
    else this.logger.info(line);
    try {
      this.events.emit('event', e);
    } catch (err) {
      this.logger.error(`an event listener threw: ${(err as Error).message}`);
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
    if (holder) return this.defer(holder.baseUrl);
    // Client configurations point at one port: serving elsewhere would break them silently.
    throw new GatewayPortTaken(wanted);
  }

  private async serveOn(port: number): Promise<void> {
    const server = await listenLoopback(port, (req, res) => this.onRequest(req, res));
    this.server = server;
    this.port = server.port;
    this.store.load();
    const idleMs = this.opts.memoryIdleMs ?? IDLE_IN_MEMORY_MS;
    if (!this.sweepTimer) {
      this.sweepTimer = setInterval(() => {
        for (const e of this.endpoints.values()) void e.sweep(idleMs);
      }, Math.min(SWEEP_EVERY_MS, idleMs));
      this.sweepTimer.unref();
    }
    const wasDeferred = this.mode === 'deferred';
    this.mode = 'serving';
    this.holderUrl = undefined;
    this.emit({
      at: now(),
      event: wasDeferred ? 'takeover' : 'listening',
      url: this.url(),
      message: wasDeferred ? `took over port ${this.port}; ${this.store.all().length} saved session(s) stay valid` : `listening on ${this.baseUrl}`,
    });
  }

  private defer(holderUrl: string): void {
    this.mode = 'deferred';
    this.holderUrl = holderUrl;
    this.emit({ at: now(), event: 'deferred', url: this.url(), message: `another Archon MCP Doctor gateway serves ${holderUrl}; using it, and taking over if it goes away` });
    this.pollTimer = setInterval(() => void this.pollHolder(), this.opts.deferPollMs ?? DEFAULTS.deferPollMs);
  }

  private async pollHolder(): Promise<void> {
    if (this.polling || this.mode !== 'deferred') return;
    this.polling = true;
    try {
      if (await probeHolder(this.port, 500)) return;
      try {
        await this.serveOn(this.port);
        if (this.pollTimer) clearInterval(this.pollTimer);
        this.pollTimer = undefined;
      } catch (err) {
        if (!isAddrInUse(err)) this.logger.warn(`cannot take over port ${this.port}: ${(err as Error).message}`);
      }
    } finally {
      this.polling = false;
    }
  }

  // ---- requests ----

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.route(req, res).catch((err: unknown) => {
      this.logger.error(`request failed: ${(err as Error)?.message ?? String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { jsonrpc: '2.0', error: { code: -32603, message: 'Gateway internal error' }, id: null });
      else res.destroy();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = rebindingRefusal(req.headers.host, req.headers.origin);
    if (refusal) return sendJson(res, 403, { jsonrpc: '2.0', error: { code: -32000, message: refusal }, id: null }, { connection: 'close' });
    const path = (req.url ?? '/').split('?')[0];
    if (path === HEALTH_PATH) return sendJson(res, 200, this.health());
    const declared = Number(req.headers['content-length'] ?? 0);
    const max = this.opts.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
    if (declared > max) {
      return sendJson(res, 413, { jsonrpc: '2.0', error: { code: -32000, message: `Payload too large: the gateway accepts at most ${max} bytes` }, id: null }, { connection: 'close' });
    }
    const m = MCP_PATH.exec(path);
    const endpoint = m ? this.endpoints.get(decodeURIComponent(m[1])) : undefined;
    if (!endpoint) return sendJson(res, 404, { error: `No MCP endpoint here. Endpoints: ${Object.values(this.urls()).join(', ')}` });
    await endpoint.handle(req, res);
  }

  private health(): Record<string, unknown> {
    return {
      service: SERVICE_ID,
      pid: process.pid,
      baseUrl: `http://${LOOPBACK}:${this.port}`,
      startedAt: this.startedAt,
      servers: [...this.endpoints.values()].map((e) => ({ slug: e.slug, name: e.name, url: `http://${LOOPBACK}:${this.port}/${e.slug}/mcp` })),
    };
  }

  async stop(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    const wasServing = this.mode === 'serving';
    this.mode = 'stopped';
    await Promise.all([...this.endpoints.values()].map((e) => e.close()));
    const server = this.server;
    this.server = undefined;
    await server?.close();
    await this.store.flush();
    this.coalescer.dispose();
    if (wasServing) this.emit({ at: now(), event: 'stopped', message: 'gateway stopped' });
    this.coalescer.dispose();
  }
}

function now(): string {
  return new Date().toISOString();
}

/** Starts the healing gateway: serving on the port, or deferring to another of ours that holds it. */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const gw = new GatewayImpl(opts);
  await gw.start();
  return gw;
}
