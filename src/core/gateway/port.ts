// Binding the gateway's port on loopback, recognising another of our gateways on it.
import { createServer, type RequestListener, type Server } from 'node:http';
import { HEALTH_PATH, SERVICE_ID, type HolderStatus } from './types';

export const LOOPBACK = '127.0.0.1';

/** Listens on host:port (default loopback); resolves with the server, or rejects with the listen error (EADDRINUSE…). */
export function listenLoopback(port: number, handler: RequestListener, host: string = LOOPBACK): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.keepAliveTimeout = 5_000;
    server.headersTimeout = 10_000;
    server.on('clientError', (_err, socket) => socket.destroy());
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
