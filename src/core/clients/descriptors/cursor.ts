// Cursor: ~/.cursor/mcp.json (global) and <project>/.cursor/mcp.json. (docs.cursor.com/context/model-context-protocol)
import { defineClient, mcpServersMap, plainUrlKey } from '../descriptor';
import { pathFor } from '../env';

export const cursor = defineClient({
  id: 'cursor',
  label: 'Cursor',
  userFiles: (e) => [{ file: pathFor(e).join(e.home, '.cursor', 'mcp.json'), format: 'json' }],
  workspaceFiles: (ws, e) => [{ file: pathFor(e).join(ws, '.cursor', 'mcp.json'), format: 'json' }],
  serverMaps: mcpServersMap,
  urlKey: plainUrlKey,
  headersKey: 'headers',
  httpEntry: (url) => ({ url }),
  snippet: {
    detail: 'an entry for ~/.cursor/mcp.json',
    text: (slug, url) => JSON.stringify({ mcpServers: { [slug]: { url } } }, null, 2),
  },
});
