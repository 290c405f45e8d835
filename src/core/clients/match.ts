// Does an entry talk to a watched server, to our gateway for it, or to something else?
import * as path from 'node:path';
import type { ClientEntry, Target, WatchedServer } from './types';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** A URL reduced to what decides where it goes: loopback names alike, default ports and a trailing slash dropped. */
export function normalizeUrl(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  const host = LOOPBACK.has(u.hostname.toLowerCase()) ? 'loopback' : u.hostname.toLowerCase();
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const pathname = u.pathname.replace(/\/+$/, '') || '/';
  return `${u.protocol}//${host}:${port}${pathname}${u.search}`;
}

export function sameUrl(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const na = normalizeUrl(a);
  return na !== undefined && na === normalizeUrl(b);
}

/** Our stdio bridge: `archon-mcp-doctor stdio --upstream <url>` (also through npx). */
export function bridgeUpstream(command: string | undefined, args: string[] | undefined): string | undefined {
  if (!command || !args) return undefined;
  const bin = path.basename(command.replace(/\\/g, '/')).replace(/\.(cmd|exe)$/i, '');
  let rest = [bin, ...args];
  if (bin === 'npx') {
    rest = args.slice();
    while (rest[0]?.startsWith('-')) rest.shift(); // -y, --yes
  }
  if (!/^archon-mcp-doctor(@.*)?$/.test(rest[0] ?? '') || rest[1] !== 'stdio') return undefined;
  const i = rest.indexOf('--upstream');
  const eq = rest.find((a) => a.startsWith('--upstream='));
  return i >= 0 ? rest[i + 1] : eq?.slice('--upstream='.length);
}

export interface Classified {
  target: Target;
  server?: string;
  urlArg?: number;
}

/** Classifies one entry against the watched servers. */
export function classifyEntry(e: Pick<ClientEntry, 'url' | 'command' | 'args'>, servers: readonly WatchedServer[]): Classified {
  const upstream = bridgeUpstream(e.command, e.args);
  for (const s of servers) {
    if (upstream !== undefined && (sameUrl(upstream, s.url) || s.gatewayUrls.some((g) => sameUrl(upstream, g)))) return { target: 'gateway', server: s.name };
    if (e.url !== undefined) {
      if (s.gatewayUrls.some((g) => sameUrl(e.url, g))) return { target: 'gateway', server: s.name };
      if (sameUrl(e.url, s.url)) return { target: 'direct', server: s.name };
    }
    // A stdio wrapper (mcp-remote and the like) that names a URL among its arguments.
    const args = e.args ?? [];
    const gi = args.findIndex((a) => s.gatewayUrls.some((g) => sameUrl(a, g)));
    if (gi >= 0) return { target: 'gateway', server: s.name };
    const di = args.findIndex((a) => sameUrl(a, s.url));
    if (di >= 0) return { target: 'direct', server: s.name, urlArg: di };
  }
  return { target: 'other' };
}

/** Project folders compare by their normalized path (Windows: case and slashes ignored). */
export function samePath(a: string, b: string): boolean {
  const norm = (p: string) => {
    const win = /^[a-zA-Z]:[\\/]/.test(p) || p.includes('\\');
    const s = p.replace(/\\/g, '/').replace(/\/+$/, '');
    return win ? s.toLowerCase() : s;
  };
  return norm(a) === norm(b);
}
