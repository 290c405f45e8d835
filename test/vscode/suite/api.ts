// How the suite observes the extension from inside the extension host.
//
// The VS Code API cannot read another extension's status bar item, tree or output channel, so the
// extension returns a small read-only test surface from activate() (its exports). This is what the
// suite expects; everything else goes through public API (commands, configuration).
import * as vscode from 'vscode';

export const EXTENSION_ID = 'archon-mcp-doctor.archon-mcp-doctor';

export const COMMANDS = [
  'archonMcp.reconnect',
  'archonMcp.showDiagnostics',
  'archonMcp.copyDiagnostics',
  'archonMcp.setToken',
  'archonMcp.openSettings',
  'archonMcp.showIncidentTimeline',
] as const;

export interface ServerSnapshot {
  name: string;
  url?: string;
  /** connecting | healthy | degraded | session-lost | healing | unreachable | needs-attention */
  state: string;
  sessionId?: string;
  /** Oldest first. */
  transitions?: { from?: string; to: string; at?: string; cause?: string }[];
}

export interface StatusBarSnapshot {
  text: string;
  tooltip?: string;
  /** Theme color id of the background, e.g. 'statusBarItem.errorBackground', or undefined. */
  backgroundColor?: string;
}

export interface TreeNodeSnapshot {
  label: string;
  description?: string;
  children?: TreeNodeSnapshot[];
}

/** What activate() must return (all read-only snapshots). */
export interface ArchonTestApi {
  servers(): ServerSnapshot[];
  statusBar(): StatusBarSnapshot;
  tree(): Promise<TreeNodeSnapshot[]> | TreeNodeSnapshot[];
  /** Lines written to the "Archon MCP" output channel so far. */
  logLines(): string[];
}

export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed in this VS Code`);
  await ext.activate();
  return ext;
}

/** The extension's exports, checked for the methods the suite needs. */
export async function testApi(): Promise<ArchonTestApi> {
  const ext = await activateExtension();
  const api = ext.exports as Partial<ArchonTestApi> | undefined;
  const missing = (['servers', 'statusBar', 'tree', 'logLines'] as const).filter((k) => typeof api?.[k] !== 'function');
  if (!api || missing.length) {
    throw new Error(
      `activate() of ${EXTENSION_ID} must return the test API (test/vscode/suite/api.ts); missing: ${missing.join(', ')}`,
    );
  }
  return api as ArchonTestApi;
}

import { sleep } from '../../helpers/wait';

export { sleep };

export async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${String(last)})` : ''}`);
    await sleep(200);
  }
}

/** A copy of one server's snapshot (the extension may hand out live objects that keep changing). */
export function server(api: ArchonTestApi, name: string): ServerSnapshot | undefined {
  const s = api.servers().find((x) => x.name === name);
  return s ? (JSON.parse(JSON.stringify(s)) as ServerSnapshot) : undefined;
}

export async function configure(servers: unknown[], extra: Record<string, unknown> = {}): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('archonMcp');
  await cfg.update('servers', servers, vscode.ConfigurationTarget.Global);
  for (const [k, v] of Object.entries(extra)) await cfg.update(k, v, vscode.ConfigurationTarget.Global);
}

export async function resetSettings(): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('archonMcp');
  for (const k of ['servers', 'pingIntervalSeconds']) await cfg.update(k, undefined, vscode.ConfigurationTarget.Global);
}
