// The Clients section: every MCP client configuration that points at a watched server, protected or not,
// and the commands that route them through the gateway and back. The logic is in src/core/clients.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CLIENT_NAMES,
  JournalStore,
  ServerListStore,
  allEntries,
  applyChanges,
  inventory,
  configDir,
  installStableCli,
  planRouteAll,
  routedByDefault,
  stableCliPath,
  type ClientEntry,
  type EntryView,
  type ListedServer,
  clientLocations,
  currentLocationEnv,
  defaultGatewayUrl,
  entryKey,
  executeRoute,
  planRoute,
  scanLocations,
  serverEntries,
  shownTarget,
  stateDir,
  undoRouting,
  unprotected,
  watchFiles,
  watchedServer,
  type ClientId,
  type FileEdit,
  type FileOutcome,
  type FileWatch,
  type Scan,
  type ServerEntryView,
  type WatchedServer,
} from '../core/clients';
import type { DoctorContext } from './context';
import { GATEWAY_DEFAULTS, slugify } from '../core/gateway';
import type { DetailNode } from './tree';

const NOTIFIED_KEY = 'archonMcp.clients.notified';
const SUPPRESS_KEY = 'archonMcp.clients.dontShowAgain';
const DUPLICATE_KEY = 'archonMcp.clients.duplicateWarned';
const PREVIEW_SCHEME = 'archon-mcp-preview';

/** Options for the commands when called from code (tests, the notification): skip the questions. */
export interface RouteArgs {
  yes?: boolean;
  /** Entry keys (file#path) to route; default: every unprotected entry that is not in a shared file. */
  entries?: string[];
  includeShared?: string[];
  /** Offer every direct entry of every server too (the palette, the walkthrough); default: the watched servers' only. */
  all?: boolean;
}

const STATE_LOOK: Record<ServerEntryView['state'], { icon: string; tone?: 'ok' | 'warning'; label: string }> = {
  protected: { icon: 'shield', tone: 'ok', label: 'protected' },
  direct: { icon: 'warning', tone: 'warning', label: 'direct' },
  shared: { icon: 'organization', tone: 'warning', label: 'direct (shared file)' },
};

export class ClientsHost implements vscode.Disposable {
  private scan: Scan = { files: [], errors: [] };
  private views: ServerEntryView[] = [];
  private watch?: FileWatch;
  private scanning?: Promise<void>;
  private again = false;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly previews = new Map<string, string>();
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly ctx: DoctorContext) {
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, {
        provideTextDocumentContent: (uri) => this.previews.get(uri.query) ?? '',
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.refresh()),
    );
  }

  /**
   * The servers as the gateway serves them: the running gateway's URL first, then the configured port's.
   * Legacy SSE servers are left out: the gateway does not serve them, so routing there would break a client.
   */
  servers(): WatchedServer[] {
    const s = this.ctx.settings;
    if (!s) return [];
    return s.servers
      .filter((c) => c.transport !== 'sse')
      .map((c) =>
        watchedServer(
          c.name,
          c.url,
          [this.ctx.gateway.url(c.name), defaultGatewayUrl(c.name, s.gateway.port)].filter((u): u is string =>
            Boolean(u),
          ),
        ),
      );
  }

  private locations() {
    const workspaces = (vscode.workspace.workspaceFolders ?? [])
      .filter((f) => f.uri.scheme === 'file')
      .map((f) => f.uri.fsPath);
    // This editor's own user folder (code-server, Insiders, a portable install), beside the standard ones.
    const ownUserDir = path.dirname(path.dirname(this.ctx.extension.globalStorageUri.fsPath));
    return clientLocations(currentLocationEnv(workspaces, [ownUserDir]));
  }

  journal(): JournalStore {
    return new JournalStore(stateDir(currentLocationEnv()));
  }

  entries(): readonly ServerEntryView[] {
    return this.views;
  }

  currentScan(): Scan {
    return this.scan;
  }

  errors(): Scan['errors'] {
    return this.scan.errors;
  }

  /** Re-reads every file (coalesced: a burst of changes costs one more scan). */
  refresh(): Promise<void> {
    if (this.scanning) {
      this.again = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      do {
        this.again = false;
        const locations = this.locations();
        try {
          this.scan = await scanLocations(locations, this.servers(), {
            gatewayPorts: [...new Set([this.ctx.settings.gateway.port, GATEWAY_DEFAULTS.port])],
          });
        } catch (err) {
          this.ctx.log.warn(`clients: reading client configurations failed: ${(err as Error).message}`);
        }
        this.views = serverEntries(this.scan);
        this.watch?.close();
        this.watch = watchFiles(
          locations.map((l) => l.file),
          () => void this.refresh(),
        );
      } while (this.again);
    })().finally(() => {
      this.scanning = undefined;
      this.changed.fire();
    });
    return this.scanning;
  }

  clearPreviews(): void {
    this.previews.clear();
  }

  preview(edit: FileEdit): vscode.Uri {
    const id = `${this.previews.size}-${Date.now()}`;
    this.previews.set(id, edit.after);
    return vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: edit.file, query: id });
  }

  dispose(): void {
    this.watch?.close();
    for (const d of this.disposables) d.dispose();
  }
}

