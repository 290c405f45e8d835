// Whether another gateway that holds our port serves our upstreams. Pure functions.
import type { HolderInfo } from './port';

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** One spelling per upstream: loopback names alike, no credentials, no trailing slash. */
export function sameUpstreamKey(url: string): string {
  try {
    const u = new URL(url);
    if (LOCAL_NAMES.has(u.hostname.toLowerCase())) u.hostname = '127.0.0.1';
    u.username = '';
    u.password = '';
    if (!u.port) u.port = u.protocol === 'https:' ? '443' : '80';
    return `${u.protocol}//${u.hostname}:${u.port}${u.pathname.replace(/\/+$/, '')}${u.search}`;
  } catch {
    return url.trim();
  }
}

/**
 * Each of our endpoints the holder does not serve, or serves for another upstream, as a sentence.
 * An older holder that does not report its upstreams is trusted on its slugs alone.
 */
export function holderMismatch(holder: HolderInfo, ours: { slug: string; upstream: string }[]): string[] {
  const out: string[] = [];
  for (const o of ours) {
    const h = holder.servers.find((s) => s.slug === o.slug);
    if (!h) {
      const served = holder.servers.map((s) => `/${s.slug}/mcp`).join(', ') || 'nothing';
      out.push(`the gateway at ${holder.baseUrl} does not serve /${o.slug}/mcp (it serves ${served})`);
    } else if (h.upstream !== undefined && sameUpstreamKey(h.upstream) !== sameUpstreamKey(o.upstream)) {
      out.push(`/${o.slug}/mcp at ${holder.baseUrl} forwards to ${h.upstream}, not to ${o.upstream}`);
    }
  }
  return out;
}
