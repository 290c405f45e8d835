// One status bar item for all servers: the worst state shows, the tooltip lists every server.
import * as vscode from 'vscode';
import type { ServerSnapshot } from '../core/server-state';
import type { ClickAction } from '../core/settings';
import { escapeMarkdown, lookOfServer, tooltipLine, worst, type StateLook } from './present';

/** A server no monitor watches, as the status bar lists it. */
export interface OtherLook {
  name: string;
  look: StateLook;
  detail: string;
}

const CLICK_COMMANDS: Record<ClickAction, string> = {
  reconnect: 'archonMcp.reconnect',
  showLog: 'archonMcp.showDiagnostics',
  showView: 'archonMcp.servers.focus',
};

const LINK_COMMANDS = [
  'archonMcp.reconnect',
  'archonMcp.showDiagnostics',
  'archonMcp.copyDiagnostics',
  'archonMcp.openSettings',
  'archonMcp.routeClients',
  'archonMcp.startContainer',
];

/** The item's background for a tone: only errors and warnings colour it. */
function backgroundOf(tone: StateLook['tone']): vscode.ThemeColor | undefined {
  if (tone === 'error') return new vscode.ThemeColor('statusBarItem.errorBackground');
  if (tone === 'warning') return new vscode.ThemeColor('statusBarItem.warningBackground');
  return undefined;
}

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  /** Lines other features add to the tooltip (healed requests). */
  private readonly extraLines: (() => string[])[] = [];
  /** Like extraLines, but any line also gives the item its warning look (memory pressure). */
  private readonly warningLines: (() => string[])[] = [];

  /** Servers no monitor watches (stdio, legacy SSE): counted, coloured and listed with the watched ones. */
  private readonly others: (() => OtherLook[])[] = [];

  constructor() {
    this.item = vscode.window.createStatusBarItem('status', vscode.StatusBarAlignment.Left, 100);
    this.item.name = 'Archon MCP';
  }

  addExtraLines(provider: () => string[]): void {
    this.extraLines.push(provider);
  }

  addWarningLines(provider: () => string[]): void {
    this.warningLines.push(provider);
  }

  addOtherServers(provider: () => OtherLook[]): void {
    this.others.push(provider);
  }

  render(snapshots: readonly ServerSnapshot[], clickAction: ClickAction): void {
    const others = this.others.flatMap((p) => p());
    // Several servers, or any that no monitor watches: one summary for all of them.
    if (snapshots.length + others.length > 1 || (others.length && !snapshots.length))
      return this.renderSummary(snapshots, others, clickAction);
    const top = worst(snapshots);
    if (!top) {
      this.item.text = '$(plug) MCP: no server';
      this.item.backgroundColor = undefined;
      this.item.tooltip = new vscode.MarkdownString(
        'No MCP server is configured. [Open Settings](command:archonMcp.openSettings)',
        true,
      );
      this.item.command = 'archonMcp.openSettings';
      this.item.show();
      return;
    }
    const warnings = this.warningLines.flatMap((p) => p());
    const look = lookOfServer(top);
    const tone = look.tone === 'ok' && warnings.length > 0 ? 'warning' : look.tone;
    const label = snapshots.length === 1 ? top.name : 'Archon';
    const calm = top.down?.calm === true;
    this.item.text = calm ? `$(${look.icon}) ${label}: ${look.label}` : `$(${look.icon}) ${label}`;
    this.item.backgroundColor = backgroundOf(tone);
    this.item.accessibilityInformation = {
      label: `Archon MCP: ${snapshots.map((s) => `${s.name} ${lookOfServer(s).label}`).join(', ')}`,
    };
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: LINK_COMMANDS };
    md.supportThemeIcons = true;
    md.appendMarkdown(`$(${look.icon}) **Archon MCP**\n\n`);
    for (const s of snapshots) md.appendMarkdown(`- ${tooltipLine(s)}\n`);
    for (const line of [...warnings, ...this.extraLines.flatMap((p) => p())]) md.appendMarkdown(`\n${line}\n`);
    const start = calm ? top.down?.startableContainer : undefined;
    md.appendMarkdown('\n---\n\n');
    if (start) md.appendMarkdown(`[$(play) Start Container](command:archonMcp.startContainer) · `);
    md.appendMarkdown(
      '[$(debug-restart) Reconnect](command:archonMcp.reconnect) · [$(output) Show Log](command:archonMcp.showDiagnostics) · [$(clippy) Copy Diagnostics](command:archonMcp.copyDiagnostics)',
    );
    this.item.tooltip = md;
    // Calm and startable: the click starts the container, the one thing that brings it up.
    this.item.command = start
      ? { title: 'Start Container', command: 'archonMcp.startContainer', arguments: [top.name] }
      : CLICK_COMMANDS[clickAction];
    this.item.show();
  }

  private renderSummary(
    snapshots: readonly ServerSnapshot[],
    others: readonly OtherLook[],
    clickAction: ClickAction,
  ): void {
    const looks = [...snapshots.map((s) => lookOfServer(s)), ...others.map((o) => o.look)];
    const tone =
      (['error', 'warning', 'busy', 'ok', 'idle'] as const).find((t) => looks.some((l) => l.tone === t)) ?? 'idle';
    const n = looks.length;
    const trouble = looks.filter((l) => l.tone === 'error' || l.tone === 'warning').length;
    this.item.text = `$(${tone === 'busy' ? 'sync~spin' : 'plug'}) ${n} MCP${trouble ? ` · ${trouble} down` : ''}`;
    this.item.backgroundColor = backgroundOf(tone);
    this.item.accessibilityInformation = {
      label: `MCP servers: ${[...snapshots.map((s) => `${s.name} ${lookOfServer(s).label}`), ...others.map((o) => `${o.name} ${o.look.label}`)].join(', ')}`,
    };
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: LINK_COMMANDS };
    md.supportThemeIcons = true;
    md.appendMarkdown(`$(plug) **${n} MCP server${n === 1 ? '' : 's'}** (Archon MCP Doctor)\n\n`);
    for (const s of snapshots) md.appendMarkdown(`- ${tooltipLine(s)}\n`);
    for (const o of others)
      md.appendMarkdown(
        `- $(${o.look.icon}) **${escapeMarkdown(o.name)}**: ${o.look.label} · ${escapeMarkdown(o.detail)}\n`,
      );
    for (const line of [...this.warningLines.flatMap((p) => p()), ...this.extraLines.flatMap((p) => p())])
      md.appendMarkdown(`\n${line}\n`);
    md.appendMarkdown(
      '\n---\n\n[$(debug-restart) Reconnect](command:archonMcp.reconnect) · [$(output) Show Log](command:archonMcp.showDiagnostics) · [$(clippy) Copy Diagnostics](command:archonMcp.copyDiagnostics)',
    );
    this.item.tooltip = md;
    this.item.command =
      clickAction === 'reconnect' && snapshots.length === 0 ? CLICK_COMMANDS.showView : CLICK_COMMANDS[clickAction];
    this.item.show();
  }

  /** What the item shows now. */
  view(): { text: string; tooltip?: string; backgroundColor?: string } {
    const t = this.item.tooltip;
    return {
      text: this.item.text,
      tooltip: typeof t === 'string' ? t : t?.value,
      backgroundColor: (this.item.backgroundColor as vscode.ThemeColor | undefined)?.id,
    };
  }

  dispose(): void {
    this.item.dispose();
  }
}
