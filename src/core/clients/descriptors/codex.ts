// Codex CLI: $CODEX_HOME/config.toml, default ~/.codex/config.toml, tables [mcp_servers.<name>] with `url`
// (Streamable HTTP, headers in `http_headers`) or `command`/`args`. (github.com/openai/codex docs/config.md#mcp_servers)
import { defineClient, plainUrlKey } from '../descriptor';
import { pathFor } from '../env';

export const codex = defineClient({
  id: 'codex',
  label: 'Codex CLI',
  userFiles: (e) => [
    { file: pathFor(e).join(e.env.CODEX_HOME || pathFor(e).join(e.home, '.codex'), 'config.toml'), format: 'toml' },
  ],
  workspaceFiles: () => [],
  serverMaps: (value) => [{ path: ['mcp_servers'], map: value.mcp_servers }],
  urlKey: plainUrlKey,
  headersKey: 'http_headers',
  httpEntry: (url) => ({ url }),
  snippet: {
    detail: 'a [mcp_servers] table for ~/.codex/config.toml',
    text: (slug, url) => `[mcp_servers.${slug}]\nurl = ${JSON.stringify(url)}`,
  },
});
