// The "Archon MCP" tree: one node per server, its details computed from the snapshot on demand.
import * as vscode from 'vscode';
import { isRecord } from '../core/narrow';
import { shortenSessionId } from '../core/redact';
import { repeatSummary } from '../core/report';
import type { ServerSnapshot } from '../core/server-state';
import { ago, describe, eraLabel, isStateless, lookOfServer, type Tone } from './present';

export interface DetailNode {
  kind: 'detail';
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon?: string;
  tone?: Tone;
  contextValue?: string;
  /** What "copy" puts on the clipboard for this node. */
  value?: string;
  children?: DetailNode[];
  /** Shown expanded at first (default: collapsed). */
  expanded?: boolean;
}

export interface ServerNode {
  kind: 'server';
  name: string;
}

export type Node = ServerNode | DetailNode;

/** A command's argument is a server node (VS Code passes the node a command was run on). */
export function isServerNode(arg: unknown): arg is ServerNode {
  return isRecord(arg) && arg.kind === 'server' && typeof arg.name === 'string';
}

/** The server a command argument names: a server's name, or a detail node under it (ids start `<server>/`). */
export function serverNameInArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  return isRecord(arg) && 'id' in arg ? String(arg.id).split('/')[0] : undefined;
}

/** Adds nodes under a server (Docker container, gateway); registered by those features. */
export type DetailSection = (snapshot: ServerSnapshot) => DetailNode[];

/** Adds top-level nodes after the servers (the Clients section). */
export type RootSection = () => DetailNode[];

const TONE_COLOR: Record<Tone, string | undefined> = {
  ok: 'testing.iconPassed',
  warning: 'list.warningForeground',
  error: 'list.errorForeground',
  busy: undefined,
  idle: undefined,
};

function icon(name: string, tone?: Tone): vscode.ThemeIcon {
  const color = tone && TONE_COLOR[tone];
  return new vscode.ThemeIcon(name, color ? new vscode.ThemeColor(color) : undefined);
}

export function serverDetails(s: ServerSnapshot): DetailNode[] {
  const id = (k: string) => `${s.name}/${k}`;
  const nodes: DetailNode[] = [
    { kind: 'detail', id: id('url'), label: 'URL', description: s.url, icon: 'link', value: s.url },
    {
      kind: 'detail',
      id: id('transport'),
      label: 'Transport',
      description: s.transport ?? `${s.configuredTransport} (not yet connected)`,
      icon: 'arrow-swap',
    },
    {
      kind: 'detail',
      id: id('session'),
      label: 'Session',
      description: shortenSessionId(s.sessionId),
      icon: 'key',
      contextValue: s.sessionId ? 'session' : undefined,
      value: s.sessionId,
      tooltip: s.sessionId ? 'Copy the full session id with the copy action' : 'No protocol session',
    },
    {
      kind: 'detail',
      id: id('server'),
      label: 'Server',
      description: s.serverInfo ? `${s.serverInfo.name} ${s.serverInfo.version}` : 'unknown',
      icon: 'server',
    },
    { kind: 'detail', id: id('era'), label: 'Protocol era', description: eraLabel(s), icon: 'versions' },
    {
      kind: 'detail',
      id: id('ping'),
      label: 'Last ping',
      icon: 'pulse',
      description: s.lastPing ? `${s.lastPing.latencyMs} ms, ${ago(s.lastPing.at)}` : 'none yet',
    },
    {
      kind: 'detail',
      id: id('heals'),
      label: 'Heals',
      icon: 'wand',
      description: `${s.heals}${s.lastHeal ? ` · last ${s.lastHeal.kind} in ${s.lastHeal.durationMs} ms, ${ago(s.lastHeal.at)}` : ''}`,
    },
  ];
  if (s.health) {
    nodes.push({
      kind: 'detail',
      id: id('health'),
      label: 'Health endpoint',
      icon: 'heart',
      tone: s.health.ok ? undefined : 'warning',
      description: s.health.ok
        ? `ok${s.health.uptimeSeconds !== undefined ? `, up ${Math.round(s.health.uptimeSeconds)} s` : ''}`
        : `failing: ${s.health.error ?? ''}`,
    });
  }
  if (s.lastFailure) {
    nodes.push({
      kind: 'detail',
      id: id('failure'),
      label: 'Last failure',
      icon: 'error',
      tone: s.state === 'healthy' ? undefined : 'error',
      description: `${s.lastFailure.kind}, ${ago(s.lastFailure.at)}`,
      tooltip: s.lastFailure.message,
    });
  }
  if (s.lastLoss) {
    nodes.push({
      kind: 'detail',
      id: id('loss'),
      label: isStateless(s) ? 'Last restart' : 'Last session loss',
      icon: 'debug-disconnect',
      description: `${s.lastLoss.label ?? s.lastLoss.cause}, ${ago(s.lastLoss.at)}`,
      children: s.lastLoss.evidence.map((e, i) => ({
        kind: 'detail',
        id: id(`loss/${i}`),
        label: e.detail,
        description: `${e.source}, ${e.at.slice(11, 19)}`,
        icon: 'circle-small',
      })),
    });
  }
  if (s.patterns.length) {
    nodes.push({
      kind: 'detail',
      id: id('patterns'),
      label: 'Patterns',
      description: String(s.patterns.length),
      icon: 'graph',
      tone: 'warning',
      children: s.patterns.map((p) => ({
        kind: 'detail',
        id: id(`pattern/${p.id}`),
        label: p.title,
        description: `${p.count}×`,
        tooltip: p.detail,
        icon: 'warning',
      })),
    });
  }
  return nodes;
}

export class ServerTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sections: DetailSection[] = [];
  private readonly rootSections: RootSection[] = [];

  constructor(private readonly snapshots: () => readonly ServerSnapshot[]) {}

  addSection(section: DetailSection): void {
    this.sections.push(section);
  }

  addRootSection(section: RootSection): void {
    this.rootSections.push(section);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    if (!node)
      return [
        ...this.snapshots().map((s): Node => ({ kind: 'server', name: s.name })),
        ...this.rootSections.flatMap((section) => section()),
      ];
    if (node.kind === 'detail') return node.children ?? [];
    const snapshot = this.snapshots().find((s) => s.name === node.name);
    if (!snapshot) return [];
    return [...serverDetails(snapshot), ...this.sections.flatMap((section) => section(snapshot))];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'server') {
      const s = this.snapshots().find((x) => x.name === node.name);
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `server/${node.name}`;
      item.contextValue = 'server';
      if (s) {
        const look = lookOfServer(s);
        item.iconPath = icon(look.icon, look.tone);
        item.description = describe(s);
        const repeat = repeatSummary(s.gateway?.repeat);
        item.tooltip = `${s.name} (${s.url}): ${look.label}${s.lastFailure && s.state !== 'healthy' ? `\n${s.lastFailure.message}` : ''}${repeat ? `\n${repeat}` : ''}`;
      }
      return item;
    }
    const collapsible = !node.children?.length
      ? vscode.TreeItemCollapsibleState.None
      : node.expanded
        ? vscode.TreeItemCollapsibleState.Expanded
        : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, collapsible);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip ?? (node.description ? `${node.label}: ${node.description}` : node.label);
    item.contextValue = node.contextValue;
    if (node.icon) item.iconPath = icon(node.icon, node.tone);
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
