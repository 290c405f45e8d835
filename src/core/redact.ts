// Keeps secrets and long ids out of anything a person reads (log, tree, report, CLI).

/** `4f1c2a9e…b7d0`: enough to tell sessions apart, too little to reuse one. */
export function shortenSessionId(id: string | undefined): string {
  if (!id) return '—';
  return id.length <= 12 ? id : `${id.slice(0, 8)}…${id.slice(-4)}`;
}

const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token)$/i;

/** Header names with their values hidden when the name suggests a credential. */
export function redactHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    out[name] = SECRET_HEADER.test(name) || /token|secret|key/i.test(name) ? '«hidden»' : value;
  }
  return out;
}

/** Removes bearer tokens and similar credentials from free text (error messages, bodies). */
export function redactText(text: string): string {
  return text
    .replace(/(bearer|basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi, '$1 «hidden»')
    .replace(/(authorization"?\s*[:=]\s*"?)(?!(?:bearer|basic)\s)[^"\s,}]+/gi, '$1«hidden»')
    .replace(/("[^"]*(?:token|api[_-]?key|password|secret)[^"]*"\s*:\s*")[^"]*/gi, '$1«hidden»')
    .replace(/([\w-]*(?:token|api[_-]?key|password|secret)\s*[:=]\s*)(?!")[^"\s,}&]+/gi, '$1«hidden»');
}

/** A URL without credentials: user info and secret-looking query values hidden. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = 'redacted';
      u.password = '';
    }
    for (const key of [...u.searchParams.keys()]) {
      if (/token|key|secret|password|auth/i.test(key)) u.searchParams.set(key, 'redacted');
    }
    return u.toString();
  } catch {
    return redactText(url);
  }
}

/** The start of a body, on one line, secrets removed. */
export function excerpt(text: string, max = 200): string {
  const oneLine = redactText(text).replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}
