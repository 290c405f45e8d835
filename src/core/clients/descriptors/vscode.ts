// VS Code: `mcp.json` in the user settings folder — Linux $XDG_CONFIG_HOME/Code/User (default ~/.config),
// macOS ~/Library/Application Support/Code/User, Windows %APPDATA%\Code\User — and in each profile under
// User/profiles/<id>/; the workspace's .vscode/mcp.json; JSON with comments, key `servers`.
// (code.visualstudio.com/docs/copilot/reference/mcp-configuration, /docs/configure/profiles)
import * as fs from 'node:fs';
import { defineClient, plainUrlKey } from '../descriptor';
import { appDataDir, pathFor, type LocationEnv } from '../env';

/** VS Code's user folders: Stable and Insiders, plus any the caller knows about, each with its profiles. */
function userDirs(e: LocationEnv): string[] {
  const p = pathFor(e);
  const base = appDataDir(e);
  const dirs = [p.join(base, 'Code', 'User'), p.join(base, 'Code - Insiders', 'User'), ...(e.vscodeUserDirs ?? [])];
  const withProfiles: string[] = [];
  for (const dir of dirs) {
    if (withProfiles.includes(dir)) continue;
    withProfiles.push(dir);
    let names: string[] = [];
    try {
      names = fs.readdirSync(p.join(dir, 'profiles'));
    } catch {
      /* no profiles */
    }
    for (const n of names.sort()) withProfiles.push(p.join(dir, 'profiles', n));
  }
  return withProfiles;
}

export const vscodeClient = defineClient({
  id: 'vscode',
  label: 'VS Code',
  userFiles: (e) => userDirs(e).map((dir) => ({ file: pathFor(e).join(dir, 'mcp.json'), format: 'jsonc' as const })),
  workspaceFiles: (ws, e) => [{ file: pathFor(e).join(ws, '.vscode', 'mcp.json'), format: 'jsonc' }],
  serverMaps: (value) => [{ path: ['servers'], map: value.servers }],
  urlKey: plainUrlKey,
  headersKey: 'headers',
  httpEntry: (url) => ({ type: 'http', url }),
  snippet: {
    detail: 'an entry for .vscode/mcp.json or the user mcp.json',
    text: (slug, url) => JSON.stringify({ servers: { [slug]: { type: 'http', url } } }, null, 2),
  },
});
