// Probes a server's session-free health endpoint (Archon's GET /health) and reads its uptime.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createConnection } from 'node:net';
import { causeOf, errnoCode, fieldOf, isRecord } from './narrow';
import { excerpt } from './redact';
import type { HealthInfo } from './server-state';

/** Reads `uptime_seconds` from Archon's health JSON (also nested under `health`). */
export function parseUptime(body: unknown): number | undefined {
  if (!isRecord(body)) return undefined;
  for (const candidate of [body.uptime_seconds, fieldOf(body.health, 'uptime_seconds'), body.uptime]) {
    if (typeof candidate === 'number' && Number.isFinite(candidate) && candidate >= 0) return candidate;
  }
  return undefined;
}

/** Longest health answer read; a bigger one is cut there (and then is not JSON). */
const MAX_HEALTH_BODY = 1 << 20;
const MAX_REDIRECTS = 20;
/** Headers a redirect to another origin must not carry (as fetch drops them). */
const ORIGIN_BOUND = new Set(['authorization', 'cookie', 'proxy-authorization']);

interface HealthAnswer {
  status: number;
  text: string;
}

/**
 * One GET with node:http(s), no fetch (issue 21): each fetch with a signal leaves undici's finalizer
 * entry, the signal, its listener maps and weak references alive long after a quick answer, about
 * 1 KB per watched server. No pooled connection either (`agent: false`): polls are further apart than
 * any keep-alive. Redirects are followed as fetch follows them.
 */
function getOnce(url: URL, headers: Record<string, string>, deadline: number, redirects = 0): Promise<HealthAnswer> {
  return new Promise<HealthAnswer>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
    if (!send) return reject(new TypeError(`not an HTTP URL: ${url.protocol}`));
    const req = send(url, { method: 'GET', headers, agent: false });
    const timer = setTimeout(
      () => {
        req.destroy(Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }));
      },
      Math.max(0, deadline - Date.now()),
    );
    timer.unref();
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && status !== 304 && location && redirects < MAX_REDIRECTS) {
        clearTimeout(timer);
        res.resume();
        let next: URL;
        try {
          next = new URL(location, url);
        } catch (err) {
          return reject(err);
        }
        const kept =
          next.origin === url.origin
            ? headers
            : Object.fromEntries(Object.entries(headers).filter(([k]) => !ORIGIN_BOUND.has(k.toLowerCase())));
        return resolve(getOnce(next, kept, deadline, redirects + 1));
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length < MAX_HEALTH_BODY) text += chunk.slice(0, MAX_HEALTH_BODY - text.length);
      });
      res.once('end', () => {
        clearTimeout(timer);
        resolve({ status, text });
      });
      res.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    req.end();
  });
}

export async function probeHealth(
  url: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<HealthInfo> {
  let at = new Date().toISOString();
  try {
    const response = await getOnce(new URL(url), headers, Date.now() + timeoutMs);
    // The server reads its uptime when it answers: date the reading then, not when we asked.
    at = new Date().toISOString();
    const { status, text } = response;
    const responseOk = status >= 200 && status < 300;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { at, ok: false, error: `HTTP ${status}, not JSON: ${excerpt(text, 80)}` };
    }
    const fields = isRecord(json) ? json : {};
    const state = typeof fields.status === 'string' ? fields.status : undefined;
    const ok = responseOk && fields.success !== false;
    return {
      at,
      ok,
      uptimeSeconds: parseUptime(json),
      status: state,
      error: ok ? undefined : `HTTP ${status}: ${excerpt(text, 80)}`,
    };
  } catch (err) {
    const name = fieldOf(err, 'name');
    return {
      at,
      ok: false,
      error: errnoCode(err) ?? errnoCode(causeOf(err)) ?? (typeof name === 'string' ? name : 'error'),
    };
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
