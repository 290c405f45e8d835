// The healing gateway inside VS Code: its tree section, its status bar line, the Copy Client Config
// command and the definitions offered to VS Code's own MCP support. The gateway itself runs in core
// (GatewayRunner, started and stopped by DoctorRuntime as the settings say).
import * as vscode from 'vscode';
import { CLIENT_KINDS, CLIENT_LABELS, clientConfig } from '../core/client-config';
import { RUNS_IN_LABEL, type GatewayRunner, type GatewayView } from '../core/gateway';
import type { ServerSnapshot } from '../core/server-state';
import { serverNameInArg, type DetailNode, type ServerTree } from './tree';
import type { StatusBar } from './statusBar';
import { formatDuration } from '../core/docker';

export type GatewayExtra = GatewayView;

export function gatewayOf(s: ServerSnapshot): GatewayView | undefined {
  return s.gateway;
}

type ClientEntry = GatewayView['clients'][number];

/** A tree id for a client: its shortened session (2025), its name and version (2026-07-28: no session). */
function clientKey(c: ClientEntry): string {
  return c.session ?? `${c.era}/${c.name ?? ''}@${c.version ?? ''}`;
}

function clientDescription(c: ClientEntry): string {
  return c.session ? `session ${c.session}` : `${c.era}, no session`;
}

/** The nodes for a gateway that another one serves: its own status endpoint's figures. */
function holderNodes(g: GatewayView, id: (k: string) => string): DetailNode[] {
  const h = g.holder;
  if (!h) return [];
  const s = h.server;
  const healed = s?.healed ? s.healed.reinitialized + s.healed.held + s.healed.resent : undefined;
  const nodes: DetailNode[] = [
    { kind: 'detail', id: id('url'), label: 'URL', description: g.url, icon: 'link', value: g.url },
    {
      kind: 'detail',
      id: id('runs-in'),
      label: 'Runs',
      description: h.runsIn ? RUNS_IN_LABEL[h.runsIn] : 'elsewhere',
      icon: h.runsIn === 'docker' ? 'package' : 'server-process',
    },
  ];
  // From its start time, so the figure is current whenever the tree renders.
  const started = h.startedAt ? Date.parse(h.startedAt) : Number.NaN;
  if (!Number.isNaN(started))
    nodes.push({
      kind: 'detail',
      id: id('uptime'),
      label: 'Uptime',
      description: formatDuration((Date.now() - started) / 1000),
      icon: 'clock',
    });
  if (s?.clients !== undefined)
    nodes.push({ kind: 'detail', id: id('clients'), label: 'Clients', description: String(s.clients), icon: 'person' });
  if (s?.requestsForwarded !== undefined)
    nodes.push({
      kind: 'detail',
      id: id('forwarded'),
      label: 'Requests forwarded',
      description: String(s.requestsForwarded),
      icon: 'arrow-right',
    });
  if (healed !== undefined) {
    nodes.push({
      kind: 'detail',
      id: id('healed'),
      label: 'Requests healed',
      icon: 'wand',
      tone: healed ? 'ok' : undefined,
      description: `${healed} (re-initialized ${s!.healed!.reinitialized}, held ${s!.healed!.held}, resent ${s!.healed!.resent})`,
    });
  }
  for (const [i, m] of (g.holderMismatch ?? []).entries())
    nodes.push({
      kind: 'detail',
      id: id(`mismatch/${i}`),
      label: 'Serves another upstream',
      description: m,
      tooltip: m,
      icon: 'warning',
      tone: 'warning',
    });
  return nodes;
}

