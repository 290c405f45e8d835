// Does an entry talk to a watched server, to our gateway for it, or to something else?
import * as path from 'node:path';
import type { ClientEntry, Target, WatchedServer } from './entries';

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

/** An http(s) URL on this machine (localhost, 127.0.0.1, ::1). */
export function isLoopbackUrl(raw: string): boolean {
  return normalizeUrl(raw)?.includes('//loopback:') ?? false;
}

export function sameUrl(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const na = normalizeUrl(a);
  return na !== undefined && na === normalizeUrl(b);
}

/** The arguments after our own CLI, however a command names it: archon-mcp-doctor (or its stable copy, .js or .cmd), through npx or node. */
export function ourCliArgs(command: string | undefined, args: readonly string[] | undefined): string[] | undefined {
  if (!command) return undefined;
  const base = (p: string) => path.basename(p.replace(/\\/g, '/')).replace(/\.(cmd|exe)$/i, '');
  const bin = base(command);
  const rest = [...(args ?? [])];
  if (/^archon-mcp-doctor(\.js)?$/.test(bin)) return rest;
  if (bin === 'npx') {
    while (rest[0]?.startsWith('-')) rest.shift(); // -y, --yes
    return /^archon-mcp-doctor(@.*)?$/.test(rest[0] ?? '') ? rest.slice(1) : undefined;
  }
  if (bin === 'node' && /^archon-mcp-doctor(\.js)?$/.test(base(rest[0] ?? ''))) return rest.slice(1);
  return undefined;
}

/** Our stdio bridge: `archon-mcp-doctor stdio --upstream <url>` (also through npx). */
export function bridgeUpstream(command: string | undefined, args: string[] | undefined): string | undefined {
  if (!args) return undefined;
  const rest = ourCliArgs(command, args);
  if (rest?.[0] !== 'stdio') return undefined;
  const i = rest.indexOf('--upstream');
  const eq = rest.find((a) => a.startsWith('--upstream='));
  return i >= 0 ? rest[i + 1] : eq?.slice('--upstream='.length);
}

/** Our stdio supervisor: `archon-mcp-doctor stdio -- <command> <args…>`; the server's own command line. */
export function supervisedCommand(
  command: string | undefined,
  args: readonly string[] | undefined,
): { command: string; args: string[] } | undefined {
  const rest = ourCliArgs(command, args);
  if (rest?.[0] !== 'stdio') return undefined;
  const i = rest.indexOf('--');
  return i > 0 && rest[i + 1] ? { command: rest[i + 1], args: rest.slice(i + 2) } : undefined;
}

/** The slug of a URL our gateway serves (`http://127.0.0.1:<port>/<slug>/mcp` on one of its ports). */
export function gatewaySlugOf(url: string | undefined, gatewayPorts: readonly number[]): string | undefined {
  if (!url) return undefined;
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' || !LOOPBACK.has(u.hostname.toLowerCase()) || !gatewayPorts.includes(Number(u.port || 80)))
    return undefined;
  return /^\/([a-z0-9-]+)\/mcp\/?$/.exec(u.pathname)?.[1];
}

/** How an entry reaches its server, from its `type` when it says, else from what it has. */
export function transportOf(
  type: unknown,
  url: string | undefined,
  command: string | undefined,
): 'http' | 'sse' | 'stdio' {
  const t = typeof type === 'string' ? type.toLowerCase().replace(/[-_]/g, '') : '';
  if (t === 'sse') return 'sse';
  if (t === 'http' || t === 'streamablehttp') return 'http';
  if (t === 'stdio') return 'stdio';
  if (url !== undefined) {
    try {
      return /\/sse\/?$/.test(new URL(url).pathname) ? 'sse' : 'http';
    } catch {
      return 'http';
    }
  }
  return command !== undefined ? 'stdio' : 'http';
}

export interface Classified {
  target: Target;
  server?: string;
  urlArg?: number;
}

/** Classifies one entry against the watched servers. */
export function classifyEntry(
  e: Pick<ClientEntry, 'url' | 'command' | 'args'>,
  servers: readonly WatchedServer[],
): Classified {
  const upstream = bridgeUpstream(e.command, e.args);
  for (const s of servers) {
    if (upstream !== undefined && (sameUrl(upstream, s.url) || s.gatewayUrls.some((g) => sameUrl(upstream, g))))
      return { target: 'gateway', server: s.name };
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
