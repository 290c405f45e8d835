// The extension's running state: settings, the fleet of monitors, and the views that render it.
import * as vscode from 'vscode';
import { DEFAULT_DOCKER_LINK_OPTIONS, DockerSupervisor } from '../core/docker';
import { Fleet } from '../core/fleet';
import type { Logger } from '../core/logger';
import type { Settings } from '../core/settings';
import type { ServerSnapshot, Transition } from '../core/types';
import { readSettings } from './config';
import { GatewayHost } from './gateway';
import { createOutput, type Output } from './output';
import { StatusBar } from './statusBar';
import { GlobalStateSessionStore, TokenStore } from './storage';
import { ServerTree } from './tree';
import { anyServerUpContext } from './walkthrough';

const SUPPRESS_ATTENTION_KEY = 'archonMcp.suppressNeedsAttention';

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
  readonly gateway: GatewayHost;
  settings!: Settings;
  private readonly reportedProblems = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];
  private renderQueued = false;
  private readonly setAnyServerUp = anyServerUpContext();

  constructor(readonly extension: vscode.ExtensionContext, mcpDefinitionsChanged: () => void) {
    this.gateway = new GatewayHost(this, mcpDefinitionsChanged);
    this.output = createOutput();
    this.channel = this.output.channel;
    this.log = this.output.logger;
    this.tokens = new TokenStore(extension.secrets);
    const store = new GlobalStateSessionStore(extension.globalState, this.log);
    this.fleet = new Fleet((config) => ({
      store,
      logger: this.log,
      secretHeaders: () => this.tokens.headers(config.name),
      diagnoseLoss: (at) => this.docker.diagnose(config.name, at),
    }), this.log);
    this.tree = new ServerTree(() => this.fleet.snapshots());
    this.view = vscode.window.createTreeView('archonMcp.servers', { treeDataProvider: this.tree, showCollapseAll: true });
    this.disposables.push(this.statusBar, this.tree, this.view, this.channel);
    this.docker = new DockerSupervisor(this.fleet, { ...DEFAULT_DOCKER_LINK_OPTIONS, enabled: false }, this.log);
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

  /** Reads settings and applies them; called at start and whenever archonMcp.* changes. */
  async applySettings(): Promise<void> {
    const { settings, problems } = readSettings();
    this.settings = settings;
    const fresh = problems.filter((p) => !this.reportedProblems.has(p));
    for (const p of fresh) {
      this.reportedProblems.add(p);
      this.log.warn(`settings: ${p}`);
    }
    if (fresh.length) {
      void vscode.window.showWarningMessage(`Archon MCP: ${fresh.length === 1 ? fresh[0] : `${fresh.length} problems in the settings; see the log.`}`, 'Open Settings', 'Show Log')
        .then((choice) => {
          if (choice === 'Open Settings') void vscode.commands.executeCommand('archonMcp.openSettings');
          if (choice === 'Show Log') this.channel.show(true);
        });
    }
    await vscode.commands.executeCommand('setContext', 'archonMcp.noServers', settings.servers.length === 0);
    await this.fleet.apply(settings.servers, settings.monitor);
    this.docker.configure(settings.docker);
    await this.gateway.apply(settings);
    this.scheduleRender();
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
    void vscode.window.showWarningMessage(`Archon MCP: ${snapshot.name} needs attention. ${why}`, 'Reconnect', 'Show Log', "Don't Show Again").then((choice) => {
      if (choice === 'Reconnect') void vscode.commands.executeCommand('archonMcp.reconnect', snapshot.name);
      else if (choice === 'Show Log') this.channel.show(true);
      else if (choice === "Don't Show Again") void this.extension.globalState.update(SUPPRESS_ATTENTION_KEY, true);
    });
  }

  dispose(): void {
    void this.gateway.dispose();
    this.docker.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
