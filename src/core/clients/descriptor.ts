// What a client is to us: where its files are, where the servers sit in them, how an entry is written,
// and the snippet a user pastes. One object per client in ./descriptors; nothing else knows a format.
import type { LocationEnv } from './env';

/**
 * Where an entry applies: `user` everywhere for this user; `project` one project, kept in the user's own
 * file (Claude Code's local scope); `workspace` a file inside the workspace, usually in version control.
 */
export const SCOPES = ['user', 'project', 'workspace'] as const;
export type Scope = (typeof SCOPES)[number];

export type ConfigFormat = 'json' | 'jsonc' | 'toml';

/** One configuration file a client reads. */
export interface FileSpec {
  file: string;
  format: ConfigFormat;
  scope: Scope;
  /** Meant to be shared through version control: not rewritten unless the user names it. */
  shared: boolean;
  /** For workspace files: the workspace folder they belong to. */
  workspace?: string;
}

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** A map of servers inside a parsed file: its key path, and the scope its entries have when not the file's. */
export interface ServerMap {
  path: string[];
  map: unknown;
  scope?: Scope;
  project?: string;
}

export interface ClientDescriptor<Id extends string = string> {
  id: Id;
  /** How people call it. */
  label: string;
  /** The user's own files (every OS this client runs on). */
  userFiles(e: LocationEnv): Omit<FileSpec, 'scope' | 'shared'>[];
  /** Files inside a workspace folder, shared through version control. */
  workspaceFiles(workspace: string, e: LocationEnv): Omit<FileSpec, 'scope' | 'shared' | 'workspace'>[];
  /** Where the server maps are in a parsed file. */
  serverMaps(value: Obj, file: FileSpec): ServerMap[];
  /** The key that holds an entry's URL, when it has one. */
  urlKey(raw: Obj): string | undefined;
  /** The key that holds an entry's HTTP headers. */
  headersKey: string;
  /** Only stdio entries (Claude Desktop): an HTTP server is reached through our stdio bridge. */
  stdioOnly?: boolean;
  /** The entry a client of this kind needs for an HTTP URL (a new local-scope entry, the snippet). */
  httpEntry(url: string): Obj;
  /** The snippet the "copy configuration" command offers, and what it is. */
  snippet: { detail: string; text(slug: string, url: string): string };
}

/** Keeps the literal id, so the table's ids form the `ClientId` union. */
export function defineClient<const Id extends string>(d: ClientDescriptor<Id>): ClientDescriptor<Id> {
  return d;
}

/** The usual `url` key, when its value is a string. */
export const plainUrlKey = (raw: Obj): string | undefined => (typeof raw.url === 'string' ? 'url' : undefined);

/** `{ "mcpServers": { name: entry } }`, the layout most clients share. */
export const mcpServersMap = (value: Obj): ServerMap[] => [{ path: ['mcpServers'], map: value.mcpServers }];
