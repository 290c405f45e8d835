// "Archon: Rehearse a Restart": restarts the server's container after a confirmation, waits for the
// heal, and shows what happened. The measuring is core's (rehearsalReport); this file only asks,
// waits and renders.
import * as vscode from 'vscode';
import type { DockerLink, DockerSupervisor } from '../core/docker';
import { errorMessage } from '../core/narrow';
import {
  rehearsalReport,
  rehearsalSummary,
  renderRehearsal,
  type RehearsalInput,
  type RehearsalReport,
} from '../core/rehearsal-report';
import type { DoctorContext } from './context';

/** Long enough for a slow container (Archon's Python server) to stop and start again. */
const REHEARSAL_TIMEOUT_MS = 120_000;
/** After the heal, a `docker restart` is told apart from a stop only by the events that follow: wait for them. */
const CAUSE_SETTLE_MS = 3_000;

async function pickLink(
  ctx: DoctorContext,
  supervisor: DockerSupervisor,
  arg: unknown,
): Promise<DockerLink | undefined> {
  if (typeof arg === 'string' && supervisor.link(arg)) return supervisor.link(arg);
  const links = supervisor.all();
  if (links.length === 0) {
    const names =
      ctx
        .snapshots()
        .map((s) => s.name)
        .join(', ') || 'your MCP server';
    void vscode.window
      .showInformationMessage(
        `Archon MCP: no Docker container is watched for ${names}, so the rehearsal cannot restart it for you. ` +
          'Restart the server yourself (for Archon: "docker restart archon-mcp", or stop and start it) and watch the status bar: ' +
          'it shows the loss, the cause and the heal. To let the rehearsal do it, set "container" in archonMcp.servers and keep archonMcp.docker.enabled on.',
        'Open Settings',
      )
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('archonMcp.openSettings');
      });
    return undefined;
  }
  if (links.length === 1) return links[0];
  const picked = await vscode.window.showQuickPick(
    links.map((l) => ({
      label: l.serverName,
      description: `container ${l.watcher.snapshot().matchedName ?? l.container}`,
      l,
    })),
    { title: 'Archon: Rehearse a Restart', placeHolder: 'Which server?' },
  );
  return picked?.l;
}

type RehearsalInputCounters = Pick<RehearsalInput, 'gatewayBefore' | 'gatewayAfter'>;

/**
 * Resolves with the report once the server healed (and its cause settled), or when time runs out.
 * `cancel` stops waiting (the restart itself failed).
 */
function waitForHeal(
  ctx: DoctorContext,
  server: string,
  requestedAt: string,
  gateway: () => RehearsalInputCounters,
): { report: Promise<RehearsalReport>; cancel(): void } {
  let cancel = () => {};
  const report = new Promise<RehearsalReport>((resolve) => {
    let settle: NodeJS.Timeout | undefined;
    const measure = () => {
      const after = ctx.fleet.get(server)?.snapshot;
      return after ? rehearsalReport({ requestedAt, after, ...gateway() }) : undefined;
    };
    const finish = () => {
      unsubscribe();
      clearTimeout(timeout);
      clearTimeout(settle);
      resolve(measure() ?? { server, outcome: 'not-detected' });
    };
    const timeout = setTimeout(finish, REHEARSAL_TIMEOUT_MS);
    const unsubscribe = ctx.fleet.onDidChange((snapshot) => {
      if (snapshot?.name !== server) return;
      const r = measure();
      if (r?.outcome !== 'healed') return;
      if (r.cause && r.cause !== 'stopped' && r.cause !== 'unknown') return finish();
      settle ??= setTimeout(finish, CAUSE_SETTLE_MS);
    });
    cancel = () => {
      unsubscribe();
      clearTimeout(timeout);
      clearTimeout(settle);
    };
  });
  return { report, cancel: () => cancel() };
}

export function registerRehearsal(ctx: DoctorContext, supervisor: DockerSupervisor): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('archonMcp.rehearseRestart', async (arg?: unknown) => {
      const link = await pickLink(ctx, supervisor, arg);
      if (!link) return;
      const server = link.serverName;
      const container = link.watcher.snapshot().matchedName ?? link.container;
      const ok = await vscode.window.showWarningMessage(
        `Rehearse a restart of ${server}? Container ${container} will be restarted now, the way a crash or an update would. ` +
          'Clients connected through the healing gateway should not notice; clients connected directly lose their session.',
        { modal: true },
        'Restart and Watch',
      );
      if (ok !== 'Restart and Watch') return;
      const gatewayBefore = ctx.gateway.counters(server);
      const requestedAt = new Date().toISOString();
      ctx.log.info(`rehearsal: restarting container ${container} of ${server}`);
      let report: RehearsalReport;
      try {
        report = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Rehearsing a restart of ${server}` },
          async (progress) => {
            // Listening before the restart: its first events come within milliseconds.
            const healed = waitForHeal(ctx, server, requestedAt, () => ({
              gatewayBefore,
              gatewayAfter: ctx.gateway.counters(server),
            }));
            progress.report({ message: `restarting ${container}…` });
            try {
              await link.watcher.restartContainer();
            } catch (err) {
              healed.cancel();
              throw err;
            }
            progress.report({ message: 'waiting for the heal…' });
            return healed.report;
          },
        );
      } catch (err) {
        ctx.log.error(`rehearsal: restarting ${container} failed: ${errorMessage(err)}`);
        void vscode.window.showErrorMessage(
          `Archon MCP: the rehearsal could not restart ${container}: ${errorMessage(err)}`,
        );
        return;
      }
      const summary = rehearsalSummary(report);
      ctx.log.info(`rehearsal: ${summary}`);
      const show =
        report.outcome === 'healed' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
      const choice = await show(`Archon MCP: ${summary}`, 'Show Report');
      if (choice === 'Show Report') {
        const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: renderRehearsal(report) });
        await vscode.window.showTextDocument(doc, { preview: false });
      }
    }),
  ];
}
