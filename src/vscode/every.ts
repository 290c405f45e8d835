// The user's MCP servers beyond the watched HTTP ones: every server any client names (stdio, legacy SSE),
// with its clients and, when supervised, what its supervisor reports (restarts, last cause, stderr tail).
// The shared server list is watched here too: an edit re-applies the settings (the union of both).
import * as vscode from 'vscode';
import {
  CLIENT_NAMES,
  ServerListStore,
  configDir,
  currentLocationEnv,
  entryKey,
  installStableCli,
  inventory,
  normalizeUrl,
  readSupervisedStates,
  shownTarget,
  stateDir,
  watchFiles,
  type ListedServer,
  type McpServer,
  type SupervisedReader,
  type SupervisedView,
} from '../core/clients';
import { slugify } from '../core/gateway';
import type { ClientsHost } from './clients-section';
import type { DoctorContext } from './context';
import { clientsOf, lookOfOther, protectionLabel, type OtherServer } from './every-present';
import { ago } from './present';
import type { DetailNode } from './tree';

const STATE_POLL_MS = 3_000;

export class EveryHost implements vscode.Disposable {
  states: SupervisedView[] = [];
  readonly store = new ServerListStore(configDir(currentLocationEnv()));
  private timer?: NodeJS.Timeout;
  private statesKey = '';

  /** The supervisors' own reader can replace this one (src/core/stdio once merged). */
  constructor(private readonly readStates: SupervisedReader = readSupervisedStates) {}

