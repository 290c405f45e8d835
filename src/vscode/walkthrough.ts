// The "Keep all your MCP servers alive" walkthrough: opened once, on first install, and its
// first step completed by the context key `archonMcp.anyServerUp`.
import * as vscode from 'vscode';
import type { ServerSnapshot } from '../core/server-state';

export const WALKTHROUGH_ID = 'firstFiveMinutes';
const SHOWN_KEY = 'archonMcp.walkthroughShown';

export function openWalkthroughOnFirstInstall(context: vscode.ExtensionContext, log: { warn(m: string): void }): void {
  if (context.globalState.get<boolean>(SHOWN_KEY)) return;
  // The user's own "open walkthroughs on install" choice applies to ours too.
  if (!vscode.workspace.getConfiguration('workbench').get<boolean>('welcomePage.walkthroughs.openOnInstall', true))
    return;
  void context.globalState.update(SHOWN_KEY, true);
  // `false`: open it beside, without taking focus from what the user is doing.
  Promise.resolve(
    vscode.commands.executeCommand(
      'workbench.action.openWalkthrough',
      `${context.extension.id}#${WALKTHROUGH_ID}`,
      false,
    ),
  ).catch((err: Error) => log.warn(`could not open the walkthrough: ${err.message}`));
}

/** Keeps `archonMcp.anyServerUp` in step with the snapshots; sets it only when it changes. */
export function anyServerUpContext(): (snapshots: readonly ServerSnapshot[]) => void {
  let last: boolean | undefined;
  return (snapshots) => {
    const up = snapshots.some((s) => s.state === 'healthy' || s.state === 'degraded');
    if (up === last) return;
    last = up;
    void vscode.commands.executeCommand('setContext', 'archonMcp.anyServerUp', up);
  };
}
