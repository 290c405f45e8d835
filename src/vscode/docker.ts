// Docker in the UI: a container node per server, memory pressure in the status bar, an OOM
// notification, the restart and logs commands, and the report's Docker section.
import * as vscode from 'vscode';
import { describeContainer, DockerSupervisor, formatDuration, type ContainerSnapshot } from '../core/docker';
import type { ServerSnapshot } from '../core/server-state';
import { errorMessage } from '../core/narrow';
import type { DoctorContext } from './context';
import { serverNameInArg, type DetailNode } from './tree';

export function containerOf(s: ServerSnapshot): ContainerSnapshot | undefined {
  return s.container;
}

export function containerNodes(s: ServerSnapshot): DetailNode[] {
  const c = containerOf(s);
  if (!c) return [];
  const id = (k: string) => `${s.name}/container/${k}`;
  const name = c.matchedName ?? c.configuredName;
  if (c.problem) {
    return [
      {
        kind: 'detail',
        id: id('self'),
        label: `Container ${name}`,
        description: c.problem.code,
        icon: 'warning',
        tone: 'warning',
        tooltip: c.problem.message,
        children: [{ kind: 'detail', id: id('problem'), label: c.problem.message, icon: 'info' }],
      },
    ];
  }
  const children: DetailNode[] = [
    {
      kind: 'detail',
      id: id('state'),
      label: 'State',
      description: c.state,
      icon: c.state === 'running' ? 'vm-running' : 'vm-outline',
    },
    {
      kind: 'detail',
      id: id('health'),
      label: 'Health',
      description: c.health,
      icon: 'heart',
      tone: c.health === 'unhealthy' ? 'error' : undefined,
      tooltip: c.healthOutput,
    },
    {
      kind: 'detail',
      id: id('uptime'),
      label: 'Uptime',
      description: c.uptimeSeconds !== undefined ? formatDuration(c.uptimeSeconds) : '—',
      icon: 'clock',
    },
    {
      kind: 'detail',
      id: id('restarts'),
      label: 'Restarts',
      description: `${c.restarts}${c.engineRestartCount ? ` (engine count ${c.engineRestartCount})` : ''}`,
      icon: 'debug-restart',
    },
    {
      kind: 'detail',
      id: id('oom'),
      label: 'OOM kills',
      description: String(c.oomKills),
      icon: 'flame',
      tone: c.oomKills ? 'warning' : undefined,
    },
    {
      kind: 'detail',
      id: id('memory'),
      label: 'Memory',
      description: c.memoryText ?? 'not sampled',
      icon: 'dashboard',
      tone: c.memoryPressure ? 'warning' : undefined,
    },
  ];
  if (c.restartPolicy)
    children.push({
      kind: 'detail',
      id: id('policy'),
      label: 'Restart policy',
      description: c.restartPolicy,
      icon: 'gear',
    });
  return [
    {
      kind: 'detail',
      id: id('self'),
      label: `Container ${name}`,
      description: describeContainer(c),
      icon: 'package',
      tone: c.memoryPressure || c.health === 'unhealthy' ? 'warning' : undefined,
      contextValue: 'container',
      tooltip: c.matchedFallback ? `"${c.configuredName}" does not exist; watching its old name "${name}"` : undefined,
      children,
    },
  ];
}

/** Status bar tooltip lines for containers under memory pressure. */
export function pressureLines(snapshots: readonly ServerSnapshot[]): string[] {
  return snapshots.flatMap((s) => {
    const c = containerOf(s);
    return c?.memoryPressure
      ? [`$(warning) Memory pressure in ${c.matchedName ?? c.configuredName}: ${c.memoryText ?? ''}`]
      : [];
  });
}

