// Probes a server's session-free health endpoint (Archon's GET /health) and reads its uptime.
import { createConnection } from 'node:net';
import { causeOf, errnoCode, fieldOf, isRecord } from './narrow';
import { excerpt } from './redact';
import type { HealthInfo } from './types';

/** Reads `uptime_seconds` from Archon's health JSON (also nested under `health`). */
export function parseUptime(body: unknown): number | undefined {
  if (!isRecord(body)) return undefined;
  for (const candidate of [body.uptime_seconds, fieldOf(body.health, 'uptime_seconds'), body.uptime]) {
    if (typeof candidate === 'number' && Number.isFinite(candidate) && candidate >= 0) return candidate;
  }
  return undefined;
}

export async function probeHealth(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<HealthInfo> {
  let at = new Date().toISOString();
  // Not AbortSignal.timeout(): its signal, timer and weak references stay until the timeout has passed,
  // long after a quick answer (issue 21: a few hundred bytes per watched server, every poll).
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), timeoutMs);
  timer.unref();
  try {
    const response = await fetch(url, { headers, signal: abort.signal });
    // The server reads its uptime when it answers: date the reading then, not when we asked.
    at = new Date().toISOString();
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { at, ok: false, error: `HTTP ${response.status}, not JSON: ${excerpt(text, 80)}` };
    }
    const fields = isRecord(json) ? json : {};
    const status = typeof fields.status === 'string' ? fields.status : undefined;
    const ok = response.ok && fields.success !== false;
    return { at, ok, uptimeSeconds: parseUptime(json), status, error: ok ? undefined : `HTTP ${response.status}: ${excerpt(text, 80)}` };
  } catch (err) {
    const name = fieldOf(err, 'name');
    return { at, ok: false, error: errnoCode(causeOf(err)) ?? (typeof name === 'string' ? name : 'error') };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A server restarted between two readings when its uptime is lower than the previous reading plus
 * the wall time that passed since (with a second of slack for clock and rounding).
 */
export function uptimeDropped(previous: HealthInfo | undefined, current: HealthInfo): boolean {
  if (previous?.uptimeSeconds === undefined || current.uptimeSeconds === undefined) return false;
  const elapsedS = Math.max(0, (Date.parse(current.at) - Date.parse(previous.at)) / 1000);
  return current.uptimeSeconds + 1 < previous.uptimeSeconds + elapsedS;
}

/** Cheapest possible sign of life: can a TCP connection be opened to the server's host and port? */
export function portAccepts(url: string, timeoutMs: number): Promise<boolean> {
  const u = new URL(url);
  const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
