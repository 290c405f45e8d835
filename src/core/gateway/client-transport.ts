// The client side of a gateway session: any SDK server Transport. HTTP is the gateway's own; stdio is
// the `stdio` bridge's. The session talks to the client only through the Transport interface.
import { randomUUID } from 'node:crypto';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { Transport } from '@modelcontextprotocol/server';

/** What the session offers its transport: the client initialized (with this id), or ended the session. */
export interface ClientTransportHooks {
  initialized(sessionId: string): void;
  closedByClient(): void;
}

export type ClientTransportFactory = (hooks: ClientTransportHooks, opts: { restoredId?: string; maxBodyBytes: number }) => Transport;

type WebTransportInternals = { _initialized: boolean; sessionId?: string };

/** Streamable HTTP: the SDK transport mints the id on initialize; a restored id is taken as initialized. */
export const httpClientTransport: ClientTransportFactory = (hooks, { restoredId, maxBodyBytes }) => {
  const transport = new NodeStreamableHTTPServerTransport({
    sessionIdGenerator: () => restoredId ?? randomUUID(),
    onsessioninitialized: (sid) => hooks.initialized(sid),
    onsessionclosed: () => hooks.closedByClient(),
    maxRequestBodySize: maxBodyBytes,
  });
  return transport;
};

/**
 * Marks an HTTP transport as already initialized with a persisted id. False when this SDK version's
 * internals differ (the caller says so; clients must then reconnect).
 */
export function restoreHttpSession(transport: Transport, id: string): boolean {
  if (!(transport instanceof NodeStreamableHTTPServerTransport)) return true; // nothing to restore on other transports
  // SDK 1.32 internals: the Node transport wraps a web-standard one that holds the session state.
  const web = (transport as unknown as { _webStandardTransport?: WebTransportInternals })._webStandardTransport;
  if (!web || typeof web._initialized !== 'boolean') return false;
  web.sessionId = id;
  web._initialized = true;
  return true;
}
