// The extension's running state: settings, the fleet of monitors, and the views that render it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DockerSupervisor } from '../core/docker';
import type { Fleet } from '../core/fleet';
import type { GatewayPortTaken, GatewayRunner } from '../core/gateway';
import type { Logger } from '../core/logger';
import { DoctorRuntime } from '../core/runtime';
import { validateSettings, type Settings } from '../core/settings';
import type { ServerConfig, ServerSnapshot, Transition } from '../core/server-state';
import { readSettings, SECTION } from './config';
import {
  ServerListStore,
  clientLocations,
  listRepeatRules,
  listedByUrl,
  configDir,
  currentLocationEnv,
  inventory,
  isLoopbackUrl,
  scanLocations,
  unionServers,
  type ListedServer,
} from '../core/clients';
import { createOutput, type Output } from './output';
import { StatusBar } from './statusBar';
import { GlobalStateSessionStore, TokenStore } from './storage';
import { ServerTree } from './tree';
import { anyServerUpContext } from './walkthrough';

const SUPPRESS_ATTENTION_KEY = 'archonMcp.suppressNeedsAttention';
const DEFAULT_SETTINGS = validateSettings({}).settings;

export class DoctorContext implements vscode.Disposable {
  readonly output: Output;
  readonly channel: vscode.LogOutputChannel;
  readonly log: Logger;
  readonly fleet: Fleet;
  readonly tokens: TokenStore;
  readonly statusBar = new StatusBar();
  readonly tree: ServerTree;
  readonly view: vscode.TreeView<unknown>;
  /** Docker facts reach the monitors through it; off until the settings are read. */
  readonly docker: DockerSupervisor;
  readonly gateway: GatewayRunner;
  /** Monitors, Docker links and the gateway; settings reach them through its serial queue. */
  readonly runtime: DoctorRuntime;
  private readonly reportedProblems = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];
  private renderQueued = false;
  private readonly setAnyServerUp = anyServerUpContext();

  constructor(
    readonly extension: vscode.ExtensionContext,
    mcpDefinitionsChanged: () => void,
  ) {
    this.output = createOutput();
    this.channel = this.output.channel;
    this.log = this.output.logger;
    this.tokens = new TokenStore(extension.secrets);
    const store = new GlobalStateSessionStore(extension.globalState, this.log);
    this.runtime = new DoctorRuntime({
      logger: this.log,
      monitorDeps: (config) => ({ store, secretHeaders: () => this.tokens.headers(config.name) }),
      gateway: {
        stateDir: path.join(extension.globalStorageUri.fsPath, 'gateway'),
        getAuthorization: async (u) => (await this.tokens.headers(u.name)).Authorization,
        runsIn: 'vscode',
        notify: (message) => void vscode.window.showWarningMessage(`Archon MCP: ${message}`),
        portTaken: (err) => void offerPortSetting(err),
        // As `proxy` does: a server from the shared list gets the list's repeat rules (with the settings').
        repeatRules: (server, fromSettings) => listRepeatRules(listedByUrl(this.listed, server.url), fromSettings),
      },
      afterApply: async (settings) => {
        await vscode.commands.executeCommand('setContext', 'archonMcp.noServers', settings.servers.length === 0);
        mcpDefinitionsChanged();
        this.scheduleRender();
      },
    });
    this.fleet = this.runtime.fleet;
    this.docker = this.runtime.docker;
    this.gateway = this.runtime.gateway;
    this.tree = new ServerTree(() => this.fleet.snapshots());
    this.view = vscode.window.createTreeView('archonMcp.servers', {
      treeDataProvider: this.tree,
      showCollapseAll: true,
    });
    this.disposables.push(this.statusBar, this.tree, this.view, this.channel);
    this.docker.setMemoryViewed(this.view.visible);
    this.disposables.push(this.view.onDidChangeVisibility((e) => this.docker.setMemoryViewed(e.visible)));
    this.fleet.onDidChange((snapshot, transition) => {
      if (snapshot && transition) this.onTransition(snapshot, transition);
      this.scheduleRender();
    });
  }

  snapshots(): ServerSnapshot[] {
    return this.fleet.snapshots();
  }

  /** The settings applied last (the defaults until the first apply). */
  get settings(): Settings {
    return this.runtime.settings ?? DEFAULT_SETTINGS;
  }

  /** Reads settings and applies them (serially, the latest wins); called at start and whenever archonMcp.* changes. */
  async applySettings(): Promise<void> {
    const read = readSettings();
    const { settings, problems } = await this.withServerList(read.settings, read.problems);
    const fresh = problems.filter((p) => !this.reportedProblems.has(p));
    for (const p of fresh) {
      this.reportedProblems.add(p);
      this.log.warn(`settings: ${p}`);
    }
    if (fresh.length) {
      void vscode.window
        .showWarningMessage(
          `Archon MCP: ${fresh.length === 1 ? fresh[0] : `${fresh.length} problems in the settings; see the log.`}`,
          'Open Settings',
          'Show Log',
        )
        .then((choice) => {
          if (choice === 'Open Settings') void vscode.commands.executeCommand('archonMcp.openSettings');
          if (choice === 'Show Log') this.channel.show(true);
        });
    }
    return this.runtime.apply(settings);
  }

  /** The shared server list as read last (the CLI's `servers`, `clients route --all`). */
  listed: ListedServer[] = [];

  /**
   * The union the extension watches and serves: archonMcp.servers first, then the shared server list;
   * the built-in default Archon only when the user set it or a client or the list names it.
   */
  private async withServerList(
    settings: Settings,
    problems: string[],
  ): Promise<{ settings: Settings; problems: string[] }> {
    try {
      const env = currentLocationEnv(
        (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
      );
      const list = await new ServerListStore(configDir(env)).load();
      this.listed = list.servers;
      const scan = await scanLocations(clientLocations(env), []);
      const clientUrls = scan.files.flatMap((f) =>
        f.entries.flatMap((e) => [e.url, ...(e.args ?? [])].filter((u): u is string => Boolean(u))),
      );
      const inspected = vscode.workspace.getConfiguration(SECTION).inspect('servers');
      const userSet = [inspected?.globalValue, inspected?.workspaceValue, inspected?.workspaceFolderValue].some(
        (v) => v !== undefined,
      );
      // Local HTTP servers the clients name are the user's too (remote ones may need a sign-in we cannot do).
      const clientServers = inventory(scan, list.servers)
        .filter(
          (m) =>
            m.transport === 'http' &&
            m.upstream.url !== undefined &&
            isLoopbackUrl(m.upstream.url) &&
            !m.upstream.url.includes('${'),
        )
        .map((m) => ({
          name: m.name,
          url: m.upstream.url!,
          ...(m.entries.find((e) => e.headers)?.headers ? { headers: m.entries.find((e) => e.headers)!.headers } : {}),
        }));
      const u = unionServers({
        configured: settings.servers,
        userSet,
        list: list.servers,
        clientUrls,
        clientServers,
        fromList: (l): ServerConfig => ({
          name: l.name,
          url: l.url,
          transport: 'streamable-http',
          ...(l.headers ? { headers: l.headers } : {}),
        }),
      });
      return {
        settings: { ...settings, servers: u.servers },
        problems: [...problems, ...list.problems, ...u.problems],
      };
    } catch (err) {
      this.log.warn(`the shared server list could not be read: ${(err as Error).message}`);
      return { settings, problems };
    }
  }

  /** Coalesces bursts of snapshot changes into one render per tick. */
  scheduleRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    setImmediate(() => {
      this.renderQueued = false;
      this.statusBar.render(this.snapshots(), this.settings.clickAction);
      this.tree.refresh();
      this.setAnyServerUp(this.snapshots());
    });
  }

  private onTransition(snapshot: ServerSnapshot, t: Transition): void {
    if (t.to !== 'needs-attention' || this.extension.globalState.get<boolean>(SUPPRESS_ATTENTION_KEY)) return;
    const why = t.failure?.message ?? 'automatic healing gave up';
    void vscode.window
      .showWarningMessage(
        `Archon MCP: ${snapshot.name} needs attention. ${why}`,
        'Reconnect',
        'Show Log',
        "Don't Show Again",
      )
      .then((choice) => {
        if (choice === 'Reconnect') void vscode.commands.executeCommand('archonMcp.reconnect', snapshot.name);
        else if (choice === 'Show Log') this.channel.show(true);
        else if (choice === "Don't Show Again") void this.extension.globalState.update(SUPPRESS_ATTENTION_KEY, true);
      });
  }

  /** Leaves nothing running: the runtime stops its monitors, Docker links and gateway. */
  async dispose(): Promise<void> {
    await this.runtime.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/** Client configurations point at one port, so the gateway does not move: the user picks another. */
async function offerPortSetting(err: GatewayPortTaken): Promise<void> {
  const open = 'Open Setting';
  const choice = await vscode.window.showWarningMessage(
    `Archon MCP: the healing gateway is not running: ${err.message}. Choose another port in archonMcp.gateway.port.`,
    open,
  );
  if (choice === open) await vscode.commands.executeCommand('workbench.action.openSettings', 'archonMcp.gateway.port');
}
