// Every MCP server the user has, from every client's entries: the same server named in several clients
// (the same URL, the same command line, or our gateway/supervisor in front of either) is one server.
import * as path from 'node:path';
import { slugify } from '../gateway';
import { bridgeUpstream, normalizeUrl } from './match';
import type { ListedServer } from './server-list';
import type { ClientEntry, Protection, Scan, Transport } from './entries';
import { shownTarget } from './view';

/** What an entry reaches in the end: a URL, or a command line. */
export interface Upstream {
  url?: string;
  command?: string;
  args?: string[];
  /** Through our gateway on a slug the shared list does not know. */
  slug?: string;
}

export interface McpServer {
  /** Short and stable for this set of entries: the slug of its name (with -2… when names collide). */
  id: string;
  name: string;
  transport: Transport;
  /** Its URL or command line, secrets hidden. */
  shown: string;
  upstream: Upstream;
  entries: ClientEntry[];
  /** Every entry protected, some, or none. */
  protection: 'protected' | 'partly' | 'direct';
}

export function upstreamOf(e: ClientEntry, list: readonly ListedServer[]): Upstream {
  if (e.supervised) return { command: e.supervised.command, args: e.supervised.args };
  const bridged = bridgeUpstream(e.command, e.args);
  if (bridged) return { url: bridged };
  if (e.gatewaySlug) {
    const listed = list.find((s) => s.slug === e.gatewaySlug);
    return listed ? { url: listed.url } : { slug: e.gatewaySlug };
  }
  if (e.url !== undefined) return { url: e.url };
  // A stdio wrapper for a remote server (mcp-remote and the like): the server is the URL it names.
  const wrapped =
    e.urlArg !== undefined
      ? e.args?.[e.urlArg]
      : e.args?.some((a) => /(^|\/)mcp-remote(@.*)?$/.test(a))
        ? e.args.find((a) => normalizeUrl(a) !== undefined)
        : undefined;
  if (wrapped) return { url: wrapped };
  return { command: e.command, args: e.args ?? [] };
}

function keyOf(u: Upstream): string {
  if (u.url !== undefined) return `url:${normalizeUrl(u.url) ?? u.url}`;
  if (u.slug !== undefined) return `gateway:${u.slug}`;
  const bin = path.basename((u.command ?? '').replace(/\\/g, '/')).replace(/\.(cmd|exe)$/i, '');
  return `stdio:${JSON.stringify([bin, ...(u.args ?? [])])}`;
}

const isProtected = (p: Protection) => p !== 'direct';

export function inventory(scan: Scan, list: readonly ListedServer[] = []): McpServer[] {
  const groups = new Map<string, { upstream: Upstream; entries: ClientEntry[] }>();
  for (const f of scan.files) {
    for (const e of f.entries) {
      const upstream = upstreamOf(e, list);
      const key = keyOf(upstream);
      const g = groups.get(key) ?? { upstream, entries: [] };
      g.entries.push(e);
      groups.set(key, g);
    }
  }
  const ids = new Set<string>();
  const out: McpServer[] = [];
  for (const { upstream, entries } of groups.values()) {
    const listed =
      upstream.url !== undefined ? list.find((s) => normalizeUrl(s.url) === normalizeUrl(upstream.url!)) : undefined;
    const name = listed?.name ?? entries[0].name;
    let id = slugify(name);
    for (let i = 2; ids.has(id); i++) id = `${slugify(name)}-${i}`;
    ids.add(id);
    const transport =
      upstream.url !== undefined || upstream.slug !== undefined
        ? (entries.find((e) => e.transport !== 'stdio')?.transport ?? 'http')
        : 'stdio';
    const shown = upstream.slug !== undefined ? `(gateway path /${upstream.slug}/mcp)` : shownTarget(upstream);
    const n = entries.filter((e) => isProtected(e.protection)).length;
    out.push({
      id,
      name,
      transport,
      shown,
      upstream,
      entries,
      protection: n === entries.length ? 'protected' : n ? 'partly' : 'direct',
    });
  }
  return out;
}
