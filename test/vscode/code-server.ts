// Shared by scripts/run-vscode-tests.mjs (extension-host suite) and test/ui/*.test.ts (UI tests):
// find code-server / Node 24 / Chromium (installed by scripts/setup-code-server.sh), start a
// code-server on 127.0.0.1 with a fresh user-data-dir and extensions-dir, install .vsix files,
// open the workbench in headless Chromium, and clean every process up again.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The project root: the nearest folder above this file (source or bundle) with our package.json. */
export const REPO_ROOT = findRoot(__dirname);
function findRoot(from: string): string {
  for (let dir = from; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'archon-mcp-doctor') return dir;
    } catch {
      /* keep looking */
    }
  }
  return process.cwd();
}
export const SETUP_COMMAND = 'bash scripts/setup-code-server.sh';
export const CODE_SERVER_VERSION = process.env.CODE_SERVER_VERSION ?? '4.139.1';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Tools {
  /** Node 24, which code-server requires. */
  node: string;
  /** code-server's out/node/entry.js */
  codeServer: string;
  chromium: string;
}

export function cacheDir(): string {
  return process.env.ARCHON_TEST_CACHE ?? path.join(os.homedir(), '.cache', 'archon-mcp-doctor');
}

/** Finds the tools; `missing` names what is not there (empty when all are). */
export function findTools(): { tools: Tools; missing: string[] } {
  const cache = cacheDir();
  const tools: Tools = {
    node: process.env.ARCHON_NODE24 ?? path.join(cache, 'node24/node_modules/node/bin/node'),
    codeServer:
      process.env.ARCHON_CODE_SERVER ??
      path.join(cache, `code-server-${CODE_SERVER_VERSION}/node_modules/code-server/out/node/entry.js`),
    chromium: process.env.ARCHON_CHROMIUM ?? '/usr/bin/chromium',
  };
  const missing: string[] = [];
  if (!fs.existsSync(tools.node)) missing.push(`Node 24 (${tools.node})`);
  if (!fs.existsSync(tools.codeServer)) missing.push(`code-server ${CODE_SERVER_VERSION} (${tools.codeServer})`);
  if (!fs.existsSync(tools.chromium)) missing.push(`Chromium (${tools.chromium})`);
  return { tools, missing };
}

export interface ExtensionManifest {
  name: string;
  publisher: string;
  version: string;
  contributes?: Record<string, unknown>;
}

export function projectManifest(): ExtensionManifest {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as ExtensionManifest;
}

/** The extension's id as VS Code knows it: `<publisher>.<name>`. */
export function extensionId(): string {
  const m = projectManifest();
  return `${m.publisher}.${m.name}`;
}

/** The packaged extension (`npm run package`), or env ARCHON_VSIX. */
export function findVsix(): string | undefined {
  if (process.env.ARCHON_VSIX) return fs.existsSync(process.env.ARCHON_VSIX) ? process.env.ARCHON_VSIX : undefined;
  const m = projectManifest();
  const file = path.join(REPO_ROOT, `${m.name}-${m.version}.vsix`);
  return fs.existsSync(file) ? file : undefined;
}

/** A warning when a source file is newer than the .vsix (then `npm run package` was forgotten). */
export function staleVsixWarning(vsix: string): string | undefined {
  const built = fs.statSync(vsix).mtimeMs;
  let newest = 0;
  let newestFile = '';
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const m = fs.statSync(p).mtimeMs;
        if (m > newest) [newest, newestFile] = [m, p];
      }
    }
  };
  const src = path.join(REPO_ROOT, 'src');
  if (fs.existsSync(src)) walk(src);
  return newest > built
    ? `warning: ${path.relative(REPO_ROOT, newestFile)} is newer than ${path.basename(vsix)}; run \`npm run package\` to test the current code`
    : undefined;
}

/**
 * What to do when a piece is missing: under CI=true it is a failure, elsewhere a skip.
 * Returns the message to print; `fail` says whether to fail.
 */