/** How an entry reaches its server, in the words of `clients`: through the gateway, under the supervisor, or directly. */
const PROTECTION_LABEL: Record<ClientEntry['protection'], string> = {
  gateway: 'gateway',
  supervisor: 'supervisor',
  direct: 'direct',
};

function why(v: EntryView): string {
  if (v.overriddenBy)
    return `a local-scope entry in ~/.claude.json sends it through the ${v.overriddenBy.protection === 'supervisor' ? 'supervisor' : 'gateway'}`;
  if (v.protection === 'gateway') return 'goes through the healing gateway';
  if (v.protection === 'supervisor') return 'runs under the supervisor, which restarts the server when it dies';
  if (v.transport === 'sse') return 'legacy SSE: the gateway cannot forward it, so it talks to the server directly';
  const direct =
    v.transport === 'stdio'
      ? 'starts the server itself: nothing restarts it when it dies'
      : 'talks to the server directly: it breaks when the server restarts';
  return v.state === 'shared'
    ? `${direct}; the file is shared through version control, so it is routed only when you pick it`
    : direct;
}

/** The tree's Clients section: client → every entry of its files (HTTP, SSE, stdio), with scope, transport and protection. */
export function clientNodes(host: ClientsHost, listed: readonly ListedServer[]): DetailNode[] {
  const scan = host.currentScan();
  const views = allEntries(scan);
  const errors = host.errors();
  if (views.length === 0 && errors.length === 0) return [];
  const serverOf = new Map(
    inventory(scan, listed).flatMap((s) => s.entries.map((e) => [entryKey(e), s.name] as const)),
  );
  const direct = unprotected(views).length;
  const byClient = new Map<ClientId, EntryView[]>();
  for (const v of views) byClient.set(v.client, [...(byClient.get(v.client) ?? []), v]);
  const children: DetailNode[] = [...byClient].map(([client, list]) => {
    const safe = list.every((v) => v.state === 'protected');
    return {
      kind: 'detail',
      id: `clients/${client}`,
      label: CLIENT_NAMES[client],
      icon: safe ? 'shield' : 'warning',
      tone: safe ? 'ok' : 'warning',
      description: `${list.filter((v) => v.state === 'protected').length}/${list.length} protected`,
      expanded: true,
      children: list.map((v): DetailNode => {
        const look = STATE_LOOK[v.state];
        const protection = v.state === 'shared' ? look.label : PROTECTION_LABEL[(v.overriddenBy ?? v).protection];
        return {
          kind: 'detail',
          id: `clients/${entryKey(v)}`,
          label: v.name,
          icon: look.icon,
          tone: look.tone,
          description: `${v.scope} · ${v.transport} · ${protection} · ${path.basename(v.file)}`,
          tooltip: `${CLIENT_NAMES[v.client]} "${v.name}" (${v.scope}${v.project ? ` ${v.project}` : ''}) in ${v.file}\n${v.transport}: ${shownTarget(v)}\nServer: ${serverOf.get(entryKey(v)) ?? v.name}\n${why(v)}`,
          contextValue: v.state === 'protected' ? 'clientEntry' : 'clientEntryDirect',
          value: v.file,
        };
      }),
    };
  });
  for (const e of errors) {
    children.push({
      kind: 'detail',
      id: `clients/error/${e.file}`,
      label: `${CLIENT_NAMES[e.location.client]}: unreadable`,
      description: path.basename(e.file),
      icon: 'error',
      tone: 'warning',
      tooltip: `${e.file}\n${e.message}`,
      value: e.file,
    });
  }
  return [
    {
      kind: 'detail',
      id: 'clients',
      label: 'Clients',
      icon: 'person',
      expanded: true,
      contextValue: 'clients',
      tone: direct ? 'warning' : undefined,
      description: direct ? `${direct} direct` : 'all protected',
      tooltip: "Every MCP server entry in the MCP clients' configurations on this machine",
      children,
    },
  ];
}