  /** Polls the supervisors' state files; `changed` when what they say changed. */
  startPolling(changed: () => void): void {
    const tick = async () => {
      this.states = await this.readStates(stateDir(currentLocationEnv())).catch(() => []);
      const key = JSON.stringify(this.states.map((s) => [s.pid, s.state, s.restarts, s.updatedAt, s.stale]));
      if (key !== this.statesKey) {
        this.statesKey = key;
        changed();
      }
    };
    void tick();
    this.timer = setInterval(() => void tick(), STATE_POLL_MS);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** The shared list plus the watched servers, each under the slug the gateway serves it at. */
function knownServers(ctx: DoctorContext): ListedServer[] {
  return [...ctx.listed, ...ctx.snapshots().map((s) => ({ name: s.name, slug: slugify(s.name), url: s.url }))];
}

/** Servers the monitors do not watch (their URL is not a watched one), with how they look. */
export function otherServers(ctx: DoctorContext, every: EveryHost, clients: ClientsHost): OtherServer[] {
  const watched = new Set(ctx.snapshots().map((s) => normalizeUrl(s.url)));
  return inventory(clients.currentScan(), knownServers(ctx))
    .filter((s) => !(s.upstream.url !== undefined && watched.has(normalizeUrl(s.upstream.url))))
    .map((s) => lookOfOther(s, every.states));
}

function entryNodes(server: McpServer, prefix: string): DetailNode[] {
  return server.entries.map((e) => ({
    kind: 'detail',
    id: `${prefix}/entry/${entryKey(e)}`,
    label: `${CLIENT_NAMES[e.client]}: ${e.name}`,
    description: `${e.scope} · ${e.protection === 'direct' ? 'direct' : e.protection === 'supervisor' ? 'supervised' : 'gateway'}`,
    icon: e.protection === 'direct' ? 'warning' : 'shield',
    tone: e.protection === 'direct' ? 'warning' : 'ok',
    tooltip: `${e.file}\n${shownTarget(e)}`,
    value: e.file,
    contextValue: e.protection === 'direct' ? 'clientEntryDirect' : 'clientEntry',
  }));
}

function otherNode(o: OtherServer): DetailNode {
  const s = o.server;
  const id = `mcp/${s.id}`;
  const children: DetailNode[] = [
    {
      kind: 'detail',
      id: `${id}/target`,
      label: s.transport === 'stdio' ? 'Command' : 'URL',
      description: s.shown,
      icon: s.transport === 'stdio' ? 'terminal' : 'link',
      value: s.shown,
    },
    {
      kind: 'detail',
      id: `${id}/protection`,
      label: 'Protection',
      description: protectionLabel(s),
      icon: s.protection === 'direct' ? 'warning' : 'shield',
      tone: s.protection === 'protected' ? 'ok' : 'warning',
    },
    {
      kind: 'detail',
      id: `${id}/clients`,
      label: 'Used by',
      description: clientsOf(s),
      icon: 'person',
      expanded: false,
      children: entryNodes(s, id),
    },
  ];
  for (const sup of o.supervisors) {
    const sid = `${id}/supervisor/${sup.pid}`;
    children.push({
      kind: 'detail',
      id: sid,
      label: `Supervisor ${sup.pid}`,
      description: `${sup.state} · ${sup.restarts} restart${sup.restarts === 1 ? '' : 's'}`,
      icon: 'debug-restart',
      expanded: true,
      children: [
        ...(sup.lastCauseLabel
          ? [
              {
                kind: 'detail' as const,
                id: `${sid}/cause`,
                label: 'Last cause',
                description: `${sup.lastCauseLabel}${sup.lastRestartAt ? `, ${ago(sup.lastRestartAt)}` : ''}`,
                icon: 'debug-disconnect',
              },
            ]
          : []),
        ...(sup.stderrTail.length
          ? [
              {
                kind: 'detail' as const,
                id: `${sid}/stderr`,
                label: 'stderr',
                description: sup.stderrTail.at(-1),
                icon: 'output',
                tooltip: sup.stderrTail.join('\n'),
                children: sup.stderrTail.map((line, i) => ({
                  kind: 'detail' as const,
                  id: `${sid}/stderr/${i}`,
                  label: line,
                })),
              },
            ]
          : []),
      ],
    });
  }
  return {
    kind: 'detail',
    id,
    label: s.name,
    description: `${s.transport} · ${o.look.label}`,
    icon: o.look.icon,
    tone: o.look.tone,
    expanded: o.supervisors.length > 0,
    tooltip: `${s.name} (${s.transport}): ${o.look.label}\n${s.shown}\nClients: ${clientsOf(s)}`,
    children,
    contextValue: 'mcpServer',
  };
}

/** Under a watched server: the clients that use it. */
function clientsSection(ctx: DoctorContext, clients: ClientsHost) {
  return (snapshot: { name: string; url: string }): DetailNode[] => {
    const s = inventory(clients.currentScan(), knownServers(ctx)).find(
      (x) => x.upstream.url !== undefined && normalizeUrl(x.upstream.url) === normalizeUrl(snapshot.url),
    );
    if (!s) return [];
    const id = `${snapshot.name}/mcp-clients`;
    // Not "Clients": that is the root section's label (a person finds it by that word).
    return [
      {
        kind: 'detail',
        id,
        label: 'Used by',
        description: `${clientsOf(s)} · ${protectionLabel(s)}`,
        icon: 'person',
        children: entryNodes(s, id),
      },
    ];
  };
}

export function registerEvery(ctx: DoctorContext, every: EveryHost, clients: ClientsHost): vscode.Disposable[] {
  ctx.tree.addRootSection(() => otherServers(ctx, every, clients).map(otherNode));
  ctx.tree.addSection(clientsSection(ctx, clients));
  ctx.statusBar.addOtherServers(() =>
    otherServers(ctx, every, clients).map((o) => ({
      name: o.server.name,
      look: o.look,
      detail: `${o.server.transport} · ${clientsOf(o.server)}`,
    })),
  );
  every.startPolling(() => ctx.scheduleRender());
  // The list changes (the CLI's `servers add`, `clients route --all`): watch and serve the union again.
  let watch = watchFiles([every.store.file], () => void reapply());
  const reapply = async () => {
    await ctx
      .applySettings()
      .then(() => clients.refresh())
      .catch((err: Error) => ctx.log.error(`applying the shared server list failed: ${err.message}`));
    watch.close();
    watch = watchFiles([every.store.file], () => void reapply());
  };
  // Keep the stable copy of the CLI current: routed stdio entries run it (see README, "Every server").
  const bundle = vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist', 'cli.js').fsPath;
  void installStableCli(stateDir(currentLocationEnv()), bundle).then(
    (p) => ctx.log.info(`the CLI for routed stdio servers is at ${p}`),
    (err: Error) => ctx.log.warn(`could not refresh the CLI copy for routed stdio servers: ${err.message}`),
  );
  const changed = clients.onDidChange(() => ctx.scheduleRender());
  return [every, changed, { dispose: () => watch.close() }];
}
