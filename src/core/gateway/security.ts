// DNS-rebinding protection: only loopback Host and Origin headers are served. Pure functions.

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.indexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

/** True when the Host header names this machine's loopback (any port). A missing Host is refused. */
export function isLocalHost(hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  return LOOPBACK_HOSTS.has(hostnameOf(hostHeader));
}

/** True when there is no Origin (non-browser clients) or it is a loopback origin. */
export function isLocalOrigin(origin: string | undefined): boolean {
  if (origin === undefined || origin === '') return true;
  if (origin === 'null') return false;
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
    return LOOPBACK_HOSTS.has(u.hostname.toLowerCase());
  } catch {
    return false;
  }
}

/** Why a request must be refused with 403, or undefined when it may pass. */
export function rebindingRefusal(host: string | undefined, origin: string | undefined): string | undefined {
  if (!isLocalHost(host)) return `Forbidden: Host header ${JSON.stringify(host ?? '')} is not local`;
  if (!isLocalOrigin(origin)) return `Forbidden: Origin ${JSON.stringify(origin)} is not local`;
  return undefined;
}
