// Windsurf: ~/.codeium/windsurf/mcp_config.json, %USERPROFILE%\.codeium\windsurf on Windows; remote servers
// use `serverUrl` (or `url`). (docs.windsurf.com/windsurf/cascade/mcp)
import { defineClient, mcpServersMap, plainUrlKey } from '../descriptor';
import { pathFor } from '../env';

export const windsurf = defineClient({
  id: 'windsurf',
  label: 'Windsurf',
  userFiles: (e) => [{ file: pathFor(e).join(e.home, '.codeium', 'windsurf', 'mcp_config.json'), format: 'json' }],
  workspaceFiles: () => [],
  serverMaps: mcpServersMap,
  urlKey: (raw) => (typeof raw.serverUrl === 'string' ? 'serverUrl' : plainUrlKey(raw)),
  headersKey: 'headers',
  httpEntry: (url) => ({ serverUrl: url }),
  snippet: {
    detail: 'an entry for ~/.codeium/windsurf/mcp_config.json',
    text: (slug, url) => JSON.stringify({ mcpServers: { [slug]: { serverUrl: url } } }, null, 2),
  },
});
