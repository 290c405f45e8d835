// Plans the edits that route direct entries through the gateway: one new text per file, made with
// jsonc-parser's edit operations (JSON, JSON with comments) or toml-patch (Codex), never string surgery.
import * as path from 'node:path';
import { parseToml, patchToml } from './toml';
import { applyEdits, modify, parse as parseJsonc, type FormattingOptions } from 'jsonc-parser';
import { fieldOf } from '../narrow';
import { isObj } from './descriptor';
import { isDeepStrictEqual } from 'node:util';
import { samePath } from './match';
import { descriptorOf } from './descriptors';
import { entryKey, localOverride, serverEntries, shownTarget, shownUrl } from './view';
import type { ClientEntry, ClientId, ReadConfig, Scan, ServerEntryView, WatchedServer } from './entries';

export const BRIDGE_COMMAND = 'archon-mcp-doctor';

/** The stdio bridge entry Claude Desktop runs instead of talking to the server (issue 8's `stdio`). */
export function bridgeArgs(serverUrl: string): string[] {
  return ['stdio', '--upstream', serverUrl];
}

export interface PlannedChange {
  /** The entry this change routes (a watched server's, or any direct entry when routing everything). */
  entry: ClientEntry;
  /** The key path written, and its new value. */
  path: (string | number)[];
  value: unknown;
  summary: string;
}

export interface FileEdit {
  file: string;
  read: ReadConfig;
  after: string;
  changes: PlannedChange[];
}

export interface SkippedEntry {
  entry: ServerEntryView;
  reason: string;
}

export interface RoutePlan {
  edits: FileEdit[];
  skipped: SkippedEntry[];
}

export interface RouteOptions {
  servers: readonly WatchedServer[];
  /** Only these clients (default: all). */
  clients?: readonly ClientId[];
  /** Shared files the user picked explicitly. */
  includeShared?: readonly string[];
  /** Only these entries (by entryKey), e.g. a quick pick's selection. */
  only?: readonly string[];
}

/** Indentation and line ends as the file already has them, so new keys look like the old ones. */
export function formattingOf(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  return indent.startsWith('\t')
    ? { insertSpaces: false, tabSize: 1, eol }
    : { insertSpaces: true, tabSize: indent.length, eol };
}

function changeFor(entry: ServerEntryView, server: WatchedServer, gatewayUrl: string): Omit<PlannedChange, 'entry'>[] {
  if (descriptorOf(entry.client).stdioOnly) {
    return [
      {
        path: [...entry.path, 'command'],
        value: BRIDGE_COMMAND,
        summary: `runs ${BRIDGE_COMMAND} stdio --upstream ${shownUrl(server.url)}`,
      },
      { path: [...entry.path, 'args'], value: bridgeArgs(server.url), summary: '' },
    ];
  }
  if (entry.urlKey && entry.url !== undefined)
    return [
      { path: [...entry.path, entry.urlKey], value: gatewayUrl, summary: `${shownUrl(entry.url)} → ${gatewayUrl}` },
    ];
  if (entry.urlArg !== undefined)
    return [
      {
        path: [...entry.path, 'args', entry.urlArg],
        value: gatewayUrl,
        summary: `argument ${shownTarget({ url: entry.args?.[entry.urlArg] })} → ${gatewayUrl}`,
      },
    ];
  return [];
}

/** ~/.claude.json, where Claude Code keeps local-scope entries that win over a shared .mcp.json. */
export function claudeUserFile(scan: Scan): ReadConfig | undefined {
  return scan.files.find((f) => f.location.client === 'claude-code' && f.location.scope === 'user');
}

