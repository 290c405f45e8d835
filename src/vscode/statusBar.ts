// One status bar item for all servers: the worst state shows, the tooltip lists every server.
import * as vscode from 'vscode';
import type { ServerSnapshot } from '../core/types';
import type { ClickAction } from '../core/settings';
import { lookOfServer, tooltipLine, worst } from './present';

const CLICK_COMMANDS: Record<ClickAction, string> = {
  reconnect: 'archonMcp.reconnect',
  showLog: 'archonMcp.showDiagnostics',
  showView: 'archonMcp.servers.focus',
};

const LINK_COMMANDS = ['archonMcp.reconnect', 'archonMcp.showDiagnostics', 'archonMcp.copyDiagnostics', 'archonMcp.openSettings', 'archonMcp.routeClients', 'archonMcp.startContainer'];

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  /** Lines other features add to the tooltip (healed requests). */
  private readonly extraLines: (() => string[])[] = [];
  /** Like extraLines, but any line also gives the item its warning look (memory pressure). */
  private readonly warningLines: (() => string[])[] = [];

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

  render(snapshots: readonly ServerSnapshot[], clickAction: ClickAction): void {
    const top = worst(snapshots);
    if (!top) {
      this.item.text = '$(plug) Archon: no server';
      this.item.backgroundColor = undefined;
      this.item.tooltip = new vscode.MarkdownString('No MCP server is configured. [Open Settings](command:archonMcp.openSettings)', true);
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
    this.item.backgroundColor =
      tone === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : tone === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground')
      : undefined;
    this.item.accessibilityInformation = { label: `Archon MCP: ${snapshots.map((s) => `${s.name} ${lookOfServer(s).label}`).join(', ')}` };
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: LINK_COMMANDS };
    md.supportThemeIcons = true;
    md.appendMarkdown(`$(${look.icon}) **Archon MCP**\n\n`);
    for (const s of snapshots) md.appendMarkdown(`- ${tooltipLine(s)}\n`);
    for (const line of [...warnings, ...this.extraLines.flatMap((p) => p())]) md.appendMarkdown(`\n${line}\n`);
    const start = calm ? top.down?.startableContainer : undefined;
    md.appendMarkdown('\n---\n\n');
    if (start) md.appendMarkdown(`[$(play) Start Container](command:archonMcp.startContainer) · `);
    md.appendMarkdown('[$(debug-restart) Reconnect](command:archonMcp.reconnect) · [$(output) Show Log](command:archonMcp.showDiagnostics) · [$(clippy) Copy Diagnostics](command:archonMcp.copyDiagnostics)');
    this.item.tooltip = md;
    // Calm and startable: the click starts the container, the one thing that brings it up.
    this.item.command = start ? { title: 'Start Container', command: 'archonMcp.startContainer', arguments: [top.name] } : CLICK_COMMANDS[clickAction];
    this.item.show();
  }

  /** What the item shows now. */
  view(): { text: string; tooltip?: string; backgroundColor?: string } {
    const t = this.item.tooltip;
    return { text: this.item.text, tooltip: typeof t === 'string' ? t : t?.value, backgroundColor: (this.item.backgroundColor as vscode.ThemeColor | undefined)?.id };
  }

  dispose(): void {
    this.item.dispose();
  }
}
