// Opens an MCP client connection over the SDK's transports, resuming a known session when asked.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { classifyError } from './classify';
import type { TransportKind, TransportSetting } from './types';

export const CLIENT_INFO = { name: 'archon-mcp-doctor', version: '0.1.0' };

export interface ResumeTarget {
  sessionId: string;
  protocolVersion?: string;
}

export interface OpenOptions {
  url: string;
  transport: TransportSetting;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Resume this session instead of initializing (Streamable HTTP only). */
  resume?: ResumeTarget;
  /** Called when the live connection reports trouble on its own (a server-push stream broke). */
  onStreamError?: (err: Error) => void;
}

export interface Connection {
  client: Client;
  kind: TransportKind;
  sessionId?: string;
  protocolVersion?: string;
  serverInfo?: { name: string; version: string };
  resumed: boolean;
  close(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(Object.assign(new Error(`No answer within ${ms} ms`), { name: 'TimeoutError' }));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function openWith(kind: TransportKind, opts: OpenOptions): Promise<Connection> {
  const url = new URL(opts.url);
  const requestInit = { headers: opts.headers };
  let transport: Transport;
  let streamable: StreamableHTTPClientTransport | undefined;
  if (kind === 'sse') {
    transport = new SSEClientTransport(url, { requestInit });
  } else {
    streamable = new StreamableHTTPClientTransport(url, { requestInit, sessionId: opts.resume?.sessionId });
    transport = streamable;
  }
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await client.close().catch(() => undefined);
  };
  client.onerror = (err) => {
    if (!closed) opts.onStreamError?.(err);
  };
  client.onclose = () => {
    if (!closed) opts.onStreamError?.(Object.assign(new Error('The connection closed'), { code: 'ECONNRESET' }));
  };
  try {
    await withTimeout(client.connect(transport, { timeout: opts.timeoutMs }), opts.timeoutMs, () => void close());
    if (opts.resume && streamable) {
      // Connect skipped initialize: nothing was exchanged yet, so prove the session with a ping.
      streamable.setProtocolVersion(opts.resume.protocolVersion ?? LATEST_PROTOCOL_VERSION);
      await client.ping({ timeout: opts.timeoutMs });
    }
  } catch (err) {
    await close();
    throw err;
  }
  const server = client.getServerVersion();
  return {
    client,
    kind,
    sessionId: streamable?.sessionId ?? (transport as { sessionId?: string }).sessionId,
    protocolVersion: streamable?.protocolVersion ?? opts.resume?.protocolVersion,
    serverInfo: server ? { name: server.name, version: server.version } : undefined,
    resumed: Boolean(opts.resume),
    close,
  };
}

/**
 * Opens a connection. `auto` tries Streamable HTTP first and falls back to the legacy HTTP+SSE
 * transport when the server rejects the POST the way pre-2025 servers do (a 4xx that is not
 * about a session).
 */
export async function openConnection(opts: OpenOptions): Promise<Connection> {
  if (opts.transport !== 'auto') return openWith(opts.transport, opts);
  try {
    return await openWith('streamable-http', opts);
  } catch (err) {
    const failure = classifyError(err, { holdingSession: Boolean(opts.resume) });
    const looksLegacy = failure.kind === 'protocol' && failure.httpStatus !== undefined && failure.httpStatus >= 400 && failure.httpStatus < 500;
    if (!looksLegacy || opts.resume) throw err;
    try {
      return await openWith('sse', { ...opts, resume: undefined });
    } catch {
      throw err;
    }
  }
}
