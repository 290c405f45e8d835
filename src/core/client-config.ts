// Configuration snippets that point an AI client at the healing gateway instead of the server.
import { slugify } from './gateway/types';

export const CLIENT_KINDS = ['claude-code', 'cursor', 'windsurf', 'vscode', 'url'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export const CLIENT_LABELS: Record<ClientKind, { label: string; detail: string }> = {
  'claude-code': { label: 'Claude Code', detail: 'a `claude mcp add` command to run in a terminal' },
  cursor: { label: 'Cursor', detail: 'an entry for ~/.cursor/mcp.json' },
  windsurf: { label: 'Windsurf', detail: 'an entry for ~/.codeium/windsurf/mcp_config.json' },
  vscode: { label: 'VS Code mcp.json', detail: 'an entry for .vscode/mcp.json or the user mcp.json' },
  url: { label: 'Just the URL', detail: 'for any client that speaks Streamable HTTP' },
};

export function clientConfig(kind: ClientKind, serverName: string, url: string): string {
  // The same slug the gateway serves the server under: lower case letters, digits and dashes.
  const k = slugify(serverName);
  switch (kind) {
    case 'claude-code':
      return `claude mcp add --transport http ${k} ${url}`;
    case 'cursor':
      return JSON.stringify({ mcpServers: { [k]: { url } } }, null, 2);
    case 'windsurf':
      return JSON.stringify({ mcpServers: { [k]: { serverUrl: url } } }, null, 2);
    case 'vscode':
      return JSON.stringify({ servers: { [k]: { type: 'http', url } } }, null, 2);
    case 'url':
      return url;
  }
}
