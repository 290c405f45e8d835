// The healing gateway inside VS Code: started with the extension, restarted when its settings change,
// registered with VS Code's own MCP support, and shown under each server in the tree.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CLIENT_KINDS, CLIENT_LABELS, clientConfig } from '../core/client-config';
import {
  GatewayPortTaken, holdOnContainerDown, startGateway,
  type Gateway, type GatewayRuntime, type GatewayStats, type GatewayStatusServer, type ServerGatewayStats,
} from '../core/gateway';
import type { GatewayCounters } from '../core/rehearsal';
import type { Settings } from '../core/settings';
import type { ServerSnapshot } from '../core/types';
import type { DoctorContext } from './context';
import type { DetailNode } from './tree';

/** The gateway's view of one server, as kept in the server's snapshot. */
export type GatewayExtra = ServerGatewayStats & {
  mode: GatewayStats['mode'];
  port: number;
  /** While another gateway serves the port: where it runs, its uptime and this server's figures there. */
  holder?: { runsIn?: GatewayRuntime; startedAt?: string; server?: Partial<GatewayStatusServer> };
  holderMismatch?: string[];
};

const RUNS_IN_LABEL: Record<GatewayRuntime, string> = { docker: 'in Docker', process: 'as a process (archon-mcp-doctor proxy)', vscode: 'in another VS Code window' };