export function directLine(host: ClientsHost): string[] {
  const direct = unprotected(host.entries());
  const n = direct.length;
  if (!n) return [];
  const names = [...new Set(direct.map((v) => v.server))].join(', ');
  return [
    `$(warning) ${n} client${n === 1 ? ' talks' : 's talk'} to ${names} directly — [Route them](command:archonMcp.routeClients)`,
  ];
}

function summary(outcomes: FileOutcome[]): string {
  const ok = outcomes.filter((o) => o.outcome === 'written' || o.outcome === 'restored').length;
  const bad = outcomes.filter((o) => o.outcome === 'refused' || o.outcome === 'kept');
  return `${ok} file${ok === 1 ? '' : 's'} ${outcomes.some((o) => o.outcome === 'restored') ? 'restored' : 'routed'}${bad.length ? `; ${bad.length} left alone: ${bad.map((o) => o.message).join(' · ')}` : ''}`;
}

async function routeClients(ctx: DoctorContext, host: ClientsHost, args: RouteArgs = {}): Promise<FileOutcome[]> {
  if (!ctx.settings.gateway.enabled) {
    void vscode.window.showWarningMessage(
      'Archon MCP: the healing gateway is off (archonMcp.gateway.enabled): routing clients to it would break them.',
    );
    return [];
  }
  await host.refresh();
  const candidates = unprotected(host.entries());
  // Every other direct entry too: HTTP through the gateway (via the shared list), stdio under the supervisor.
  const watchedKeys = new Set(host.entries().map(entryKey));
  const others = args.all
    ? host
        .currentScan()
        .files.flatMap((f) => f.entries)
        .filter((e) => e.protection === 'direct' && !watchedKeys.has(entryKey(e)))
    : [];
  if (candidates.length === 0 && others.length === 0) {
    if (!args.yes)
      void vscode.window.showInformationMessage(
        'Archon MCP: every MCP client entry already goes through the gateway or the supervisor.',
      );
    return [];
  }
  let keys = args.entries ?? [
    ...candidates.filter((c) => c.state === 'direct' || c.client === 'claude-code').map(entryKey),
    ...others.filter((e) => routedByDefault(e) && e.transport !== 'sse').map(entryKey),
  ];
  let includeShared = args.includeShared ?? [];
  if (!args.yes) {
    const picks = await vscode.window.showQuickPick(
      [
        ...candidates.map((c) => ({
          label: `${CLIENT_NAMES[c.client]}: ${c.name}`,
          description: `${c.scope} · ${shownTarget(c)}`,
          detail:
            c.state === 'shared' && c.client !== 'claude-code'
              ? `${c.file} — shared through version control: teammates without the gateway would break`
              : c.state === 'shared'
                ? `${c.file} stays as it is; a local-scope entry in ~/.claude.json takes over`
                : c.file,
          picked: keys.includes(entryKey(c)),
          c: c as ClientEntry,
        })),
        ...others.map((c) => ({
          label: `${CLIENT_NAMES[c.client]}: ${c.name}`,
          description: `${c.scope} · ${c.transport} · ${shownTarget(c)}`,
          detail: `${c.transport === 'stdio' ? 'runs under the supervisor' : c.transport === 'sse' ? 'legacy SSE: the gateway cannot forward it' : 'through the gateway'} — ${c.file}`,
          picked: keys.includes(entryKey(c)),
          c,
        })),
      ],
      {
        canPickMany: true,
        title: 'Protect your MCP servers: route clients through the gateway and the supervisor',
        placeHolder: 'Entries that talk to their server directly',
      },
    );
    if (!picks || picks.length === 0) return [];
    keys = picks.map((p) => entryKey(p.c));
    includeShared = picks.filter((p) => p.c.shared && p.c.client !== 'claude-code').map((p) => p.c.file);
  }
  const plan = await planBoth(ctx, host, keys, includeShared);
  for (const s of plan.skipped) ctx.log.info(`clients: ${s.entry.file} "${s.entry.name}" not routed: ${s.reason}`);
  if (plan.edits.length === 0) {
    if (plan.skipped.length && !args.yes)
      void vscode.window.showWarningMessage(
        `Archon MCP: nothing routed: ${plan.skipped.map((s) => `"${s.entry.name}": ${s.reason}`).join(' · ')}`,
      );
    return [];
  }
  if (!args.yes) {
    for (const edit of plan.edits) {
      ctx.log.info(
        `clients: planned change of ${edit.file}: ${edit.changes
          .map((c) => c.summary)
          .filter(Boolean)
          .join('; ')}`,
      );
      await vscode.commands.executeCommand(
        'vscode.diff',
        vscode.Uri.file(edit.file),
        host.preview(edit),
        `${path.basename(edit.file)}: routed through the gateway (preview)`,
        { preview: false },
      );
    }
    const answer = await vscode.window.showInformationMessage(
      `Archon MCP: write ${plan.edits.length} file${plan.edits.length === 1 ? '' : 's'}? A backup of each is kept beside it, and "Archon: Undo Client Routing" puts the originals back.`,
      { modal: true, detail: plan.edits.map((e) => e.file).join('\n') },
      'Write',
    );
    await closePreviews(); // once written (or declined) they would compare against the wrong text
    host.clearPreviews();
    if (answer !== 'Write') return [];
  }
  try {
    if (plan.usesCli)
      await installStableCli(
        stateDir(currentLocationEnv()),
        vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist', 'cli.js').fsPath,
      );
    if (plan.listed.length) await new ServerListStore(configDir(currentLocationEnv())).upsert(plan.listed);
  } catch (err) {
    void vscode.window.showErrorMessage(`Archon MCP: nothing written: ${(err as Error).message}`);
    return [];
  }
  const outcomes = await executeRoute(plan.edits, host.journal());
  for (const o of outcomes) ctx.log.info(`clients: ${o.outcome}: ${o.message}`);
  await host.refresh();
  const bad = outcomes.some((o) => o.outcome === 'refused');
  const msg = `Archon MCP: ${summary(outcomes)}. Restart the clients (or reload their MCP servers) to pick up the change.`;
  void (bad ? vscode.window.showWarningMessage(msg) : vscode.window.showInformationMessage(msg));
  return outcomes;
}

