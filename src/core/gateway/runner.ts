// Keeps one healing gateway in step with the settings: started, restarted when its configuration
// changes, stopped when disabled. Used by the VS Code layer and by plain-Node tests alike.
import type { GatewaySettings } from '../settings';
import type { ServerConfig } from '../types';
import { startGateway } from './gateway';
import type { Gateway, GatewayLogger, GatewayStats, GatewayUpstream, ServerGatewayStats } from './types';

/** The gateway's view of one server, as kept in the server's snapshot. */
export type GatewayView = ServerGatewayStats & { mode: GatewayStats['mode']; port: number; movedFromPort?: number };

export interface GatewayRunnerDeps {
  stateDir?: string;
  logger: GatewayLogger;
  getAuthorization?: (server: GatewayUpstream) => Promise<string | undefined>;
  /** Each served server's view after any change; `undefined` for every server when the gateway stops. */
  publish(serverName: string, view: GatewayView | undefined): void;
  /** Something a person should be told (the port moved, the gateway could not start). */
  notify?(message: string): void;
}

export class GatewayRunner {
  private gateway?: Gateway;
  private key = '';
  private published = new Set<string>();
  private unsubscribe?: () => void;

  constructor(private readonly deps: GatewayRunnerDeps) {}

  /** Starts, restarts or stops the gateway to match the settings; unchanged settings cost nothing. Call it serially. */
  async apply(servers: readonly ServerConfig[], g: GatewaySettings): Promise<void> {
    const upstreams = g.enabled
      ? servers.filter((s) => s.transport !== 'sse').map((s) => ({ name: s.name, url: s.url, headers: s.headers }))
      : [];
    const key = JSON.stringify({ upstreams, port: g.port, hold: g.holdTimeoutMs });
    if (key === this.key) return;
    this.key = key;
    await this.stop();
    const log = this.deps.logger;
    if (g.enabled) {
      for (const s of servers.filter((x) => x.transport === 'sse')) {
        log.info(`${s.name} uses the legacy SSE transport, which the gateway does not serve; clients keep connecting to it directly`);
      }
    }
    if (upstreams.length === 0) return;
    try {
      const gateway = await startGateway({
        upstreams, port: g.port, holdTimeoutMs: g.holdTimeoutMs, stateDir: this.deps.stateDir, logger: log, getAuthorization: this.deps.getAuthorization,
      });
      this.gateway = gateway;
      this.unsubscribe = gateway.onChange((stats) => this.publish(stats));
      const stats = gateway.stats();
      this.publish(stats);
      if (stats.movedFromPort !== undefined) this.deps.notify?.(`port ${stats.movedFromPort} is taken by another program; the healing gateway listens on ${gateway.baseUrl} instead.`);
      if (stats.mode === 'deferred') log.info(`another VS Code window already serves ${gateway.baseUrl}; this window uses it and takes over if it goes away`);
    } catch (err) {
      // The next apply with the same settings tries again.
      this.key = '';
      log.error(`could not start: ${(err as Error).message}`);
      this.deps.notify?.(`the healing gateway could not start: ${(err as Error).message}`);
    }
  }

  current(): Gateway | undefined {
    return this.gateway;
  }

  /** The gateway's view of one server, while the gateway serves it. */
  view(serverName: string): GatewayView | undefined {
    const stats = this.gateway?.stats();
    const s = stats?.servers.find((x) => x.name === serverName);
    return stats && s ? { ...s, mode: stats.mode, port: stats.port, movedFromPort: stats.movedFromPort } : undefined;
  }

  url(serverName: string): string | undefined {
    return this.gateway?.stats().servers.find((s) => s.name === serverName)?.url;
  }

  /** A container died: hold this server's client requests instead of failing them. */
  upstreamRestarting(serverName: string): void {
    const slug = this.gateway?.stats().servers.find((s) => s.name === serverName)?.slug;
    if (slug) this.gateway?.notifyUpstreamRestarting(slug);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const gateway = this.gateway;
    this.gateway = undefined;
    for (const name of this.published) this.deps.publish(name, undefined);
    this.published.clear();
    await gateway?.stop().catch((err: Error) => this.deps.logger.warn(`stopping failed: ${err.message}`));
  }

  private publish(stats: GatewayStats): void {
    for (const s of stats.servers) {
      this.published.add(s.name);
      this.deps.publish(s.name, { ...s, mode: stats.mode, port: stats.port, movedFromPort: stats.movedFromPort });
    }
  }
}
