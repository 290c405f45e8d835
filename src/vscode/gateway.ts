// The healing gateway inside VS Code: started with the extension, restarted when its settings change,
// registered with VS Code's own MCP support, and shown under each server in the tree.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CLIENT_KINDS, CLIENT_LABELS, clientConfig } from '../core/client-config';
import { GatewayPortTaken, holdOnContainerDown, startGateway, type Gateway, type GatewayStats, type ServerGatewayStats } from '../core/gateway';
import type { Settings } from '../core/settings';
import type { ServerSnapshot } from '../core/types';
import type { DoctorContext } from './context';
import type { DetailNode } from './tree';

/** The gateway's view of one server, as kept in the server's snapshot. */
export type GatewayExtra = ServerGatewayStats & { mode: GatewayStats['mode']; port: number };

export function gatewayOf(s: ServerSnapshot): GatewayExtra | undefined {
  return s.extras.gateway as GatewayExtra | undefined;
}

export function gatewayNodes(s: ServerSnapshot): DetailNode[] {
  const g = gatewayOf(s);
  if (!g) return [];
  const id = (k: string) => `${s.name}/gateway/${k}`;
  const healed = g.healed.reinitialized + g.healed.held + g.healed.resent;
  const mode = g.mode === 'deferred' ? ' (served by another window)' : '';
  return [{
    kind: 'detail', id: id('self'), label: 'Healing gateway', description: `${g.url}${mode}`, icon: 'shield', contextValue: 'gateway', value: g.url,
    tooltip: 'Point AI clients here (Archon: Copy Client Config): their sessions survive server restarts.',
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
    const key = JSON.stringify({ upstreams, port: g.port, hold: g.holdTimeoutMs });
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
          holdTimeoutMs: g.holdTimeoutMs,
          stateDir: path.join(this.ctx.extension.globalStorageUri.fsPath, 'gateway'),
          logger: { info: (m) => this.ctx.log.info(`gateway: ${m}`), warn: (m) => this.ctx.log.warn(`gateway: ${m}`), error: (m) => this.ctx.log.error(`gateway: ${m}`) },
          getAuthorization: async (u) => (await this.ctx.tokens.headers(u.name)).Authorization,
        });
        this.gateway = gateway;
        this.unsubscribe.push(gateway.onChange((stats) => this.publish(stats)));
        this.publish(gateway.stats());
        if (gateway.stats().mode === 'deferred') this.ctx.log.info(`gateway: another VS Code window already serves ${gateway.baseUrl}; this window uses it and takes over if it goes away`);
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

  private publish(stats: GatewayStats): void {
    for (const s of stats.servers) {
      const extra: GatewayExtra = { ...s, mode: stats.mode, port: stats.port };
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