async function closePreviews(): Promise<void> {
  const tabs = vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === PREVIEW_SCHEME);
  if (tabs.length) await vscode.window.tabGroups.close(tabs).then(undefined, () => undefined);
}

async function undoClientRouting(ctx: DoctorContext, host: ClientsHost, args: RouteArgs = {}): Promise<FileOutcome[]> {
  const journal = host.journal();
  let files: string[];
  try {
    files = Object.keys((await journal.load()).files);
  } catch (err) {
    void vscode.window.showErrorMessage(`Archon MCP: ${(err as Error).message}`);
    return [];
  }
  if (files.length === 0) {
    if (!args.yes)
      void vscode.window.showInformationMessage('Archon MCP: no client file was routed, so there is nothing to undo.');
    return [];
  }
  if (!args.yes) {
    const answer = await vscode.window.showInformationMessage(
      `Archon MCP: put back the original of ${files.length} file${files.length === 1 ? '' : 's'}? Files changed since we wrote them are left alone.`,
      { modal: true, detail: files.join('\n') },
      'Restore',
    );
    if (answer !== 'Restore') return [];
  }
  const outcomes = await undoRouting(journal);
  for (const o of outcomes) ctx.log.info(`clients: undo ${o.outcome}: ${o.message}`);
  await host.refresh();
  void vscode.window.showInformationMessage(`Archon MCP: ${summary(outcomes)}.`);
  return outcomes;
}

