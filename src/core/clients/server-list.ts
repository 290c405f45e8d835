// The user's shared server list: the MCP servers the gateway serves, kept in our config folder and shared
// by the CLI (`servers`, `proxy` with no --upstream, `clients route --all`) and the extension. JSON with
// comments is accepted and kept (edits go through jsonc-parser); writes are atomic (0600: headers may hold
// tokens); a file we cannot understand is moved aside, reported, and never overwritten in place.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { applyEdits, modify, parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { errorCodeOf } from '../classify';
import { errorMessage, fieldOf, isStringRecord } from '../narrow';
import { slugify } from '../gateway';
import type { RepeatRules } from '../healing';
import { isObj } from './descriptor';
import { normalizeUrl } from './match';
import { formattingOf } from './plan';
import { lineColumn } from './read';
import { ensureDir, writeAtomic } from './write';

export const SERVER_LIST_FILE = 'servers.json';

export interface ListedServer {
  name: string;
  /** The gateway path segment (`/<slug>/mcp`): given once, never changed, since client files point at it. */
  slug: string;
  url: string;
  /** Sent upstream by the gateway; values may be secret, never printed. */
  headers?: Record<string, string>;
  /** The user's word on which tools may be sent again after a crash (globs; see the repeat policy). */
  repeatSafe?: string[];
  /** Tools never sent twice (globs; wins over repeatSafe and over annotations). */
  neverRepeat?: string[];
}

const isGlobList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((g) => typeof g === 'string' && g.trim() !== '');
const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  (a ?? []).join('\n') === (b ?? []).join('\n');
/** The repeat rules an entry gives, as fields to spread. */
function rulesOf(
  s: Pick<ListedServer, 'repeatSafe' | 'neverRepeat'>,
): Pick<ListedServer, 'repeatSafe' | 'neverRepeat'> {
  return {
    ...(s.repeatSafe?.length ? { repeatSafe: s.repeatSafe } : {}),
    ...(s.neverRepeat?.length ? { neverRepeat: s.neverRepeat } : {}),
  };
}
/** Rules that `wanted` names are the ones `s` has (rules it does not name do not count). */
function sameRulesIfGiven(s: ListedServer, wanted: Omit<ListedServer, 'slug'>): boolean {
  return (
    (wanted.repeatSafe === undefined || sameList(s.repeatSafe, wanted.repeatSafe)) &&
    (wanted.neverRepeat === undefined || sameList(s.neverRepeat, wanted.neverRepeat))
  );
}

export interface ServerListRead {
  servers: ListedServer[];
  /** What was wrong with the file (set aside, entries skipped), for the user. */
  problems: string[];
  /** The text read ('' when there is no file). */
  text: string;
}

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** The file's "servers" list, when it has one. */
function serversOf(value: unknown): unknown[] | undefined {
  const servers = fieldOf(value, 'servers');
  return Array.isArray(servers) ? servers : undefined;
}

/** Why an entry is not a server we can serve, or its server. */
function entryOf(raw: unknown): ListedServer | string {
  if (!isObj(raw)) return 'is not an object';
  if (typeof raw.name !== 'string' || !raw.name.trim()) return 'has no "name"';
  if (typeof raw.url !== 'string' || !normalizeUrl(raw.url)) return `("${raw.name}") has no http(s) "url"`;
  const slug = raw.slug;
  if (slug !== undefined && (typeof slug !== 'string' || !SLUG.test(slug)))
    return `("${raw.name}") has a "slug" that is not lower-case letters, digits and dashes`;
  const headers = raw.headers;
  if (headers !== undefined && !isStringRecord(headers))
    return `("${raw.name}") has "headers" that are not name → text`;
  for (const key of ['repeatSafe', 'neverRepeat'] as const) {
    if (raw[key] !== undefined && !isGlobList(raw[key]))
      return `("${raw.name}") has a "${key}" that is not a list of tool names or globs`;
  }
  const rules = rulesOf({
    repeatSafe: isGlobList(raw.repeatSafe) ? raw.repeatSafe : undefined,
    neverRepeat: isGlobList(raw.neverRepeat) ? raw.neverRepeat : undefined,
  });
  return { name: raw.name, slug: slug ?? slugify(raw.name), url: raw.url, ...(headers ? { headers } : {}), ...rules };
}

/**
 * The repeat rules a gateway applies to a server it serves from the list (`proxy` with no --upstream, the
 * extension): the list entry's `repeatSafe`/`neverRepeat`, plus the rules `also` gives (an editor's own
 * settings for it). No entry (a server the list does not hold): `also` alone, as it was.
 */
export function listRepeatRules(
  s: Pick<ListedServer, 'name' | 'repeatSafe' | 'neverRepeat'> | undefined,
  also: RepeatRules = { repeatSafe: [], neverRepeat: [] },
): RepeatRules {
  if (!s) return also;
  return {
    repeatSafe: [...(s.repeatSafe ?? []), ...also.repeatSafe],
    neverRepeat: [...(s.neverRepeat ?? []), ...also.neverRepeat],
    via: 'server-list',
    serverLabel: s.name,
  };
}

/** The list's entry for a server URL (loopback names, default ports and a trailing slash alike). */
export function listedByUrl(list: readonly ListedServer[], url: string): ListedServer | undefined {
  return list.find((l) => normalizeUrl(l.url) === normalizeUrl(url));
}

