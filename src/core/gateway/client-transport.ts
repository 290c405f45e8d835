// The client side of a gateway session: any SDK server Transport. HTTP is the gateway's own; stdio is
// the `stdio` bridge's. The session talks to the client only through the Transport interface.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type {
  JSONRPCMessage,
  MessageExtraInfo,
  RequestId,
  Transport,
  TransportSendOptions,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { PRODUCT_VERSION } from '../version';
import { LATEST_PROTOCOL_VERSION, isJSONRPCRequest, serverSdk } from './spec';

/** What the session offers its transport: the client initialized (with this id), or ended the session. */
export interface ClientTransportHooks {
  initialized(sessionId: string): void;
  closedByClient(): void;
}

export type ClientTransportFactory = (
  hooks: ClientTransportHooks,
  opts: { restoredId?: string; maxBodyBytes: number },
) => Transport;

/** Who speaks in the initialize that re-opens a persisted session inside the gateway (never sent upstream). */
const RESTORE_PEER = { name: 'archon-mcp-doctor-session-restore', version: PRODUCT_VERSION };

/**
 * Streamable HTTP towards the client: the v2 SDK's web-standard transport behind a Node adapter
 * (@hono/node-server, as the SDK's own NodeStreamableHTTPServerTransport does it), both from serverSdk(). The SDK mints the
 * session id on initialize; a persisted id is re-opened with restore().
 */
export class HttpClientTransport implements Transport {
  private readonly web: WebStandardStreamableHTTPServerTransport;
  /** Bodies the session already read and parsed, by request, for the one listener below (whose requests may be HTTP/2's type). */
  private readonly parsedBodies = new WeakMap<IncomingMessage | Http2ServerRequest, unknown>();
  /** Node request → web Request → the SDK transport; made once (the hot path runs it per request). */
  private readonly listener = serverSdk().getRequestListener(
    (request, env) => this.web.handleRequest(request, { parsedBody: this.parsedBodies.get(env.incoming) }),
    { overrideGlobalObjects: false },
  );
  /** While restore() runs: the SDK's initialize bookkeeping is ours, not the client's. */
  private restoring = false;

  constructor(hooks: ClientTransportHooks, opts: { restoredId?: string; maxBodyBytes: number }) {
    this.web = new (serverSdk().WebStandardStreamableHTTPServerTransport)({
      sessionIdGenerator: () => opts.restoredId ?? randomUUID(),
      onsessioninitialized: (sid) => {
        if (!this.restoring) hooks.initialized(sid);
      },
      onsessionclosed: () => hooks.closedByClient(),
      maxRequestBodySize: opts.maxBodyBytes,
    });
  }

  get sessionId(): string | undefined {
    return this.web.sessionId;
  }
  set onmessage(handler: ((message: JSONRPCMessage, extra?: MessageExtraInfo) => void) | undefined) {
    this.web.onmessage = handler;
  }
  get onmessage(): ((message: JSONRPCMessage, extra?: MessageExtraInfo) => void) | undefined {
    return this.web.onmessage;
  }
  set onerror(handler: ((error: Error) => void) | undefined) {
    this.web.onerror = handler;
  }
  get onerror(): ((error: Error) => void) | undefined {
    return this.web.onerror;
  }
  set onclose(handler: (() => void) | undefined) {
    this.web.onclose = handler;
  }
  get onclose(): (() => void) | undefined {
    return this.web.onclose;
  }

  start(): Promise<void> {
    return this.web.start();
  }
  close(): Promise<void> {
    return this.web.close();
  }
  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.web.send(message, options);
  }

  /** One HTTP request of the client's; `parsedBody` when the caller read the body already. */
  async handleRequest(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown): Promise<void> {
    if (parsedBody !== undefined) this.parsedBodies.set(req, parsedBody);
    await this.listener(req, res);
  }

  /**
   * Re-opens a persisted session id. The v2 SDK has no option for it (docs/sdk-v2-gaps.md), so this goes
   * through public API only: one initialize handed to the transport in memory, answered here, never
   * forwarded. The session id generator returns `id`. True when the transport now serves `id`.
   */
  async restore(id: string): Promise<boolean> {
    const deliver = this.web.onmessage;
    this.restoring = true;
    let answered: RequestId | undefined;
    this.web.onmessage = (message) => {
      if (!isJSONRPCRequest(message)) return;
      answered = message.id;
      const result = { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, serverInfo: RESTORE_PEER };
      this.web.send({ jsonrpc: '2.0', id: message.id, result }).catch(() => undefined);
    };
    try {
      const initialize = {
        jsonrpc: '2.0',
        id: `archon-restore-${randomUUID()}`,
        method: 'initialize',
        params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: RESTORE_PEER },
      };
      const request = new Request('http://127.0.0.1/mcp', {
        method: 'POST',
        headers: { accept: 'application/json, text/event-stream', 'content-type': 'application/json' },
      });
      const response = await this.web.handleRequest(request, { parsedBody: initialize });
      await response.text().catch(() => '');
      return response.ok && answered === initialize.id && this.web.sessionId === id;
    } catch {
      return false;
    } finally {
      this.web.onmessage = deliver;
      this.restoring = false;
    }
  }
}

/** Streamable HTTP: the SDK transport mints the id on initialize; a restored id is re-opened by restore(). */
export const httpClientTransport: ClientTransportFactory = (hooks, opts) => new HttpClientTransport(hooks, opts);

/**
 * Re-opens a persisted id on an HTTP transport. False when the SDK would not take it (the caller says
 * so; clients must then reconnect).
 */
export async function restoreHttpSession(transport: Transport, id: string): Promise<boolean> {
  if (!(transport instanceof HttpClientTransport)) return true; // nothing to restore on other transports
  return transport.restore(id);
}