/** Once per set of newly found direct entries, unless the user said not to. */
function notifyDirect(ctx: DoctorContext, host: ClientsHost): void {
  const state = ctx.extension.globalState;
  if (state.get<boolean>(SUPPRESS_KEY) || !ctx.settings?.gateway.enabled) return;
  const seen = new Set(state.get<string[]>(NOTIFIED_KEY, []));
  const fresh = unprotected(host.entries()).filter((v) => !seen.has(entryKey(v)));
  if (fresh.length === 0) return;
  void state.update(NOTIFIED_KEY, [...seen, ...fresh.map(entryKey)]);
  const names = [...new Set(fresh.map((v) => CLIENT_NAMES[v.client]))].join(', ');
  void vscode.window
    .showWarningMessage(
      `Archon MCP: ${names} talk${fresh.length === 1 && names.indexOf(',') < 0 ? 's' : ''} to ${[...new Set(fresh.map((v) => v.server))].join(', ')} directly and will break at its next restart. Route them through the healing gateway?`,
      'Route Them',
      'Show',
      "Don't Show Again",
    )
    .then((choice) => {
      if (choice === 'Route Them')
        void vscode.commands.executeCommand('archonMcp.routeClients', { all: false } satisfies RouteArgs);
      else if (choice === 'Show') void vscode.commands.executeCommand('archonMcp.servers.focus');
      else if (choice === "Don't Show Again") void state.update(SUPPRESS_KEY, true);
    });
}

/** VS Code's own mcp.json entries and our "(healed)" definitions would give Copilot the same tools twice: one warning for all. */
function warnDuplicates(ctx: DoctorContext, host: ClientsHost): void {
  if (!ctx.settings?.gateway.enabled || !ctx.settings.gateway.registerWithVSCode) return;
  const state = ctx.extension.globalState;
  const warned = new Set(state.get<string[]>(DUPLICATE_KEY, []));
  const fresh = host.entries().filter((e) => e.client === 'vscode' && !warned.has(entryKey(e)));
  if (fresh.length === 0) return;
  void state.update(DUPLICATE_KEY, [...warned, ...fresh.map(entryKey)]);
  const direct = fresh.filter((v) => v.state !== 'protected');
  const servers = [...new Set(fresh.map((v) => v.server))];
  const files = [...new Set(fresh.map((v) => v.file))];
  const route = direct.length === 1 ? 'Route That Entry' : 'Route Those Entries';
  const stop = 'Stop Offering "(healed)"';
  const buttons = [...(direct.length ? [route] : []), stop, 'Open mcp.json'];
  const names = fresh.map((v) => `"${v.name}" (${v.scope})`).join(', ');
  void vscode.window
    .showWarningMessage(
      `Archon MCP: VS Code's mcp.json defines ${names} for ${servers.join(', ')}, and this extension also offers ${servers.map((s) => `"${s} (healed)"`).join(', ')} to VS Code: Copilot would get the same tools twice.`,
      ...buttons,
    )
    .then((choice) => {
      if (choice === route)
        void vscode.commands.executeCommand('archonMcp.routeClients', {
          entries: direct.map(entryKey),
          includeShared: direct.filter((v) => v.shared).map((v) => v.file),
        } satisfies RouteArgs);
      else if (choice === stop)
        void vscode.workspace
          .getConfiguration('archonMcp')
          .update('gateway.registerWithVSCode', false, vscode.ConfigurationTarget.Global);
      else if (choice === 'Open mcp.json') void vscode.window.showTextDocument(vscode.Uri.file(files[0]));
    });
}