export function gatewayNodes(s: ServerSnapshot): DetailNode[] {
  const g = gatewayOf(s);
  if (!g) return [];
  const id = (k: string) => `${s.name}/gateway/${k}`;
  const healed = g.healed.reinitialized + g.healed.held + g.healed.resent;
  const runsIn = g.holder?.runsIn;
  const mode =
    g.mode !== 'deferred'
      ? ''
      : runsIn === 'docker'
        ? ' (in Docker)'
        : runsIn === 'process'
          ? ' (a gateway process)'
          : ' (served by another window)';
  const self: DetailNode = {
    kind: 'detail',
    id: id('self'),
    label: 'Healing gateway',
    description: `${g.url}${mode}`,
    icon: 'shield',
    contextValue: 'gateway',
    value: g.url,
    tooltip: 'Point AI clients here (Archon: Copy Client Config): their sessions survive server restarts.',
  };
  if (g.mode === 'deferred' && g.holder) {
    return [{ ...self, tone: g.holderMismatch?.length ? 'warning' : undefined, children: holderNodes(g, id) }];
  }
  return [
    {
      ...self,
      children: [
        { kind: 'detail', id: id('url'), label: 'URL', description: g.url, icon: 'link', value: g.url },
        {
          kind: 'detail',
          id: id('clients'),
          label: 'Clients',
          description: String(g.clients.length),
          icon: 'person',
          children: g.clients.map((c) => ({
            kind: 'detail',
            id: id(`client/${clientKey(c)}`),
            label: c.name ? `${c.name} ${c.version ?? ''}`.trim() : 'unnamed client',
            description: clientDescription(c),
            icon: 'account',
          })),
        },
        {
          kind: 'detail',
          id: id('forwarded'),
          label: 'Requests forwarded',
          description: String(g.requestsForwarded),
          icon: 'arrow-right',
        },
        {
          kind: 'detail',
          id: id('healed'),
          label: 'Requests healed',
          icon: 'wand',
          tone: healed ? 'ok' : undefined,
          description: `${healed} (re-initialized ${g.healed.reinitialized}, held ${g.healed.held}, resent ${g.healed.resent}); today ${g.healedToday}`,
        },
        {
          kind: 'detail',
          id: id('errors'),
          label: 'Errors returned to clients',
          description: String(g.errorsReturned),
          icon: 'error',
          tone: g.errorsReturned ? 'warning' : undefined,
        },
      ],
    },
  ];
}

export function healedTodayLine(snapshots: readonly ServerSnapshot[]): string[] {
  const today = snapshots.reduce((n, s) => n + (gatewayOf(s)?.healedToday ?? 0), 0);
  const any = snapshots.some((s) => gatewayOf(s));
  return any ? [`$(shield) The gateway healed ${today} client request${today === 1 ? '' : 's'} today.`] : [];
}

/** What VS Code's own MCP client (Copilot Chat) is offered: the healed endpoints. */
export function gatewayDefinitions(gateway: GatewayRunner, registerWithVSCode: boolean): vscode.McpServerDefinition[] {
  const running = gateway.current();
  if (!registerWithVSCode || !running) return [];
  return running
    .stats()
    .servers.map((s) => new vscode.McpHttpServerDefinition(`${s.name} (healed)`, vscode.Uri.parse(s.url)));
}

/** What the gateway's UI needs from the extension. */
export interface GatewayUi {
  tree: ServerTree;
  statusBar: StatusBar;
  snapshots(): ServerSnapshot[];
}

export function registerGateway(ctx: GatewayUi, host: GatewayRunner): vscode.Disposable[] {
  ctx.tree.addSection(gatewayNodes);
  ctx.statusBar.addExtraLines(() => healedTodayLine(ctx.snapshots()));
  return [
    vscode.commands.registerCommand('archonMcp.copyClientConfig', async (arg?: unknown) => {
      const served = ctx.snapshots().filter((s) => host.url(s.name));
      if (served.length === 0) {
        void vscode.window.showInformationMessage(
          'Archon MCP: the healing gateway is not running (archonMcp.gateway.enabled).',
        );
        return;
      }
      const fromNode = serverNameInArg(arg);
      let server = served.find((s) => s.name === fromNode);
      if (!server && served.length === 1) server = served[0];
      if (!server) {
        const pick = await vscode.window.showQuickPick(
          served.map((s) => ({ label: s.name, description: host.url(s.name), s })),
          { placeHolder: 'Which server?' },
        );
        server = pick?.s;
      }
      if (!server) return;
      const kind = await vscode.window.showQuickPick(
        CLIENT_KINDS.map((k) => ({ label: CLIENT_LABELS[k].label, detail: CLIENT_LABELS[k].detail, k })),
        { title: `Client config for ${server.name} through the healing gateway`, placeHolder: 'Which client?' },
      );
      if (!kind) return;
      await vscode.env.clipboard.writeText(clientConfig(kind.k, server.name, host.url(server.name)!));
      void vscode.window.showInformationMessage(
        `Archon MCP: ${kind.label} config for ${server.name} copied to the clipboard.`,
      );
    }),
  ];
}
