// The vocabulary of client routing: which clients, which files, what an entry points at. No VS Code imports.

/** AI clients whose MCP configuration we read (the `client` field of `clients --json`). */
export const CLIENT_IDS = ['claude-code', 'cursor', 'windsurf', 'vscode', 'claude-desktop', 'codex'] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

export const CLIENT_NAMES: Record<ClientId, string> = {
  'claude-code': 'Claude Code',
  cursor: 'Cursor',
  windsurf: 'Windsurf',
  vscode: 'VS Code',
  'claude-desktop': 'Claude Desktop',
  codex: 'Codex CLI',
};

/**
 * Where an entry applies: `user` everywhere for this user; `project` one project, kept in the user's own
 * file (Claude Code's local scope); `workspace` a file inside the workspace, usually in version control.
 */
export const SCOPES = ['user', 'project', 'workspace'] as const;
export type Scope = (typeof SCOPES)[number];

/** What an entry talks to: the watched server itself, our gateway (or stdio bridge) for it, or something else. */
export const TARGETS = ['direct', 'gateway', 'other'] as const;
export type Target = (typeof TARGETS)[number];

/** What the user sees per entry that concerns a watched server. */
export const ENTRY_STATES = ['protected', 'direct', 'shared'] as const;
export type EntryState = (typeof ENTRY_STATES)[number];

export type ConfigFormat = 'json' | 'jsonc' | 'toml';

/** The shape of a file's server map: where the servers are and how an entry names its URL. */
export type ConfigDialect =
  | 'claude-code-user' // ~/.claude.json: mcpServers + projects[<path>].mcpServers
  | 'mcp-servers' // { "mcpServers": { name: { url | command } } }
  | 'windsurf' // like mcp-servers, URL key `serverUrl` (or `url`)
  | 'vscode' // { "servers": { name: { type, url | command } } }, JSON with comments
  | 'claude-desktop' // { "mcpServers": { name: { command, args } } }, stdio only
  | 'codex'; // TOML [mcp_servers.<name>] url = … | command = …

export interface ConfigLocation {
  client: ClientId;
  file: string;
  format: ConfigFormat;
  dialect: ConfigDialect;
  scope: Scope;
  /** Meant to be shared through version control: not rewritten unless the user names it. */
  shared: boolean;
  /** For workspace files: the workspace folder they belong to. */
  workspace?: string;
}

/** A watched server: its URL, and the URLs under which our gateway serves it. */
export interface WatchedServer {
  name: string;
  url: string;
  gatewayUrls: string[];
}

export interface ClientEntry {
  client: ClientId;
  file: string;
  scope: Scope;
  shared: boolean;
  name: string;
  /** The key path of the entry in its file, e.g. ['projects', '/home/me/p', 'mcpServers', 'archon']. */
  path: (string | number)[];
  url?: string;
  /** Which key holds the URL (`url`, `serverUrl`), when the entry has one. */
  urlKey?: string;
  command?: string;
  args?: string[];
  /** Claude Code project-scope (local) entries: the project folder. */
  project?: string;
  target: Target;
  /** The watched server this entry concerns (for `direct` and `gateway`). */
  server?: string;
  /** For a direct entry whose URL sits in `args` (e.g. mcp-remote): its index. */
  urlArg?: number;
}

/** One file as read: its exact bytes (to refuse writes after a change) and the entries found in it. */
export interface ReadConfig {
  location: ConfigLocation;
  text: string;
  /** sha256 of the bytes read. */
  hash: string;
  entries: ClientEntry[];
}

export interface ConfigFileError {
  location: ConfigLocation;
  file: string;
  message: string;
}

export interface Scan {
  files: ReadConfig[];
  errors: ConfigFileError[];
}

/** An entry that concerns a watched server, with what the user sees for it. */
export interface ServerEntryView extends ClientEntry {
  state: EntryState;
  /** Set when a Claude Code local-scope entry in ~/.claude.json overrides this workspace entry. */
  overriddenBy?: ClientEntry;
}