export function registerClients(ctx: DoctorContext, host: ClientsHost): vscode.Disposable[] {
  ctx.tree.addRootSection(() => clientNodes(host, ctx.listed));
  ctx.statusBar.addExtraLines(() => directLine(host));
  // The gateway's URL is known once it listens (or moves to another port): read the files again then.
  let gatewayKey = '';
  const gatewayMoved = ctx.fleet.onDidChange(() => {
    const key = JSON.stringify(host.servers());
    if (key === gatewayKey) return;
    gatewayKey = key;
    void host.refresh();
  });
  const changed = host.onDidChange(() => {
    ctx.scheduleRender();
    notifyDirect(ctx, host);
    warnDuplicates(ctx, host);
  });
  return [
    host,
    changed,
    { dispose: gatewayMoved },
    vscode.commands.registerCommand('archonMcp.routeClients', (arg?: RouteArgs | DetailNode) =>
      routeClients(ctx, host, isArgs(arg) ? arg : { ...fromNode(arg), all: true }),
    ),
    vscode.commands.registerCommand('archonMcp.undoClientRouting', (args?: RouteArgs) =>
      undoClientRouting(ctx, host, isArgs(args) ? args : {}),
    ),
  ];
}

/** Commands run from a tree item get the node as their argument, not options. */
function isArgs(a: unknown): a is RouteArgs {
  return typeof a === 'object' && a !== null && !('kind' in a);
}

/** Route from an entry's inline action: that entry preselected (the quick pick still asks). */
function fromNode(node: DetailNode | undefined): RouteArgs {
  const key = node?.id.startsWith('clients/') ? node.id.slice('clients/'.length) : undefined;
  return key && key.includes('#') ? { entries: [key] } : {};
}

/** The watched servers' entries as before (Archon's own routes), every other picked entry through planRouteAll; one edit per file. */
async function planBoth(
  ctx: DoctorContext,
  host: ClientsHost,
  keys: string[],
  includeShared: string[],
): Promise<{
  edits: FileEdit[];
  skipped: { entry: ClientEntry; reason: string }[];
  listed: ListedServer[];
  usesCli: boolean;
}> {
  const scan = host.currentScan();
  const watched = planRoute(scan, { servers: host.servers(), only: keys, includeShared });
  // Watched servers are served under their own slugs: an entry for one of them reuses it.
  const known: ListedServer[] = [
    ...ctx.listed,
    ...host.servers().map((s) => ({ name: s.name, slug: slugify(s.name), url: s.url })),
  ];
  const watchedKeys = new Set(host.entries().map(entryKey));
  const all = planRouteAll(scan, {
    gatewayPort: ctx.settings.gateway.port,
    cliCommand: stableCliPath(stateDir(currentLocationEnv())),
    list: known,
    only: keys.filter((k) => !watchedKeys.has(k)),
    includeShared,
  });
  const byFile = new Map<string, FileEdit>();
  for (const e of [...watched.edits, ...all.edits]) {
    const prev = byFile.get(e.file);
    const changes = [...(prev?.changes ?? []), ...e.changes];
    byFile.set(e.file, { file: e.file, read: e.read, changes, after: prev ? applyChanges(e.read, changes) : e.after });
  }
  return {
    edits: [...byFile.values()],
    skipped: [...watched.skipped, ...all.skipped],
    listed: all.listed,
    usesCli: all.usesCli,
  };
}
