// The vocabulary of client routing: which clients, which files, what an entry points at. No VS Code imports.

import type { FileSpec, Scope } from './descriptor';
import type { ClientId } from './descriptors';

export { CLIENT_IDS, CLIENT_NAMES, type ClientId } from './descriptors';
export { SCOPES, type Scope, type ConfigFormat } from './descriptor';

/** What an entry talks to: the watched server itself, our gateway (or stdio bridge) for it, or something else. */
export const TARGETS = ['direct', 'gateway', 'other'] as const;
export type Target = (typeof TARGETS)[number];

/** What the user sees per entry that concerns a watched server. */
export const ENTRY_STATES = ['protected', 'direct', 'shared'] as const;
export type EntryState = (typeof ENTRY_STATES)[number];

/** How a client reaches a server: Streamable HTTP, legacy HTTP+SSE, or a process on stdin/stdout. */
export const TRANSPORTS = ['http', 'sse', 'stdio'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Whether an entry goes through us: our gateway (or stdio bridge), our stdio supervisor, or straight to the server. */
export const PROTECTIONS = ['gateway', 'supervisor', 'direct'] as const;
export type Protection = (typeof PROTECTIONS)[number];

/** A file a client reads, and which client. */
export interface ConfigLocation extends FileSpec {
  client: ClientId;
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
  transport: Transport;
  protection: Protection;
  /** Its HTTP headers (values may be secret: never printed). */
  headers?: Record<string, string>;
  /** Which key holds them (`headers`, `http_headers`). */
  headersKey?: string;
  /** For a supervised stdio entry: the server's own command line, after `stdio --`. */
  supervised?: { command: string; args: string[] };
  /** For an entry through the gateway: the slug it names (`/<slug>/mcp`). */
  gatewaySlug?: string;
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
