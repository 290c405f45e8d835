// Where each client keeps its MCP configuration, per OS. Documented locations (checked 2026-12):
// - Claude Code: ~/.claude.json holds user-scope `mcpServers` and local-scope `projects[<path>].mcpServers`;
//   `.mcp.json` at the project root is project scope, meant for version control. CLAUDE_CONFIG_DIR moves
//   ~/.claude.json into that folder. (docs.anthropic.com/en/docs/claude-code/mcp, "MCP installation scopes")
// - Cursor: ~/.cursor/mcp.json (global) and <project>/.cursor/mcp.json. (docs.cursor.com/context/model-context-protocol)
// - Windsurf: ~/.codeium/windsurf/mcp_config.json, %USERPROFILE%\.codeium\windsurf on Windows; remote servers
//   use `serverUrl`. (docs.windsurf.com/windsurf/cascade/mcp)
// - VS Code: `mcp.json` in the user settings folder — Linux $XDG_CONFIG_HOME/Code/User (default ~/.config),
//   macOS ~/Library/Application Support/Code/User, Windows %APPDATA%\Code\User — and in each profile under
//   User/profiles/<id>/; the workspace's .vscode/mcp.json; JSON with comments, key `servers`.
//   (code.visualstudio.com/docs/copilot/reference/mcp-configuration, /docs/configure/profiles)
// - Claude Desktop: claude_desktop_config.json in ~/Library/Application Support/Claude (macOS),
//   %APPDATA%\Claude (Windows), $XDG_CONFIG_HOME/Claude (Linux builds). stdio servers only.
//   (modelcontextprotocol.io/quickstart/user)
// - Codex CLI: $CODEX_HOME/config.toml, default ~/.codex/config.toml, tables [mcp_servers.<name>] with
//   `url` (Streamable HTTP) or `command`/`args`. (github.com/openai/codex docs/config.md#mcp_servers)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConfigLocation } from './types';

export interface LocationEnv {
  platform: NodeJS.Platform;
  home: string;
  env: Record<string, string | undefined>;
  /** Workspace folders whose shared files are read too. */
  workspaces?: string[];
  /** Extra VS Code user folders, e.g. the running editor's own (code-server, Insiders, a portable install). */
  vscodeUserDirs?: string[];
}

export function currentLocationEnv(workspaces: string[] = [], vscodeUserDirs: string[] = []): LocationEnv {
  return { platform: process.platform, home: process.env.HOME || process.env.USERPROFILE || os.homedir(), env: process.env, workspaces, vscodeUserDirs };
}

/** The per-user application data folder: %APPDATA%, ~/Library/Application Support, or $XDG_CONFIG_HOME. */
export function appDataDir(e: LocationEnv): string {
  const p = pathFor(e);
  if (e.platform === 'win32') return e.env.APPDATA || p.join(e.home, 'AppData', 'Roaming');
  if (e.platform === 'darwin') return p.join(e.home, 'Library', 'Application Support');
  return e.env.XDG_CONFIG_HOME || p.join(e.home, '.config');
}

/** Where we keep our own state (the undo journal) outside VS Code: shared by the CLI and the extension. */
export function stateDir(e: LocationEnv): string {
  const p = pathFor(e);
  if (e.env.ARCHON_MCP_DOCTOR_STATE_DIR) return e.env.ARCHON_MCP_DOCTOR_STATE_DIR;
  if (e.platform === 'win32') return p.join(e.env.LOCALAPPDATA || p.join(e.home, 'AppData', 'Local'), 'archon-mcp-doctor');
  if (e.platform === 'darwin') return p.join(e.home, 'Library', 'Application Support', 'archon-mcp-doctor');
  return p.join(e.env.XDG_STATE_HOME || p.join(e.home, '.local', 'state'), 'archon-mcp-doctor');
}

function pathFor(e: LocationEnv): typeof path.posix {
  return e.platform === 'win32' ? path.win32 : path.posix;
}

/** VS Code's user folders: Stable and Insiders, plus any the caller knows about, each with its profiles. */
function vscodeUserDirs(e: LocationEnv): string[] {
  const p = pathFor(e);
  const base = appDataDir(e);
  const dirs = [p.join(base, 'Code', 'User'), p.join(base, 'Code - Insiders', 'User'), ...(e.vscodeUserDirs ?? [])];
  const withProfiles: string[] = [];
  for (const dir of dirs) {
    if (withProfiles.includes(dir)) continue;
    withProfiles.push(dir);
    const profiles = p.join(dir, 'profiles');
    let names: string[] = [];
    try {
      names = fs.readdirSync(profiles);
    } catch {
      /* no profiles */
    }
    for (const n of names.sort()) withProfiles.push(p.join(profiles, n));
  }
  return withProfiles;
}

export function claudeCodeUserFile(e: LocationEnv): string {
  const p = pathFor(e);
  return p.join(e.env.CLAUDE_CONFIG_DIR || e.home, '.claude.json');
}

export function clientLocations(e: LocationEnv): ConfigLocation[] {
  const p = pathFor(e);
  const json = 'json' as const;
  const locations: ConfigLocation[] = [
    { client: 'claude-code', file: claudeCodeUserFile(e), format: json, dialect: 'claude-code-user', scope: 'user', shared: false },
    { client: 'cursor', file: p.join(e.home, '.cursor', 'mcp.json'), format: json, dialect: 'mcp-servers', scope: 'user', shared: false },
    { client: 'windsurf', file: p.join(e.home, '.codeium', 'windsurf', 'mcp_config.json'), format: json, dialect: 'windsurf', scope: 'user', shared: false },
    ...vscodeUserDirs(e).map((dir): ConfigLocation => ({ client: 'vscode', file: p.join(dir, 'mcp.json'), format: 'jsonc', dialect: 'vscode', scope: 'user', shared: false })),
    { client: 'claude-desktop', file: p.join(appDataDir(e), 'Claude', 'claude_desktop_config.json'), format: json, dialect: 'claude-desktop', scope: 'user', shared: false },
    { client: 'codex', file: p.join(e.env.CODEX_HOME || p.join(e.home, '.codex'), 'config.toml'), format: 'toml', dialect: 'codex', scope: 'user', shared: false },
  ];
  for (const ws of e.workspaces ?? []) {
    locations.push(
      { client: 'claude-code', file: p.join(ws, '.mcp.json'), format: json, dialect: 'mcp-servers', scope: 'workspace', shared: true, workspace: ws },
      { client: 'cursor', file: p.join(ws, '.cursor', 'mcp.json'), format: json, dialect: 'mcp-servers', scope: 'workspace', shared: true, workspace: ws },
      { client: 'vscode', file: p.join(ws, '.vscode', 'mcp.json'), format: 'jsonc', dialect: 'vscode', scope: 'workspace', shared: true, workspace: ws },
    );
  }
  return locations;
}
