// Which HTTP servers the extension watches and serves: the archonMcp.servers setting first (Archon keeps
// its first place when it is configured), then the shared server list. The built-in default (Archon at
// localhost:8051) counts only when the user set it or some client or the list names it: a first run
// without Archon shows the user's own servers, not an Archon that is not there.
import { normalizeUrl } from './match';
import type { ListedServer } from './server-list';

export interface WatchedConfig {
  name: string;
  url: string;
  headers?: Record<string, string>;
}

export interface UnionInput<S extends WatchedConfig> {
  configured: readonly S[];
  /** archonMcp.servers was set by the user (not the default). */
  userSet: boolean;
  list: readonly ListedServer[];
  /** URLs that clients' entries name (directly or through the gateway's list). */
  clientUrls: readonly string[];
  /** HTTP servers on this machine that clients name directly (watched too: their state is the user's). */
  clientServers?: readonly WatchedConfig[];
  /** Turns a listed server into a watched one. */
  fromList(s: ListedServer): S;
}

export function unionServers<S extends WatchedConfig>(u: UnionInput<S>): { servers: S[]; problems: string[] } {
  const named = new Set([...u.clientUrls, ...u.list.map((s) => s.url)].map((x) => normalizeUrl(x)).filter(Boolean));
  const configured = u.userSet ? [...u.configured] : u.configured.filter((s) => named.has(normalizeUrl(s.url)));
  const problems: string[] = [];
  const out = [...configured];
  const fromClients = (u.clientServers ?? []).map((c) => ({ ...c, slug: '' }));
  for (const l of [...u.list, ...fromClients]) {
    if (out.some((s) => normalizeUrl(s.url) === normalizeUrl(l.url))) continue;
    if (out.some((s) => s.name === l.name)) {
      problems.push(
        `the shared server list's "${l.name}" (${l.url}) has the name of a server in archonMcp.servers; it is not watched here`,
      );
      continue;
    }
    out.push(u.fromList(l));
  }
  return { servers: out, problems };
}
