// The commands a person runs: from the palette, the status bar, the tree and notifications.
import * as os from 'node:os';
import * as vscode from 'vscode';
import { renderReport } from '../core/report';
import { inTrouble, lookOfServer } from './present';
import type { DoctorContext } from './context';
import { rawSettingsForReport } from './config';
import { isServerNode, type Node } from './tree';

/** The server names a command argument points at: a tree node, a name, or a pick from a list. */
async function pickServers(ctx: DoctorContext, arg: unknown, title: string): Promise<string[] | undefined> {
  if (typeof arg === 'string') return [arg];
  if (isServerNode(arg)) return [arg.name];
  const snapshots = ctx.snapshots();
  if (snapshots.length <= 1) return snapshots.map((s) => s.name);
  // From the palette with several in trouble: all of those, no question.
  const trouble = inTrouble(snapshots);
  if (trouble.length > 1) return trouble.map((s) => s.name);
  const all = { label: '$(layers) All servers', names: snapshots.map((s) => s.name) };
  const items = [
    all,
    ...snapshots.map((s) => ({ label: s.name, description: lookOfServer(s).label, detail: s.url, names: [s.name] })),
  ];
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Which server?' });
  return picked?.names;
}

export function buildReport(ctx: DoctorContext, sections: string[] = []): string {
  return renderReport({
    product: { name: 'Archon MCP Doctor', version: String(ctx.extension.extension.packageJSON.version) },
    host: `VS Code ${vscode.version} (${vscode.env.appName}, ${vscode.env.remoteName ?? 'local'}) on ${os.type()} ${os.release()}`,
    servers: ctx.settings.servers,
    settings: rawSettingsForReport(),
    snapshots: ctx.snapshots(),
    recentFailures: (name) => ctx.fleet.get(name)?.recentFailures() ?? [],
    sections,
  });
}

export function registerCommands(ctx: DoctorContext, reportSections: () => string[]): vscode.Disposable[] {
  const reconnect = async (names: string[] | undefined) => {
    if (!names?.length) return;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Reconnecting ${names.join(', ')}` },
      () => ctx.fleet.reconnect(names),
    );
    const states = names.map((n) => ctx.fleet.get(n)?.snapshot).filter((s) => s !== undefined);
    ctx.log.info(`reconnect finished: ${states.map((s) => `${s.name} ${s.state}`).join(', ')}`);
  };
  return [
    vscode.commands.registerCommand('archonMcp.reconnect', async (arg?: unknown) =>
      reconnect(await pickServers(ctx, arg, 'Archon: Reconnect MCP')),
    ),
    vscode.commands.registerCommand('archonMcp.reconnectAll', () => reconnect(ctx.snapshots().map((s) => s.name))),
    vscode.commands.registerCommand('archonMcp.refresh', () => {
      for (const m of ctx.fleet.list()) m.checkNow('refresh requested');
      ctx.scheduleRender();
    }),
    vscode.commands.registerCommand('archonMcp.showDiagnostics', () => ctx.channel.show(true)),
    vscode.commands.registerCommand('archonMcp.copyDiagnostics', async () => {
      const report = buildReport(ctx, reportSections());
      await vscode.env.clipboard.writeText(report);
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: report });
      await vscode.window.showTextDocument(doc, { preview: false });
      void vscode.window.showInformationMessage('Archon MCP: diagnostics report copied to the clipboard.');
    }),
    vscode.commands.registerCommand('archonMcp.setToken', async (arg?: unknown) => {
      const names = await pickServers(ctx, arg, 'Archon: Set Server Token');
      const name =
        names?.length === 1
          ? names[0]
          : names?.length
            ? await vscode.window.showQuickPick(names, { placeHolder: 'Token for which server?' })
            : undefined;
      if (!name) return;
      const token = await vscode.window.showInputBox({
        title: `Token for ${name}`,
        password: true,
        ignoreFocusOut: true,
        prompt: 'Sent as "Authorization: Bearer …". Stored in VS Code\'s secret storage. Leave empty to remove it.',
      });
      if (token === undefined) return;
      await ctx.tokens.set(name, token.trim() || undefined);
      ctx.log.info(`${name}: token ${token.trim() ? 'stored' : 'removed'}; reconnecting`);
      await reconnect([name]);
    }),
    vscode.commands.registerCommand('archonMcp.openSettings', () =>
      vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${ctx.extension.extension.id}`),
    ),
    vscode.commands.registerCommand('archonMcp.copySessionId', async (node?: Node) => {
      const value = node?.kind === 'detail' ? node.value : undefined;
      if (!value) return;
      await vscode.env.clipboard.writeText(value);
      void vscode.window.setStatusBarMessage('Session id copied', 2000);
    }),
  ];
}
