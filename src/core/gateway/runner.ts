// Keeps one healing gateway in step with the settings: started, restarted when its configuration
// changes, stopped when disabled. Used by the VS Code layer and by plain-Node tests alike.
import { errorMessage } from '../narrow';
import type { RepeatRules } from '../healing';
import { repeatRulesFor, type GatewaySettings } from '../settings';
import type { ServerConfig } from '../server-state';
import { startGateway } from './healing-gateway';
import { GatewayPortTaken } from './port';
import type {
  Gateway,
  GatewayCounters,
  GatewayLogger,
  GatewayRuntime,
  GatewayStats,
  GatewayStatusServer,
  GatewayUpstream,
  ServerGatewayStats,
} from './gateway-api';

declare module '../server-state' {
  interface SnapshotSections {
    /** The healing gateway's view of this server, while it serves it. */
    gateway?: GatewayView;
  }
}

/** Where another gateway that serves the port runs, its start time, and this server's figures there. */
export interface HolderView {
  runsIn?: GatewayRuntime;
  startedAt?: string;
  server?: Partial<GatewayStatusServer>;
}

/** The gateway's view of one server, as kept in the server's snapshot. */
export type GatewayView = ServerGatewayStats & {
  mode: GatewayStats['mode'];
  port: number;
  /** While another gateway serves the port. */
  holder?: HolderView;
  /** How that gateway's upstreams differ from these settings. */
  holderMismatch?: string[];
};

export const RUNS_IN_LABEL: Record<GatewayRuntime, string> = {
  docker: 'in Docker',
  process: 'as a process (archon-mcp-doctor proxy)',
  vscode: 'in another VS Code window',
};

export interface GatewayRunnerDeps {
  stateDir?: string;
  /** Reported on the status endpoint (default `process`). */
  runsIn?: GatewayRuntime;
  logger: GatewayLogger;
  getAuthorization?: (server: GatewayUpstream) => Promise<string | undefined>;
  /** Each served server's view after any change; `undefined` for every server when the gateway stops. */
  publish(serverName: string, view: GatewayView | undefined): void;
  /** Something a person should be told (the gateway could not start, another gateway serves other upstreams). */
  notify?(message: string): void;
  /** A served server's repeat rules, given the settings' (default: the settings' alone); the shared server list adds its own. */
  repeatRules?(server: ServerConfig, fromSettings: RepeatRules): RepeatRules;
  /** The configured port is held by a program that is not one of our gateways (default: notify). */
  portTaken?(err: GatewayPortTaken): void;
}

function viewOf(stats: GatewayStats, s: ServerGatewayStats): GatewayView {
  const holder = stats.holder
    ? {
        runsIn: stats.holder.runsIn,
        startedAt: stats.holder.startedAt,
        server: stats.holder.servers.find((h) => h.slug === s.slug),
      }
    : undefined;
  return { ...s, mode: stats.mode, port: stats.port, holder, holderMismatch: stats.holderMismatch };
}

