// Binding the gateway's port on both loopbacks, recognising another of our gateways on it.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { errnoCode, isRecord } from '../narrow';
import { HEALTH_PATH, SERVICE_ID, type HolderStatus } from './gateway-api';

export const LOOPBACK = '127.0.0.1';
/** `localhost` resolves to ::1 first on many systems: the gateway answers there too. */
export const LOOPBACK_V6 = '::1';

/** The configured port is held by a program that is not one of our gateways. */
export class GatewayPortTaken extends Error {
  readonly code = 'EADDRINUSE';
  constructor(readonly port: number) {
    super(`port ${port} (${LOOPBACK} / ${LOOPBACK_V6}) is taken by another program (not an Archon MCP Doctor gateway)`);
    this.name = 'GatewayPortTaken';
  }
}

/** The gateway's listening sockets: one port, on 127.0.0.1 and (where the system has IPv6) on ::1. */
export interface LoopbackListener {
  readonly port: number;
  /** Stops taking connections; when `drain` is given, cuts the open ones only once it settles. */
  close(drain?: () => Promise<unknown>): Promise<void>;
}

function listenOne(port: number, host: string, handler: RequestListener): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.keepAliveTimeout = 5_000;
    server.headersTimeout = 10_000;
    server.on('clientError', answerClientError);
    const onError = (err: Error): void => {
      server.close();
      reject(err);
    };
    server.once('error', onError);
    server.listen({ port, host, exclusive: true, ipv6Only: host === LOOPBACK_V6 }, () => {
      server.off('error', onError);
      server.on('error', () => undefined);
      resolve(server);
    });
  });
}

/** A request node could not parse (bad header line, NUL, headers too large): answer, then close. */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const [status, reason, why] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'the request headers are larger than the gateway accepts']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'HPE_HEADERS_TIMEOUT'
        ? [408, 'Request Timeout', 'the request did not arrive in time']
        : [400, 'Bad Request', `the request is not valid HTTP (${err.code ?? err.message})`];
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32600, message: `Bad request: ${why}` }, id: null });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The port a listening server is bound to (a TCP listener's address is never a pipe's name). */
function boundPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error(`the gateway is not listening on a TCP port (${address})`);
  return address.port;
}

async function closeServers(servers: Server[], drain?: () => Promise<unknown>): Promise<void> {
  const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
  for (const server of servers) server.closeIdleConnections();
  if (drain) await drain();
  for (const server of servers) server.closeAllConnections();
  await Promise.all(closed);
}

/** No IPv6 loopback on this system: 127.0.0.1 alone is all there is. */
function noIpv6(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'EINVAL';
}

/**
 * Listens on 127.0.0.1:port and [::1]:port (or on `host` alone when given); rejects with the listen error (EADDRINUSE…) when
 * either loopback's port is held. Port 0 picks a port free on both.
 */
export async function listenLoopback(port: number, handler: RequestListener, host?: string): Promise<LoopbackListener> {
  if (host !== undefined) {
    // An explicit address (inside a container: its own interface, so Docker can publish the port).
    const only = await listenOne(port, host, handler);
    return { port: boundPort(only), close: (drain) => closeServers([only], drain) };
  }
  for (let attempt = 0; ; attempt++) {
    const v4 = await listenOne(port, LOOPBACK, handler);
    const bound = boundPort(v4);
    let v6: Server | undefined;
    try {
      v6 = await listenOne(bound, LOOPBACK_V6, handler);
    } catch (err) {
      if (!noIpv6(err)) {
        await closeServers([v4]);
        // A picked port that happens to be taken on ::1 only: pick again.
        if (port === 0 && isAddrInUse(err) && attempt < 5) continue;
        throw err;
      }
    }
    const servers = v6 ? [v4, v6] : [v4];
    return { port: bound, close: (drain) => closeServers(servers, drain) };
  }
}

export type HolderInfo = HolderStatus;

/** Asks whatever listens on the port whether it is one of our gateways. */
export async function probeHolder(port: number, timeoutMs = 1000): Promise<HolderInfo | undefined> {
  // A timer that holds the process open (AbortSignal.timeout's does not): `docker-gateway up` waits on
  // this probe alone while Docker's port proxy has taken the connection and the gateway inside has not
  // answered yet, and with nothing else pending Node would exit mid-await, silently, with code 0.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const res = await fetch(`http://${LOOPBACK}:${port}${HEALTH_PATH}`, { signal: abort.signal });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    const body: unknown = await res.json();
    return isHolderStatus(body) ? body : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** One of our gateways' status answers, recognised by its service id, its base URL and its list of servers. */
function isHolderStatus(body: unknown): body is HolderInfo {
  return (
    isRecord(body) && body.service === SERVICE_ID && typeof body.baseUrl === 'string' && Array.isArray(body.servers)
  );
}

export function isAddrInUse(err: unknown): boolean {
  return errnoCode(err) === 'EADDRINUSE';
}