export function missingMessage(what: string[]): { fail: boolean; message: string } {
  const ci = process.env.CI === 'true';
  const list = what.join(', ');
  return {
    fail: ci,
    message: ci
      ? `VS Code tests cannot run: missing ${list}. CI=true, so this is a failure. Run \`${SETUP_COMMAND}\` (and \`npm run package\` for the .vsix) first.`
      : `skipping VS Code tests: missing ${list}. Install them with \`${SETUP_COMMAND}\` (and build the .vsix with \`npm run package\`).`,
  };
}

import { freePort, sleep, waitFor } from '../helpers/wait';

export { freePort, sleep, waitFor };

/** Settings that keep the workbench quiet and offline. */
export const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'window.commandCenter': false,
  'remote.autoForwardPorts': false,
};

export interface CodeServerOptions {
  tools: Tools;
  /** .vsix files installed with `--install-extension` before the server starts. */
  vsix?: string[];
  /** Extension folders copied into the extensions dir as `<publisher>.<name>-<version>`. */
  extensionFolders?: string[];
  /** Written to <user-data-dir>/User/settings.json (merged over QUIET_SETTINGS). */
  userSettings?: Record<string, unknown>;
  /** Extra environment for the server; it reaches the extension host. */
  env?: Record<string, string>;
  /** Where code-server's own output goes (default: <tmp>/code-server.log). */
  logFile?: string;
  /** Base temp dir (default: a fresh mkdtemp). */
  tmpDir?: string;
}

export interface CodeServer {
  url: string;
  port: number;
  tmpDir: string;
  userDataDir: string;
  extensionsDir: string;
  workspaceDir: string;
  settingsFile: string;
  logFile: string;
  process: ChildProcess;
  /** URL of the workbench with the workspace folder open. */
  workbenchUrl: string;
  /** Rewrites the user settings file (VS Code picks the change up while running). */
  writeSettings(settings: Record<string, unknown>): void;
  /** Extension-host log lines (all exthost*.log files), for diagnostics. */
  extensionHostLog(): string;
  stop(): Promise<void>;
}

function codeServerArgs(tools: Tools, userDataDir: string, extensionsDir: string): string[] {
  // Our own config file, so nothing is read from or written to ~/.config/code-server.
  const config = path.join(userDataDir, 'code-server.yaml');
  if (!fs.existsSync(config)) fs.writeFileSync(config, 'auth: none\n');
  return [
    tools.codeServer,
    '--config',
    config,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
  ];
}