export class GatewayRunner {
  private gateway?: Gateway;
  private key = '';
  /** The settings of the gateway itself (port, timeouts): a change of these restarts it. */
  private gatewayKey = '';
  private published = new Set<string>();
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: GatewayRunnerDeps) {}

  /** Starts, restarts or stops the gateway to match the settings; unchanged settings cost nothing. Call it serially. */
  async apply(servers: readonly ServerConfig[], g: GatewaySettings): Promise<void> {
    const upstreams = g.enabled
      ? servers
          .filter((s) => s.transport !== 'sse')
          .map((s) => ({
            name: s.name,
            url: s.url,
            headers: s.headers,
            repeat: this.deps.repeatRules?.(s, repeatRulesFor(s.name, g)) ?? repeatRulesFor(s.name, g),
          }))
      : [];
    const key = JSON.stringify({ upstreams, port: g.port, hold: g.holdTimeoutMs, response: g.responseTimeoutMs });
    if (key === this.key) return;
    const sameGateway = JSON.stringify({ port: g.port, hold: g.holdTimeoutMs, response: g.responseTimeoutMs });
    const previous = this.gatewayKey;
    this.key = key;
    this.gatewayKey = sameGateway;
    // Only the servers changed: the others keep their clients and their calls in flight.
    if (this.gateway && upstreams.length > 0 && previous === sameGateway) {
      await this.gateway.setUpstreams(upstreams);
      this.publish(this.gateway.stats());
      return;
    }
    await this.stop();
    const log = this.deps.logger;
    if (g.enabled) {
      for (const s of servers.filter((x) => x.transport === 'sse')) {
        log.info(
          `${s.name} uses the legacy SSE transport, which the gateway does not serve; clients keep connecting to it directly`,
        );
      }
    }
    if (upstreams.length === 0) return;
    try {
      const gateway = await startGateway({
        upstreams,
        port: g.port,
        runsIn: this.deps.runsIn,
        holdTimeoutMs: g.holdTimeoutMs,
        responseTimeoutMs: g.responseTimeoutMs,
        stateDir: this.deps.stateDir,
        logger: log,
        getAuthorization: this.deps.getAuthorization,
      });
      this.gateway = gateway;
      this.unsubscribe.push(gateway.onChange((stats) => this.publish(stats)));
      this.unsubscribe.push(
        gateway.onEvent((e) => {
          if (e.event === 'holder-mismatch')
            this.deps.notify?.(
              `the healing gateway already on port ${g.port} serves other upstreams than these settings: ${e.message}.`,
            );
        }),
      );
      const stats = gateway.stats();
      this.publish(stats);
      if (stats.mode === 'deferred') {
        const where = stats.holder?.runsIn ? RUNS_IN_LABEL[stats.holder.runsIn] : 'elsewhere';
        log.info(
          `a gateway running ${where} already serves ${gateway.baseUrl}; it is used, and taken over if it goes away`,
        );
        if (stats.holderMismatch?.length) {
          this.deps.notify?.(
            `the healing gateway already on port ${g.port} serves other upstreams than these settings: ${stats.holderMismatch.join('; ')}.`,
          );
        }
      }
    } catch (err) {
      // The next apply with the same settings tries again.
      this.key = '';
      log.error(`could not start: ${errorMessage(err)}`);
      if (err instanceof GatewayPortTaken && this.deps.portTaken) this.deps.portTaken(err);
      else this.deps.notify?.(`the healing gateway could not start: ${errorMessage(err)}`);
    }
  }

  current(): Gateway | undefined {
    return this.gateway;
  }

  /** The gateway's view of one server, while the gateway serves it. */
  view(serverName: string): GatewayView | undefined {
    const stats = this.gateway?.stats();
    const s = stats?.servers.find((x) => x.name === serverName);
    return stats && s ? viewOf(stats, s) : undefined;
  }

  url(serverName: string): string | undefined {
    return this.server(serverName)?.url;
  }

  /** The endpoint slug of a served server (container deaths are told to the gateway by slug). */
  slugOf(serverName: string): string | undefined {
    return this.server(serverName)?.slug;
  }

  /** The gateway's counters for one server right now (not the coalesced copy in the snapshot). */
  counters(serverName: string): GatewayCounters | undefined {
    const s = this.server(serverName);
    return s && { requestsForwarded: s.requestsForwarded, errorsReturned: s.errorsReturned, healed: { ...s.healed } };
  }

  /** Stops the gateway and forgets its configuration, so that the next apply starts it again (e.g. to free the port). */
  async release(): Promise<void> {
    this.key = '';
    await this.stop();
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    const gateway = this.gateway;
    this.gateway = undefined;
    for (const name of this.published) this.deps.publish(name, undefined);
    this.published.clear();
    await gateway?.stop().catch((err: Error) => this.deps.logger.warn(`stopping failed: ${err.message}`));
  }

  private server(serverName: string): ServerGatewayStats | undefined {
    return this.gateway?.stats().servers.find((s) => s.name === serverName);
  }

  private publish(stats: GatewayStats): void {
    const served = new Set(stats.servers.map((s) => s.name));
    for (const name of this.published) if (!served.has(name)) this.deps.publish(name, undefined);
    this.published = served;
    for (const s of stats.servers) this.deps.publish(s.name, viewOf(stats, s));
  }
}