function uptime(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} d ${Math.floor((seconds % 86400) / 3600)} h`;
}

/** The nodes for a gateway that another one serves: its own status endpoint's figures. */
function holderNodes(g: GatewayExtra, id: (k: string) => string): DetailNode[] {
  const h = g.holder;
  if (!h) return [];
  const s = h.server;
  const healed = s?.healed ? s.healed.reinitialized + s.healed.held + s.healed.resent : undefined;
  const nodes: DetailNode[] = [
    { kind: 'detail', id: id('url'), label: 'URL', description: g.url, icon: 'link', value: g.url },
    { kind: 'detail', id: id('runs-in'), label: 'Runs', description: h.runsIn ? RUNS_IN_LABEL[h.runsIn] : 'elsewhere', icon: h.runsIn === 'docker' ? 'package' : 'server-process' },
  ];
  // From its start time, so the figure is current whenever the tree renders.
  const started = h.startedAt ? Date.parse(h.startedAt) : Number.NaN;
  if (!Number.isNaN(started)) nodes.push({ kind: 'detail', id: id('uptime'), label: 'Uptime', description: uptime(Math.max(0, Math.round((Date.now() - started) / 1000))), icon: 'clock' });
  if (s?.clients !== undefined) nodes.push({ kind: 'detail', id: id('clients'), label: 'Clients', description: String(s.clients), icon: 'person' });
  if (s?.requestsForwarded !== undefined) nodes.push({ kind: 'detail', id: id('forwarded'), label: 'Requests forwarded', description: String(s.requestsForwarded), icon: 'arrow-right' });
  if (healed !== undefined) {
    nodes.push({
      kind: 'detail', id: id('healed'), label: 'Requests healed', icon: 'wand', tone: healed ? 'ok' : undefined,
      description: `${healed} (re-initialized ${s!.healed!.reinitialized}, held ${s!.healed!.held}, resent ${s!.healed!.resent})`,
    });
  }
  for (const [i, m] of (g.holderMismatch ?? []).entries()) nodes.push({ kind: 'detail', id: id(`mismatch/${i}`), label: 'Serves another upstream', description: m, tooltip: m, icon: 'warning', tone: 'warning' });
  return nodes;
}

export function gatewayOf(s: ServerSnapshot): GatewayExtra | undefined {
  return s.extras.gateway as GatewayExtra | undefined;
}

export function gatewayNodes(s: ServerSnapshot): DetailNode[] {
  const g = gatewayOf(s);
  if (!g) return [];
  const id = (k: string) => `${s.name}/gateway/${k}`;
  const healed = g.healed.reinitialized + g.healed.held + g.healed.resent;
  const runsIn = g.holder?.runsIn;
  const mode = g.mode !== 'deferred' ? '' : runsIn === 'docker' ? ' (in Docker)' : runsIn === 'process' ? ' (a gateway process)' : ' (served by another window)';
  const tooltip = 'Point AI clients here (Archon: Copy Client Config): their sessions survive server restarts.';
  if (g.mode === 'deferred' && g.holder) {
    return [{
      kind: 'detail', id: id('self'), label: 'Healing gateway', description: `${g.url}${mode}`, icon: 'shield', contextValue: 'gateway', value: g.url,
      tone: g.holderMismatch?.length ? 'warning' : undefined, tooltip, children: holderNodes(g, id),
    }];
  }
  return [{
    kind: 'detail', id: id('self'), label: 'Healing gateway', description: `${g.url}${mode}`, icon: 'shield', contextValue: 'gateway', value: g.url,
    tooltip,
    children: [
      { kind: 'detail', id: id('url'), label: 'URL', description: g.url, icon: 'link', value: g.url },
      {
        kind: 'detail', id: id('clients'), label: 'Clients', description: String(g.clients.length), icon: 'person',
        children: g.clients.map((c) => ({ kind: 'detail', id: id(`client/${c.session}`), label: c.name ? `${c.name} ${c.version ?? ''}`.trim() : 'unnamed client', description: `session ${c.session}`, icon: 'account' })),
      },
      { kind: 'detail', id: id('forwarded'), label: 'Requests forwarded', description: String(g.requestsForwarded), icon: 'arrow-right' },
      {
        kind: 'detail', id: id('healed'), label: 'Requests healed', icon: 'wand', tone: healed ? 'ok' : undefined,
        description: `${healed} (re-initialized ${g.healed.reinitialized}, held ${g.healed.held}, resent ${g.healed.resent}); today ${g.healedToday}`,
      },
      { kind: 'detail', id: id('errors'), label: 'Errors returned to clients', description: String(g.errorsReturned), icon: 'error', tone: g.errorsReturned ? 'warning' : undefined },
    ],
  }];
}

export function healedTodayLine(snapshots: readonly ServerSnapshot[]): string[] {
  const today = snapshots.reduce((n, s) => n + (gatewayOf(s)?.healedToday ?? 0), 0);
  const any = snapshots.some((s) => gatewayOf(s));
  return any ? [`$(shield) The gateway healed ${today} client request${today === 1 ? '' : 's'} today.`] : [];
}

export class GatewayHost implements vscode.Disposable {
  private gateway?: Gateway;
  private key = '';
  private unsubscribe: (() => void)[] = [];
  private registerWithVSCode = true;

  constructor(private readonly ctx: DoctorContext, private readonly definitionsChanged: () => void) {}

  /** Starts, restarts or stops the gateway to match the settings; unchanged settings cost nothing. */
  async apply(settings: Settings): Promise<void> {
    const g = settings.gateway;
    this.registerWithVSCode = g.registerWithVSCode;
    const upstreams = g.enabled
      ? settings.servers.filter((s) => s.transport !== 'sse').map((s) => ({ name: s.name, url: s.url, headers: s.headers }))
      : [];
    const key = JSON.stringify({ upstreams, port: g.port, hold: g.holdTimeoutMs, response: g.responseTimeoutMs });
    if (key === this.key) {
      this.definitionsChanged();
      return;
    }
    this.key = key;
    await this.stop();
    for (const s of settings.servers.filter((x) => x.transport === 'sse')) {
      this.ctx.log.info(`gateway: ${s.name} uses the legacy SSE transport, which the gateway does not serve; clients keep connecting to it directly`);
    }
    if (upstreams.length > 0) {
      try {
        const gateway = await startGateway({
          upstreams,
          port: g.port,
          runsIn: 'vscode',
          holdTimeoutMs: g.holdTimeoutMs,
          responseTimeoutMs: g.responseTimeoutMs,
          stateDir: path.join(this.ctx.extension.globalStorageUri.fsPath, 'gateway'),
          logger: { info: (m) => this.ctx.log.info(`gateway: ${m}`), warn: (m) => this.ctx.log.warn(`gateway: ${m}`), error: (m) => this.ctx.log.error(`gateway: ${m}`) },
          getAuthorization: async (u) => (await this.ctx.tokens.headers(u.name)).Authorization,
        });
        this.gateway = gateway;
        this.unsubscribe.push(gateway.onChange((stats) => this.publish(stats)));
        this.unsubscribe.push(gateway.onEvent((e) => {
          if (e.event === 'holder-mismatch') void vscode.window.showWarningMessage(`Archon MCP: the healing gateway already on port ${g.port} serves other upstreams than these settings: ${e.message}.`);
        }));
        this.publish(gateway.stats());
        const stats = gateway.stats();
        if (stats.mode === 'deferred') {
          const where = stats.holder?.runsIn ? RUNS_IN_LABEL[stats.holder.runsIn] : 'elsewhere';
          this.ctx.log.info(`gateway: a gateway running ${where} already serves ${gateway.baseUrl}; this window uses it and takes over if it goes away`);
          if (stats.holderMismatch?.length) {
            void vscode.window.showWarningMessage(`Archon MCP: the healing gateway already on port ${g.port} serves other upstreams than these settings: ${stats.holderMismatch.join('; ')}.`);
          }
        }
      } catch (err) {
        this.ctx.log.error(`gateway: could not start: ${(err as Error).message}`);
        if (err instanceof GatewayPortTaken) void this.offerPortSetting(err);
        else void vscode.window.showWarningMessage(`Archon MCP: the healing gateway could not start: ${(err as Error).message}`);
      }
    }
    this.definitionsChanged();
  }

  /** Client configurations point at one port, so the gateway does not move: the user picks another. */
  private async offerPortSetting(err: GatewayPortTaken): Promise<void> {
    const open = 'Open Setting';
    const choice = await vscode.window.showWarningMessage(
      `Archon MCP: the healing gateway is not running: ${err.message}. Choose another port in archonMcp.gateway.port.`, open);
    if (choice === open) await vscode.commands.executeCommand('workbench.action.openSettings', 'archonMcp.gateway.port');
  }

  /** The gateway's counters for one server right now (not the coalesced copy in the snapshot). */
  counters(serverName: string): GatewayCounters | undefined {
    const s = this.gateway?.stats().servers.find((x) => x.name === serverName);
    return s && { requestsForwarded: s.requestsForwarded, errorsReturned: s.errorsReturned, healed: { ...s.healed } };
  }
  /** For container deaths (holdOnContainerDown): the running gateway and a server's endpoint. */
  readonly current = (): Gateway | undefined => this.gateway;
  readonly slugOf = (serverName: string): string | undefined => this.gateway?.stats().servers.find((s) => s.name === serverName)?.slug;

  url(serverName: string): string | undefined {
    return this.gateway?.stats().servers.find((s) => s.name === serverName)?.url;
  }

  /** What VS Code's own MCP client (Copilot Chat) is offered: the healed endpoints. */
  definitions(): vscode.McpServerDefinition[] {
    if (!this.registerWithVSCode || !this.gateway) return [];
    return this.gateway.stats().servers.map((s) => new vscode.McpHttpServerDefinition(`${s.name} (healed)`, vscode.Uri.parse(s.url)));
  }

  /** Stops this window's gateway (to free the port) and starts it again with the current settings. */
  async release(): Promise<void> {
    this.key = '';
    await this.stop();
  }

  private publish(stats: GatewayStats): void {
    for (const s of stats.servers) {
      const holder = stats.holder
        ? { runsIn: stats.holder.runsIn, startedAt: stats.holder.startedAt, server: stats.holder.servers.find((h) => h.slug === s.slug) }
        : undefined;
      const extra: GatewayExtra = { ...s, mode: stats.mode, port: stats.port, holder, holderMismatch: stats.holderMismatch };
      this.ctx.fleet.get(s.name)?.setExtra('gateway', extra);
    }
  }

  private async stop(): Promise<void> {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    const gateway = this.gateway;
    this.gateway = undefined;
    for (const m of this.ctx.fleet.list()) m.setExtra('gateway', undefined);
    await gateway?.stop().catch((err: Error) => this.ctx.log.warn(`gateway: stopping failed: ${err.message}`));
  }

  async dispose(): Promise<void> {
    await this.stop();
  }
}

export function registerGateway(ctx: DoctorContext, host: GatewayHost): vscode.Disposable[] {
  ctx.tree.addSection(gatewayNodes);
  ctx.statusBar.addExtraLines(() => healedTodayLine(ctx.snapshots()));
  const restarting = holdOnContainerDown(ctx.docker, host.current, host.slugOf);
  return [
    { dispose: restarting },
    vscode.commands.registerCommand('archonMcp.copyClientConfig', async (arg?: unknown) => {
      const served = ctx.snapshots().filter((s) => host.url(s.name));
      if (served.length === 0) {
        void vscode.window.showInformationMessage('Archon MCP: the healing gateway is not running (archonMcp.gateway.enabled).');
        return;
      }
      const fromNode = typeof arg === 'object' && arg && 'id' in arg ? String((arg as DetailNode).id).split('/')[0] : typeof arg === 'string' ? arg : undefined;
      let server = served.find((s) => s.name === fromNode);
      if (!server && served.length === 1) server = served[0];
      if (!server) {
        const pick = await vscode.window.showQuickPick(served.map((s) => ({ label: s.name, description: host.url(s.name), s })), { placeHolder: 'Which server?' });
        server = pick?.s;
      }
      if (!server) return;
      const kind = await vscode.window.showQuickPick(
        CLIENT_KINDS.map((k) => ({ label: CLIENT_LABELS[k].label, detail: CLIENT_LABELS[k].detail, k })),
        { title: `Client config for ${server.name} through the healing gateway`, placeHolder: 'Which client?' },
      );
      if (!kind) return;
      await vscode.env.clipboard.writeText(clientConfig(kind.k, server.name, host.url(server.name)!));
      void vscode.window.showInformationMessage(`Archon MCP: ${kind.label} config for ${server.name} copied to the clipboard.`);
    }),
  ];
}
