// Plans `clients route --all`: every direct entry of every client protected — HTTP through the gateway
// (its upstream, with its headers, into the shared server list), stdio under our supervisor
// (`<cli> stdio -- <command> <args…>`, every other field kept). Entries that cannot be protected say why.
import * as path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { isObj, type Obj } from './descriptor';
import { normalizeUrl, samePath } from './match';
import { applyChanges, claudeUserFile, projectKeyIn, type FileEdit, type PlannedChange } from './plan';
import { freeSlug, sameHeaders, type ListedServer } from './server-list';
import { parseToml } from './toml';
import type { ClientEntry, ClientId, ReadConfig, Scan } from './entries';
import { localOverride, shownTarget, shownUrl } from './view';

export interface RouteAllOptions {
  gatewayPort: number;
  /** The absolute command routed stdio entries run (the stable copy of the CLI). */
  cliCommand: string;
  /** The shared server list as it is now. */
  list: readonly ListedServer[];
  clients?: readonly ClientId[];
  includeShared?: readonly string[];
  /** Only these entries (by entryKey). */
  only?: readonly string[];
}

export interface SkippedAll {
  entry: ClientEntry;
  reason: string;
}

export interface RouteAllPlan {
  edits: FileEdit[];
  skipped: SkippedAll[];
  /** Servers the shared list must hold before the files are written (slugs given here). */
  listed: ListedServer[];
  /** Some entry will run the stable copy of the CLI: it must be in place before the files are written. */
  usesCli: boolean;
}

/** The stdio supervisor's command line for an entry's own command line. */
export function supervisorArgs(command: string, args: readonly string[] = []): string[] {
  return ['stdio', '--', command, ...args];
}

/** Whether the default selection routes this entry: not shared, or shared where a private override exists. */
export function routedByDefault(e: Pick<ClientEntry, 'shared' | 'client'>): boolean {
  return !e.shared || e.client === 'claude-code';
}

function rawAt(read: ReadConfig, keys: readonly (string | number)[]): Obj | undefined {
  let cur: unknown = read.location.format === 'toml' ? parseToml(read.text) : parseJsonc(read.text);
  for (const k of keys) cur = isObj(cur) ? cur[String(k)] : Array.isArray(cur) ? cur[Number(k)] : undefined;
  return isObj(cur) ? cur : undefined;
}

const hasVariable = (s: string | undefined) => s !== undefined && /\$\{[^}]+\}/.test(s);

/** Why an HTTP entry cannot go through the gateway, if it cannot. */
export function httpProblem(e: ClientEntry, raw: Obj | undefined): string | undefined {
  if (e.transport === 'sse')
    return 'a legacy HTTP+SSE server: the gateway forwards Streamable HTTP only, so it stays direct';
  if (e.url === undefined || !normalizeUrl(e.url))
    return hasVariable(e.url) ? 'its URL uses ${…} variables only the client fills in' : 'no http(s) URL to route';
  if (hasVariable(e.url) || Object.values(e.headers ?? {}).some(hasVariable))
    return 'its URL or headers use ${…} variables only the client fills in; the gateway could not send them';
  if (raw && typeof raw.bearer_token_env_var === 'string')
    return `takes its token from $${raw.bearer_token_env_var}, which the gateway does not see`;
  if (raw && (isObj(raw.oauth) || raw.auth !== undefined))
    return 'signs in with OAuth, which the gateway cannot do for it yet';
  return undefined;
}

export function planRouteAll(scan: Scan, opts: RouteAllOptions): RouteAllPlan {
  const byFile = new Map<string, PlannedChange[]>();
  const skipped: SkippedAll[] = [];
  const listed: ListedServer[] = [];
  let usesCli = false;
  const all = [...opts.list];
  const add = (file: string, c: PlannedChange) => byFile.set(file, [...(byFile.get(file) ?? []), c]);
  const claudeUser = claudeUserFile(scan);
  const slugFor = (e: ClientEntry): ListedServer => {
    const same = all.find((s) => normalizeUrl(s.url) === normalizeUrl(e.url!) && sameHeaders(s.headers, e.headers));
    if (same) return same;
    const s: ListedServer = {
      name: e.name,
      slug: freeSlug(
        e.name,
        all.map((x) => x.slug),
      ),
      url: e.url!,
      ...(e.headers ? { headers: e.headers } : {}),
    };
    all.push(s);
    listed.push(s);
    return s;
  };
  for (const f of scan.files) {
    for (const entry of f.entries) {
      if (entry.protection !== 'direct') continue;
      if (opts.clients?.length && !opts.clients.includes(entry.client)) continue;
      const key = `${entry.file}#${JSON.stringify(entry.path)}`;
      if (opts.only && !opts.only.includes(key)) continue;
      const raw = rawAt(f, entry.path);
      // What the entry becomes: its own fields with ours changed.
      let changes: { path: (string | number)[]; value: unknown; summary: string }[];
      if (entry.transport !== 'stdio') {
        const problem = httpProblem(entry, raw);
        if (problem) {
          skipped.push({ entry, reason: problem });
          continue;
        }
        const gatewayUrl = `http://127.0.0.1:${opts.gatewayPort}/${slugFor(entry).slug}/mcp`;
        changes = [
          {
            path: [...entry.path, entry.urlKey ?? 'url'],
            value: gatewayUrl,
            summary: `${entry.name}: ${shownUrl(entry.url!)} → ${gatewayUrl}`,
          },
        ];
      } else if (entry.command === undefined) {
        skipped.push({ entry, reason: 'a stdio entry without a command' });
        continue;
      } else {
        usesCli = true;
        changes = [
          {
            path: [...entry.path, 'command'],
            value: opts.cliCommand,
            summary: `${entry.name}: ${shownTarget(entry)} runs under the supervisor`,
          },
          { path: [...entry.path, 'args'], value: supervisorArgs(entry.command, entry.args), summary: '' },
        ];
      }
      const picked = opts.includeShared?.some((p) => samePath(path.resolve(p), entry.file)) ?? false;
      if (entry.shared && !picked) {
        if (entry.client === 'claude-code' && f.location.workspace && claudeUser && raw) {
          // Claude Code prefers a local-scope entry of the same name: route there, leave the team's file alone.
          if (localOverride(scan, entry, f.location.workspace)) continue; // routed on its own
          const local: Obj = { ...raw };
          for (const c of changes) local[String(c.path.at(-1))] = c.value;
          add(claudeUser.location.file, {
            entry,
            path: ['projects', projectKeyIn(claudeUser, f.location.workspace), 'mcpServers', entry.name],
            value: local,
            summary: `${changes[0].summary} (a local-scope entry; ${entry.file} unchanged)`,
          });
          continue;
        }
        skipped.push({
          entry,
          reason:
            'shared through version control: a teammate without Archon MCP Doctor would be broken; pick the file explicitly (--include-shared) to route it',
        });
        continue;
      }
      for (const c of changes) add(entry.file, { entry, ...c });
    }
  }
  const edits: FileEdit[] = [];
  for (const [file, changes] of byFile) {
    const read = scan.files.find((x) => x.location.file === file)!;
    edits.push({ file, read, changes, after: applyChanges(read, changes) });
  }
  return { edits, skipped, listed, usesCli };
}