/** `code-server --install-extension` for each file (one call, so one extensions.json write). */
export function installExtensions(tools: Tools, userDataDir: string, extensionsDir: string, vsix: string[]): void {
  if (vsix.length === 0) return;
  const args = [
    ...codeServerArgs(tools, userDataDir, extensionsDir),
    ...vsix.flatMap((v) => ['--install-extension', v]),
  ];
  const r = spawnSync(tools.node, args, {
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, ...nodeEnv(tools) },
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (
    r.status !== 0 ||
    /Failed Installing|error/i.test(out.replace(/Extension .* was successfully installed\.?/g, ''))
  ) {
    throw new Error(`code-server --install-extension failed (exit ${r.status}):\n${out}`);
  }
}

function nodeEnv(tools: Tools): Record<string, string> {
  // code-server must run under Node 24 (also for anything it spawns with `node`).
  return { PATH: `${path.dirname(tools.node)}${path.delimiter}${process.env.PATH ?? ''}` };
}

function readManifest(folder: string): ExtensionManifest {
  return JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as ExtensionManifest;
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const { tools } = opts;
  const tmpDir = opts.tmpDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'archon-code-server-'));
  const userDataDir = path.join(tmpDir, 'user-data');
  const extensionsDir = path.join(tmpDir, 'extensions');
  const workspaceDir = path.join(tmpDir, 'workspace');
  for (const d of [path.join(userDataDir, 'User'), extensionsDir, workspaceDir]) fs.mkdirSync(d, { recursive: true });
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  // The gateway's default port (18051) may be in use on a shared machine, and a taken port is an
  // error, not a move: each code-server gets a free one unless the test sets its own.
  const gatewayPort = await freePort();
  const writeSettings = (s: Record<string, unknown>) =>
    fs.writeFileSync(
      settingsFile,
      JSON.stringify({ ...QUIET_SETTINGS, 'archonMcp.gateway.port': gatewayPort, ...s }, null, 2),
    );
  writeSettings(opts.userSettings ?? {});
  fs.writeFileSync(path.join(workspaceDir, 'README.md'), '# Archon MCP Doctor test workspace\n');

  installExtensions(tools, userDataDir, extensionsDir, opts.vsix ?? []);
  for (const folder of opts.extensionFolders ?? []) {
    const m = readManifest(folder);
    fs.cpSync(folder, path.join(extensionsDir, `${m.publisher}.${m.name}-${m.version}`), { recursive: true });
  }

  const port = await freePort();
  const logFile = opts.logFile ?? path.join(tmpDir, 'code-server.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'a');
  const child = spawn(
    tools.node,
    [
      ...codeServerArgs(tools, userDataDir, extensionsDir),
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      workspaceDir,
    ],
    {
      // Own process group, so stop() ends code-server and everything it started.
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...nodeEnv(tools), ...(opts.env ?? {}) },
    },
  );
  fs.closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = `code-server exited (code ${code}, signal ${signal})`));

  const stop = async () => {
    unregister();
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      killGroup(child.pid, 'SIGTERM');
      const t = Date.now();
      while (child.exitCode === null && child.signalCode === null && Date.now() - t < 5000) await sleep(100);
    }
    // Whatever the server started (extension host, pty host) goes with its process group.
    if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    if (!opts.tmpDir && !process.env.ARCHON_KEEP_TMP) fs.rmSync(tmpDir, { recursive: true, force: true });
  };
  const unregister = registerCleanup(() => {
    if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
  });

  try {
    await waitFor(
      'code-server to answer /healthz',
      async () => {
        if (exited) throw new Error(`${exited}; log:\n${tail(logFile)}`);
        const res = await fetch(`${url}/healthz`);
        return res.ok;
      },
      60_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url,
    port,
    tmpDir,
    userDataDir,
    extensionsDir,
    workspaceDir,
    settingsFile,
    logFile,
    process: child,
    workbenchUrl: `${url}/?folder=${encodeURIComponent(workspaceDir)}`,
    writeSettings,
    extensionHostLog: () => extensionHostLog(userDataDir),
    stop,
  };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

export function tail(file: string, lines = 60): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Concatenates the extension-host logs code-server wrote under <user-data-dir>/logs. */
export function extensionHostLog(userDataDir: string): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^(exthost|remoteexthost|remoteagent).*\.log$/.test(e.name))
        out.push(`--- ${p}\n${fs.readFileSync(p, 'utf8')}`);
    }
  };
  walk(path.join(userDataDir, 'logs'));
  return out.join('\n');
}

// Cleanup on exit and signals, so no code-server or browser outlives its runner.
const cleanups = new Set<() => void>();
let handlersInstalled = false;
export function registerCleanup(fn: () => void): () => void {
  cleanups.add(fn);
  if (!handlersInstalled) {
    handlersInstalled = true;
    const runAll = () => {
      for (const f of cleanups) {
        try {
          f();
        } catch {
          /* best effort */
        }
      }
      cleanups.clear();
    };
    process.on('exit', runAll);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        runAll();
        process.exit(130);
      });
    }
  }
  return () => cleanups.delete(fn);
}

export interface Workbench {
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/** Opens the workbench in headless Chromium and waits until it is drawn. */
export async function openWorkbench(
  cs: CodeServer,
  tools: Tools,
  opts: { viewport?: { width: number; height: number } } = {},
): Promise<Workbench> {
  const browser = await chromium.launch({ executablePath: tools.chromium, headless: true, args: CHROMIUM_ARGS });
  // playwright-core kills the browsers it launched when this process exits.
  const close = async () => {
    await browser.close().catch(() => undefined);
  };
  try {
    const context = await browser.newContext({
      viewport: opts.viewport ?? { width: 1400, height: 900 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const page = await context.newPage();
    await page.goto(cs.workbenchUrl, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('#workbench\\.parts\\.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
    return { browser, page, close };
  } catch (err) {
    await close();
    throw err;
  }
}
