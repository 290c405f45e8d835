// Claude Desktop: claude_desktop_config.json in ~/Library/Application Support/Claude (macOS), %APPDATA%\Claude
// (Windows), $XDG_CONFIG_HOME/Claude (Linux builds). stdio servers only. (modelcontextprotocol.io/quickstart/user)
import { defineClient, mcpServersMap } from '../descriptor';
import { appDataDir, pathFor } from '../env';

export const claudeDesktop = defineClient({
  id: 'claude-desktop',
  label: 'Claude Desktop',
  userFiles: (e) => [{ file: pathFor(e).join(appDataDir(e), 'Claude', 'claude_desktop_config.json'), format: 'json' }],
  workspaceFiles: () => [],
  serverMaps: mcpServersMap,
  urlKey: () => undefined,
  headersKey: 'headers',
  stdioOnly: true,
  httpEntry: (url) => ({ command: 'npx', args: ['-y', 'archon-mcp-doctor', 'stdio', '--upstream', url] }),
  snippet: {
    detail: 'an entry for claude_desktop_config.json (our stdio bridge: Claude Desktop speaks stdio only)',
    text: (slug, url) =>
      JSON.stringify(
        { mcpServers: { [slug]: { command: 'npx', args: ['-y', 'archon-mcp-doctor', 'stdio', '--upstream', url] } } },
        null,
        2,
      ),
  },
});
