// Binding the gateway's port on loopback, recognising another of our gateways on it.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { HEALTH_PATH, SERVICE_ID, type HolderStatus } from './types';

export const LOOPBACK = '127.0.0.1';

/** Listens on host:port (default loopback); resolves with the server, or rejects with the listen error (EADDRINUSE…). */
export function listenLoopback(port: number, handler: RequestListener, host: string = LOOPBACK): Promise<Server> {
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
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', onError);
      server.on('error', () => undefined);
      resolve(server);
    });
  });
}

/** A request node could not parse (bad header line, NUL, headers too large): answer, then close. */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const [status, reason, why] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'Request Header Fields Too Large', 'the request headers are larger than the gateway accepts']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'HPE_HEADERS_TIMEOUT'
      ? [408, 'Request Timeout', 'the request did not arrive in time']
      : [400, 'Bad Request', `the request is not valid HTTP (${err.code ?? err.message})`];
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32600, message: `Bad request: ${why}` }, id: null });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export type HolderInfo = HolderStatus;

/** Asks whatever listens on the port whether it is one of our gateways. */
export async function probeHolder(port: number, timeoutMs = 1000): Promise<HolderInfo | undefined> {
  try {
    const res = await fetch(`http://${LOOPBACK}:${port}${HEALTH_PATH}`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    const body = (await res.json()) as Partial<HolderInfo>;
    return body.service === SERVICE_ID && typeof body.baseUrl === 'string' && Array.isArray(body.servers) ? (body as HolderInfo) : undefined;
  } catch {
    return undefined;
  }
}

export function isAddrInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'EADDRINUSE';
}