export function dockerReportSection(supervisor: DockerSupervisor, snapshots: readonly ServerSnapshot[]): string {
  const links = supervisor.all();
  if (links.length === 0) return '\n## Docker\n\nNo server names a container, or Docker watching is off.\n';
  const lines = ['', '## Docker', ''];
  for (const link of links) {
    const c = link.watcher.snapshot();
    const server = snapshots.find((s) => containerOf(s)?.configuredName === c.configuredName);
    lines.push(`### Container ${c.matchedName ?? c.configuredName}${server ? ` (server ${server.name})` : ''}`, '');
    if (c.problem) lines.push(`Problem: ${c.problem.message}`, '');
    lines.push(
      `| | |`,
      `|---|---|`,
      `| Engine | ${c.engine ? `Docker ${c.engine.version} (API ${c.engine.apiVersion}) at ${c.engine.target}` : '—'} |`,
      `| State | ${describeContainer(c)} |`,
      `| Memory limit | ${c.memoryLimitBytes ? `${Math.round(c.memoryLimitBytes / 1024 / 1024)} MB` : 'none'} |`,
      `| Restart policy | ${c.restartPolicy ?? '—'} |`,
      `| Healthcheck | ${c.healthcheck ? `\`${c.healthcheck.test}\`${c.healthcheck.intervalSeconds ? ` every ${c.healthcheck.intervalSeconds} s` : ''}` : 'none'} |`,
      `| Restarts / OOM kills | ${c.restarts} / ${c.oomKills} |`,
      `| Instance | ${c.instanceId ?? '—'} |`,
    );
    const events = link.watcher
      .recentEvents()
      .slice(-30)
      .map((e) => ({
        at: e.at,
        text: `container ${e.action}${e.exitCode !== undefined ? ` (exit ${e.exitCode})` : ''}${e.health ? ` ${e.health}` : ''}`,
      }));
    const losses = (server?.transitions ?? [])
      .filter((t) => t.to === 'session-lost')
      .map((t) => ({ at: t.at, text: `**session lost: ${t.loss ? (t.loss.label ?? t.loss.cause) : t.reason}**` }));
    const timeline = [...events, ...losses].sort((a, b) => a.at.localeCompare(b.at));
    if (timeline.length) {
      lines.push('', '**Timeline** (container events next to the session losses they caused)', '');
      for (const item of timeline) lines.push(`- ${item.at} ${item.text}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

async function pickContainer(supervisor: DockerSupervisor, arg: unknown) {
  const links = supervisor.all();
  const fromNode = serverNameInArg(arg);
  if (fromNode && supervisor.link(fromNode)) return supervisor.link(fromNode);
  if (links.length <= 1) {
    if (!links[0])
      void vscode.window.showInformationMessage(
        'Archon MCP: no server with a Docker container is watched (set "container" in archonMcp.servers).',
      );
    return links[0];
  }
  const picked = await vscode.window.showQuickPick(
    links.map((l) => ({ label: l.watcher.snapshot().matchedName ?? l.container, link: l })),
    { placeHolder: 'Which container?' },
  );
  return picked?.link;
}

export function registerDocker(ctx: DoctorContext, supervisor: DockerSupervisor): vscode.Disposable[] {
  ctx.tree.addSection(containerNodes);
  ctx.statusBar.addWarningLines(() => pressureLines(ctx.snapshots()));
  const showOom = ctx.fleet.onDidChange((snapshot, t) => {
    if (!snapshot || t?.to !== 'session-lost' || t.loss?.cause !== 'oom-kill' || t.refined) return;
    const name = containerOf(snapshot)?.matchedName ?? snapshot.name;
    void vscode.window
      .showWarningMessage(
        `Archon MCP: container ${name} was killed for running out of memory. Its MCP session was lost.`,
        'Show Log',
        'Restart Container',
      )
      .then((choice) => {
        if (choice === 'Show Log') ctx.channel.show(true);
        if (choice === 'Restart Container')
          void vscode.commands.executeCommand('archonMcp.restartContainer', snapshot.name);
      });
  });
  return [
    { dispose: showOom },
    vscode.commands.registerCommand('archonMcp.restartContainer', async (arg?: unknown) => {
      const link = await pickContainer(supervisor, arg);
      if (!link) return;
      const name = link.watcher.snapshot().matchedName ?? link.container;
      const ok = await vscode.window.showWarningMessage(
        `Restart container ${name}? Every client's MCP session on it will be lost.`,
        { modal: true },
        'Restart',
      );
      if (ok !== 'Restart') return;
      try {
        await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Restarting ${name}` },
          () => link.watcher.restartContainer(),
        );
        ctx.log.info(`container ${name} restarted on request`);
      } catch (err) {
        ctx.log.error(`restarting ${name} failed: ${errorMessage(err)}`);
        void vscode.window.showErrorMessage(`Archon MCP: restarting ${name} failed: ${errorMessage(err)}`);
      }
    }),
    vscode.commands.registerCommand('archonMcp.startContainer', async (arg?: unknown) => {
      const link = await pickContainer(supervisor, arg);
      if (!link) return;
      const name = link.watcher.snapshot().matchedName ?? link.container;
      try {
        await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Starting ${name}` },
          () => link.watcher.startContainer(),
        );
        ctx.log.info(`container ${name} started on request`);
        ctx.fleet.get(link.serverName)?.checkNow('container started on request');
      } catch (err) {
        ctx.log.error(`starting ${name} failed: ${errorMessage(err)}`);
        void vscode.window.showErrorMessage(`Archon MCP: starting ${name} failed: ${errorMessage(err)}`);
      }
    }),
    vscode.commands.registerCommand('archonMcp.showContainerLogs', async (arg?: unknown) => {
      const link = await pickContainer(supervisor, arg);
      if (!link) return;
      try {
        const logs = await link.watcher.logs(200);
        const name = link.watcher.snapshot().matchedName ?? link.container;
        const body = logs.lines
          .map((l) => `${l.stream === 'stderr' ? 'ERR' : 'OUT'} ${l.at ?? ''} ${l.text}`.replace(/ {2,}/g, ' '))
          .join('\n');
        const header = `# ${name}: last ${logs.lines.length} log lines (OUT = stdout, ERR = stderr${logs.tty ? '; TTY container: one combined stream' : ''})\n\n`;
        const doc = await vscode.workspace.openTextDocument({ language: 'log', content: header + body });
        await vscode.window.showTextDocument(doc, { preview: false });
      } catch (err) {
        void vscode.window.showErrorMessage(`Archon MCP: could not read the container's logs: ${errorMessage(err)}`);
      }
    }),
  ];
}