export function planRoute(scan: Scan, opts: RouteOptions): RoutePlan {
  const byFile = new Map<string, PlannedChange[]>();
  const skipped: SkippedEntry[] = [];
  const add = (file: string, c: PlannedChange) => byFile.set(file, [...(byFile.get(file) ?? []), c]);
  const claudeUser = claudeUserFile(scan);
  for (const entry of serverEntries(scan)) {
    if (entry.state === 'protected') continue;
    if (opts.clients?.length && !opts.clients.includes(entry.client)) continue;
    if (opts.only && !opts.only.includes(entryKey(entry))) continue;
    const server = opts.servers.find((s) => s.name === entry.server)!;
    const gatewayUrl = server.gatewayUrls[0];
    const file = scan.files.find((f) => f.location.file === entry.file)!;
    const picked = opts.includeShared?.some((f) => samePath(path.resolve(f), entry.file)) ?? false;
    if (entry.shared && !picked) {
      if (entry.client === 'claude-code' && file.location.workspace) {
        // Claude Code prefers a local-scope entry of the same name: route there, leave the team's file alone.
        if (!claudeUser) {
          skipped.push({
            entry,
            reason: 'shared through version control, and there is no ~/.claude.json to hold a local-scope entry',
          });
          continue;
        }
        if (localOverride(scan, entry, file.location.workspace)) continue; // that entry is routed on its own
        const projectKey = projectKeyIn(claudeUser, file.location.workspace);
        const localPath = ['projects', projectKey, 'mcpServers', entry.name];
        add(claudeUser.location.file, {
          entry,
          path: localPath,
          value: descriptorOf('claude-code').httpEntry(gatewayUrl),
          summary: `local-scope entry for ${file.location.workspace} → ${gatewayUrl} (${entry.file} unchanged)`,
        });
        continue;
      }
      skipped.push({
        entry,
        reason:
          'shared through version control: a teammate without the gateway would be broken; pick the file explicitly (--include-shared) to route it',
      });
      continue;
    }
    const changes = changeFor(entry, server, gatewayUrl);
    if (changes.length === 0) {
      skipped.push({ entry, reason: 'no URL or command to change' });
      continue;
    }
    for (const c of changes) add(entry.file, { entry, ...c });
  }
  const edits: FileEdit[] = [];
  for (const [file, changes] of byFile) {
    const read = scan.files.find((f) => f.location.file === file)!;
    edits.push({ file, read, changes, after: applyChanges(read, changes) });
  }
  return { edits, skipped };
}

/** The key ~/.claude.json already uses for this folder (Claude Code writes its own spelling), else the folder. */
export function projectKeyIn(claudeUser: ReadConfig, workspace: string): string {
  const existing = claudeUser.entries.find((e) => e.project !== undefined && samePath(e.project, workspace))?.project;
  if (existing) return existing;
  const projects = fieldOf(parseJsonc(claudeUser.text), 'projects');
  const m = isContainer(projects) ? Object.keys(projects).find((k) => samePath(k, workspace)) : undefined;
  return m ?? workspace;
}

export function applyChanges(read: ReadConfig, changes: readonly Pick<PlannedChange, 'path' | 'value'>[]): string {
  if (read.location.format === 'toml') {
    const doc: unknown = parseToml(read.text);
    // A TOML document is a table at the top level; parseConfig refused anything else when it was read.
    if (!isObj(doc)) throw new Error(`${read.location.file}: not a TOML table at the top level; nothing written`);
    for (const c of changes) setIn(doc, c.path, c.value);
    const after = patchToml(read.text, doc);
    // toml-patch must have written exactly what we asked: compare the parsed result.
    if (!isDeepStrictEqual(parseToml(after), doc))
      throw new Error(`${read.location.file}: the TOML edit did not come out as planned; nothing written`);
    return after;
  }
  const formattingOptions = formattingOf(read.text);
  let text = read.text;
  for (const c of changes) text = applyEdits(text, modify(text, c.path, c.value, { formattingOptions }));
  return text;
}

/** An object or an array: something keys (or indexes) lead into. */
function isContainer(v: unknown): v is Record<string | number, unknown> {
  return typeof v === 'object' && v !== null;
}

function setIn(obj: Record<string, unknown>, keys: readonly (string | number)[], value: unknown): void {
  let cur: Record<string | number, unknown> = obj;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (isContainer(next)) cur = next;
    else {
      const made: Record<string | number, unknown> = {};
      cur[k] = made;
      cur = made;
    }
  }
  cur[keys.at(-1)!] = value;
}

export type { ClientEntry };
