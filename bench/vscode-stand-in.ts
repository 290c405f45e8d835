// A minimal `vscode` module, just enough for the bundle's activate() to run in plain Node so that
// activation time can be measured. For the benchmark only: tests use a real VS Code build.
import Module from 'node:module';
import { join, resolve } from 'node:path';

class EventEmitter<T> {
  private listeners = new Set<(e: T) => void>();
  event = (l: (e: T) => void) => {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  };
  fire(e: T) {
    for (const l of this.listeners) l(e);
  }
  dispose() {
    this.listeners.clear();
  }
}

const disposable = { dispose() {} };

/** File URIs only: what activation asks of vscode.Uri (joinPath for the bundled CLI's path). */
const uri = (fsPath: string) => ({ scheme: 'file', fsPath, path: fsPath, toString: () => `file://${fsPath}` });
const Uri = {
  file: uri,
  joinPath: (base: { fsPath: string }, ...parts: string[]) => uri(join(base.fsPath, ...parts)),
  parse: (value: string) => ({ scheme: value.split(':')[0], fsPath: value, path: value, toString: () => value }),
  from: (c: { scheme: string; path: string }) => ({ ...c, fsPath: c.path, toString: () => `${c.scheme}:${c.path}` }),
};
const noop = () => undefined;

export function createStandIn(settings: Record<string, unknown>) {
  const memento = () => {
    const data = new Map<string, unknown>();
    return {
      get: (k: string, d?: unknown) => (data.has(k) ? data.get(k) : d),
      update: async (k: string, v: unknown) => void data.set(k, v),
      keys: () => [...data.keys()],
    };
  };
  const vscode = {
    version: '1.101.0',
    EventEmitter,
    Uri,
    ThemeIcon: class {
      constructor(
        readonly id: string,
        readonly color?: unknown,
      ) {}
    },
    ThemeColor: class {
      constructor(readonly id: string) {}
    },
    MarkdownString: class {
      value = '';
      isTrusted: unknown;
      supportThemeIcons = false;
      constructor(v = '') {
        this.value = v;
      }
      appendMarkdown(v: string) {
        this.value += v;
        return this;
      }
    },
    TreeItem: class {
      constructor(
        readonly label: string,
        readonly collapsibleState?: number,
      ) {}
    },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    window: {
      createOutputChannel: () => ({
        debug: noop,
        info: noop,
        warn: noop,
        error: noop,
        trace: noop,
        append: noop,
        appendLine: noop,
        show: noop,
        dispose: noop,
      }),
      createStatusBarItem: () => ({ show: noop, hide: noop, dispose: noop }),
      createTreeView: () => ({ ...disposable, visible: false, onDidChangeVisibility: () => disposable }),
      showWarningMessage: async () => undefined,
      showInformationMessage: async () => undefined,
      withProgress: async (_o: unknown, task: () => Promise<unknown>) => task(),
      showErrorMessage: async () => undefined,
      setStatusBarMessage: () => disposable,
      tabGroups: { all: [], onDidChangeTabs: () => disposable },
    },
    commands: { registerCommand: () => disposable, executeCommand: async () => undefined },
    workspace: {
      getConfiguration: () => ({ get: (key: string) => settings[key] }),
      onDidChangeConfiguration: () => disposable,
      onDidChangeWorkspaceFolders: () => disposable,
      registerTextDocumentContentProvider: () => disposable,
      workspaceFolders: undefined,
    },
    env: { appName: 'stand-in', clipboard: { writeText: async () => undefined } },
  };
  const context = {
    subscriptions: [] as { dispose(): unknown }[],
    globalState: memento(),
    workspaceState: memento(),
    secrets: {
      get: async () => undefined,
      store: async () => undefined,
      delete: async () => undefined,
      onDidChange: noop,
    },
    extension: {
      id: 'archon-mcp-doctor.archon-mcp-doctor',
      packageJSON: { version: '0.0.0-bench' },
      extensionUri: uri(resolve('.')),
    },
    extensionUri: uri(resolve('.')),
    globalStorageUri: { fsPath: '/tmp/archon-bench-storage' },
  };
  return { vscode, context };
}

/** Makes `require('vscode')` return the stand-in for code loaded after this call. */
export function installStandIn(vscode: unknown): () => void {
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = mod._load;
  mod._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? vscode : original.call(this, request, ...rest);
  };
  return () => {
    mod._load = original;
  };
}
