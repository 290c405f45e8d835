// Claude Code: ~/.claude.json holds user-scope `mcpServers` and local-scope `projects[<path>].mcpServers`;
// `.mcp.json` at the project root is project scope, meant for version control. CLAUDE_CONFIG_DIR moves
// ~/.claude.json into that folder. (docs.anthropic.com/en/docs/claude-code/mcp, "MCP installation scopes")
import { defineClient, isObj, mcpServersMap, plainUrlKey } from '../descriptor';
import { pathFor, type LocationEnv } from '../env';

export function claudeCodeUserFile(e: LocationEnv): string {
  return pathFor(e).join(e.env.CLAUDE_CONFIG_DIR || e.home, '.claude.json');
}

export const claudeCode = defineClient({
  id: 'claude-code',
  label: 'Claude Code',
  userFiles: (e) => [{ file: claudeCodeUserFile(e), format: 'json' }],
  workspaceFiles: (ws, e) => [{ file: pathFor(e).join(ws, '.mcp.json'), format: 'json' }],
  serverMaps(value, file) {
    if (file.scope !== 'user') return mcpServersMap(value);
    const projects = isObj(value.projects) ? Object.entries(value.projects) : [];
    return [
      ...mcpServersMap(value),
      ...projects.flatMap(([project, p]) =>
        isObj(p)
          ? [{ path: ['projects', project, 'mcpServers'], map: p.mcpServers, scope: 'project' as const, project }]
          : [],
      ),
    ];
  },
  urlKey: plainUrlKey,
  headersKey: 'headers',
  httpEntry: (url) => ({ type: 'http', url }),
  snippet: {
    detail: 'a `claude mcp add` command to run in a terminal',
    text: (slug, url) => `claude mcp add --transport http ${slug} ${url}`,
  },
});
