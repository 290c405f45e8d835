// Where things live on this machine: home, OS, environment. The one input every client descriptor reads.
import * as os from 'node:os';
import * as path from 'node:path';

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
  return {
    platform: process.platform,
    home: process.env.HOME || process.env.USERPROFILE || os.homedir(),
    env: process.env,
    workspaces,
    vscodeUserDirs,
  };
}

export function pathFor(e: Pick<LocationEnv, 'platform'>): typeof path.posix {
  return e.platform === 'win32' ? path.win32 : path.posix;
}

/** The per-user application data folder: %APPDATA%, ~/Library/Application Support, or $XDG_CONFIG_HOME. */
export function appDataDir(e: LocationEnv): string {
  const p = pathFor(e);
  if (e.platform === 'win32') return e.env.APPDATA || p.join(e.home, 'AppData', 'Roaming');
  if (e.platform === 'darwin') return p.join(e.home, 'Library', 'Application Support');
  return e.env.XDG_CONFIG_HOME || p.join(e.home, '.config');
}

/** Where we keep our own state (the undo journal, supervisors' state files) outside VS Code: shared by the CLI and the extension. */
export function stateDir(e: LocationEnv): string {
  const p = pathFor(e);
  if (e.env.ARCHON_MCP_DOCTOR_STATE_DIR) return e.env.ARCHON_MCP_DOCTOR_STATE_DIR;
  if (e.platform === 'win32')
    return p.join(e.env.LOCALAPPDATA || p.join(e.home, 'AppData', 'Local'), 'archon-mcp-doctor');
  if (e.platform === 'darwin') return p.join(e.home, 'Library', 'Application Support', 'archon-mcp-doctor');
  return p.join(e.env.XDG_STATE_HOME || p.join(e.home, '.local', 'state'), 'archon-mcp-doctor');
}

/** Where the user's own settings for us live (the shared server list): $XDG_CONFIG_HOME, %APPDATA%, or Application Support. */
export function configDir(e: LocationEnv): string {
  if (e.env.ARCHON_MCP_DOCTOR_CONFIG_DIR) return e.env.ARCHON_MCP_DOCTOR_CONFIG_DIR;
  return pathFor(e).join(appDataDir(e), 'archon-mcp-doctor');
}
