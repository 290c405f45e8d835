// Entry point. Activation stays cheap: the core (the MCP SDK, Docker, the gateway) loads right after,
// and until then the commands and the MCP definition provider wait for it.
import * as vscode from 'vscode';
import type { ArchonMcpApi } from './api';
import type { Doctor } from './doctor';

const MCP_PROVIDER_ID = 'archonMcp.gateway';

let doctor: Doctor | undefined;
let loading: Promise<Doctor | undefined> | undefined;

export function activate(context: vscode.ExtensionContext): ArchonMcpApi & { ready(): Promise<void> } {
  const mcpChanged = new vscode.EventEmitter<void>();
  context.subscriptions.push(mcpChanged);
  // VS Code asks for MCP definitions only from providers registered during activation.
  if (typeof vscode.lm?.registerMcpServerDefinitionProvider === 'function') {
    context.subscriptions.push(
      vscode.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
        onDidChangeMcpServerDefinitions: mcpChanged.event,
        provideMcpServerDefinitions: async () => (await loading)?.mcpDefinitions() ?? [],
      }),
    );
  }
  const ids: string[] = (context.extension.packageJSON.contributes?.commands ?? []).map(
    (c: { command: string }) => c.command,
  );
  let loaded = false;
  const proxies = ids.map((id) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      await loading;
      // The real command replaced this one when the core loaded; if it did not load, say so instead.
      if (!loaded)
        return void vscode.window.showErrorMessage('Archon MCP Doctor failed to start; see the "Archon MCP" log.');
      return vscode.commands.executeCommand(id, ...args);
    }),
  );
  // The next macrotask: the extension host finishes activating us before the core's modules evaluate.
  loading = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => import('./doctor.js'))
    .then(
      (m) => {
        for (const p of proxies) p.dispose();
        doctor = m.startDoctor(context, () => mcpChanged.fire());
        loaded = true;
        return doctor;
      },
      (err: Error) => {
        void vscode.window.showErrorMessage(`Archon MCP Doctor failed to start: ${err.message}`);
        return undefined;
      },
    );
  context.subscriptions.push(...proxies.map((p) => ({ dispose: () => p.dispose() })));
  return {
    ready: async () => {
      await (
        await loading
      )?.ready;
    },
    servers: () => doctor?.api.servers() ?? [],
    statusBar: () => doctor?.api.statusBar() ?? { text: '' },
    tree: () => doctor?.api.tree() ?? [],
    logLines: () => doctor?.api.logLines() ?? [],
  };
}

export async function deactivate(): Promise<void> {
  const d = (await loading) ?? doctor;
  doctor = undefined;
  await d?.dispose();
}