/** The first free slug for a name: its own, else with -2, -3… */
export function freeSlug(name: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const base = slugify(name);
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}-${i}`)) return `${base}-${i}`;
}

export function sameHeaders(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  return JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());
}

export class ServerListStore {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, SERVER_LIST_FILE);
  }

  async load(): Promise<ServerListRead> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (err) {
      if (errorCodeOf(err) === 'ENOENT') return { servers: [], problems: [], text: '' };
      return {
        servers: [],
        problems: [`${this.file} cannot be read (${errorCodeOf(err) ?? errorMessage(err)}); no servers from it`],
        text: '',
      };
    }
    if (!text.trim()) return { servers: [], problems: [], text };
    const errors: ParseError[] = [];
    const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
    const listed = errors.length ? undefined : serversOf(value);
    if (listed === undefined) {
      const damage = errors.length
        ? `is not valid JSON: ${printParseErrorCode(errors[0].error)} at ${lineColumn(text, errors[0].offset)}`
        : 'holds no "servers" list';
      return { servers: [], problems: [await this.setAside(damage)], text: '' };
    }
    const servers: ListedServer[] = [];
    const problems: string[] = [];
    for (const [i, raw] of listed.entries()) {
      const s = entryOf(raw);
      if (typeof s === 'string') problems.push(`${this.file}: server ${i + 1} ${s}; skipped`);
      else if (servers.some((o) => o.slug === s.slug))
        problems.push(
          `${this.file}: server ${i + 1} ("${s.name}") uses the path /${s.slug}/mcp of an earlier one; skipped`,
        );
      else servers.push(s);
    }
    return { servers, problems, text };
  }

  /** Moves a damaged file aside (never overwritten: the user may want what is in it) and says where. */
  private async setAside(why: string): Promise<string> {
    const aside = `${this.file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await fsp.rename(this.file, aside);
      return `${this.file} ${why}; moved aside to ${aside}, starting with an empty list`;
    } catch (err) {
      return `${this.file} ${why}, and could not be moved aside (${errorCodeOf(err) ?? errorMessage(err)}); no servers from it`;
    }
  }

  /**
   * Adds servers (or finds them: the same URL and headers is the same server) and returns each one's
   * entry, slugs given once. A name already listed with another URL gets the new URL and keeps its slug.
   */
  async upsert(
    wanted: readonly Omit<ListedServer, 'slug'>[],
    opts: { byName?: boolean } = {},
  ): Promise<{
    servers: ListedServer[];
    changed: { server: ListedServer; change: 'added' | 'updated' | 'unchanged' }[];
    problems: string[];
  }> {
    const read = await this.load();
    let text = read.text.trim() ? read.text : '{\n  "version": 1,\n  "servers": []\n}\n';
    const list = [...read.servers];
    const changed: { server: ListedServer; change: 'added' | 'updated' | 'unchanged' }[] = [];
    const fmt = formattingOf(text);
    // load() checked the list is there (or the text is our empty one).
    const rawList = serversOf(parseJsonc(text)) ?? [];
    for (const w of wanted) {
      const same = list.find(
        (s) =>
          normalizeUrl(s.url) === normalizeUrl(w.url) && sameHeaders(s.headers, w.headers) && sameRulesIfGiven(s, w),
      );
      const named = opts.byName ? list.find((s) => s.name === w.name) : undefined;
      if (named && !(same && same === named)) {
        const i = rawList.findIndex((r) => isObj(r) && r.name === named.name);
        const next: ListedServer = {
          ...named,
          url: w.url,
          ...(w.headers ? { headers: w.headers } : {}),
          ...rulesOf(w),
        };
        text = applyEdits(text, modify(text, ['servers', i], next, { formattingOptions: fmt }));
        list[list.indexOf(named)] = next;
        changed.push({ server: next, change: 'updated' });
        continue;
      }
      if (same) {
        changed.push({ server: same, change: 'unchanged' });
        continue;
      }
      const server: ListedServer = {
        name: w.name,
        slug: freeSlug(
          w.name,
          list.map((s) => s.slug),
        ),
        url: w.url,
        ...(w.headers ? { headers: w.headers } : {}),
        ...rulesOf(w),
      };
      text = applyEdits(
        text,
        modify(text, ['servers', rawList.length], server, { formattingOptions: fmt, isArrayInsertion: true }),
      );
      rawList.push(server);
      list.push(server);
      changed.push({ server, change: 'added' });
    }
    if (changed.some((c) => c.change !== 'unchanged')) await this.write(text);
    return { servers: list, changed, problems: read.problems };
  }

  /** Removes a server by name or slug; false when there is none. */
  async remove(nameOrSlug: string): Promise<{ removed?: ListedServer; problems: string[] }> {
    const read = await this.load();
    const rawList = (read.text.trim() ? serversOf(parseJsonc(read.text)) : undefined) ?? [];
    const target = read.servers.find((s) => s.name === nameOrSlug) ?? read.servers.find((s) => s.slug === nameOrSlug);
    if (!target) return { problems: read.problems };
    const i = rawList.findIndex((r) => isObj(r) && r.name === target.name);
    await this.write(
      applyEdits(
        read.text,
        modify(read.text, ['servers', i], undefined, { formattingOptions: formattingOf(read.text) }),
      ),
    );
    return { removed: target, problems: read.problems };
  }

  private async write(text: string): Promise<void> {
    await ensureDir(this.dir);
    await writeAtomic(this.file, text, 0o600);
  }
}
