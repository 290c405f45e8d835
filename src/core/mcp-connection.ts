// Opens an MCP client connection with the v2 SDK: negotiates the protocol era (2025 or 2026-07-28),
// resumes a known 2025 session when asked, and offers one liveness probe for either era.
import {
  Client,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type DiscoverResult,
  type McpSubscription,
  type Transport,
} from '@modelcontextprotocol/client';
import { classifyError } from './classify';
import type { ProtocolEra, TransportKind, TransportSetting } from './server-state';
import { PRODUCT_VERSION } from './version';

export const CLIENT_INFO = { name: 'archon-mcp-doctor', version: PRODUCT_VERSION };

export interface ResumeTarget {
  sessionId: string;
  protocolVersion?: string;
}

export interface OpenOptions {
  url: string;
  transport: TransportSetting;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Resume this 2025 session instead of initializing (Streamable HTTP only). */
  resume?: ResumeTarget;
  /**
   * The era this server negotiated last time. `2025` skips the `server/discover` probe (Archon
   * answers it with a 400 every time); a server that has moved on answers -32022 and the caller
   * negotiates again without it.
   */
  knownEra?: ProtocolEra;
  /** Called when the live connection reports trouble on its own (a server-push stream broke). */
  onStreamError?: (err: Error) => void;
}

/** What a successful liveness probe learned. */
export interface ProbeResult {
  /** Set when the server's `server/discover` answer differs from the one at connect (2026-07-28 only). */
  discoverChanged?: string;
}

export interface Connection {
  client: Client;
  kind: TransportKind;
  era: ProtocolEra;
  sessionId?: string;
  protocolVersion?: string;
  serverInfo?: { name: string; version: string };
  /** The `server/discover` answer at connect (2026-07-28 only): a restart may change it. */
  discover?: DiscoverResult;
  resumed: boolean;
  /** Proves the server is alive: `ping` on 2025, `server/discover` on 2026-07-28 (which has no ping). */
  probe(timeoutMs: number): Promise<ProbeResult>;
  close(): Promise<void>;
}

export const MODERN_ERA: ProtocolEra = '2026-07-28';

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

/**
 * The parts of a discover answer that identify the server build: a restarted server with a new
 * version or other capabilities answers differently. Cache hints (`ttlMs`) are left out.
 */
function discoverIdentity(d: DiscoverResult | undefined): Record<string, string> {
  if (!d) return {};
  const info = d._meta?.['io.modelcontextprotocol/serverInfo'];
  return {
    server: info ? `${String(info.name)} ${String(info.version)}` : 'anonymous',
    versions: JSON.stringify(d.supportedVersions ?? []),
    capabilities: JSON.stringify(d.capabilities ?? {}),
    instructions: d.instructions ?? '',
  };
}

/** One sentence naming what changed between two discover answers, or undefined when nothing did. */
export function describeDiscoverChange(
  before: DiscoverResult | undefined,
  after: DiscoverResult | undefined,
): string | undefined {
  const a = discoverIdentity(before);
  const b = discoverIdentity(after);
  const changed = Object.keys({ ...a, ...b }).filter((k) => a[k] !== b[k]);
  if (changed.length === 0) return undefined;
  if (changed.includes('server')) return `server/discover names ${b.server}, it named ${a.server}`;
  return `server/discover answers differently (${changed.join(', ')} changed)`;
}

/**
 * How long one `subscriptions/listen` stream is held before a new one replaces it. A server that waits
 * for open connections before it exits (uvicorn under mcp 2.3.0: its listen streams never end on
 * SIGTERM) is then held at most this long by us, instead of until it is killed; the new stream is
 * opened before the old one closes, so no moment goes unwatched. Measured: mcp 2.3.0 watched by the
 * monitor never left on SIGTERM (5 of 5, SIGKILLed after 5 s); with this it leaves within this time.
 */
export const LISTEN_RENEW_MS = 3_000;

/**
 * 2026-07-28 has no GET stream; a `subscriptions/listen` stream is its long-lived connection, and it
 * breaks the moment the server goes away: the same early restart signal the GET stream gives on 2025.
 * A server that offers nothing to listen to (or refuses) is simply probed on the interval. Returns
 * what stops the watch (the connection's close), or undefined when nothing is watched.
 */
async function watchListenStream(
  client: Client,
  opts: OpenOptions,
  closedLocally: () => boolean,
): Promise<(() => void) | undefined> {
  const caps = client.getServerCapabilities();
  const filter = {
    ...(caps?.tools?.listChanged ? { toolsListChanged: true } : {}),
    ...(caps?.prompts?.listChanged ? { promptsListChanged: true } : {}),
    ...(caps?.resources?.listChanged ? { resourcesListChanged: true } : {}),
  };
  if (Object.keys(filter).length === 0) return undefined;
  const report = (err: Error) => {
    if (!closedLocally()) opts.onStreamError?.(err);
  };
  const listen = async (): Promise<McpSubscription> => {
    const subscription = await client.listen(filter, { timeout: opts.timeoutMs });
    void subscription.closed.then((how) => {
      if (how !== 'local')
        report(Object.assign(new Error(`The subscriptions/listen stream ended (${how})`), { code: 'ECONNRESET' }));
    });
    return subscription;
  };
  let current: McpSubscription | undefined;
  try {
    current = await listen();
  } catch {
    // Listening is an optimisation: the interval probe still sees every restart.
    return undefined;
  }
  // Closing a subscription posts `notifications/cancelled`: never awaited, so that a frozen server
  // cannot hold a renewal or the connection's close (closing the client aborts that post).
  const letGo = (s: McpSubscription | undefined) => void s?.close().catch(() => undefined);
  let renewing = false;
  const renew = async () => {
    if (renewing) return;
    renewing = true;
    const old = current;
    try {
      current = await listen();
    } catch (err) {
      // A server on its way out refuses new connections while it waits for the old ones: let go of
      // ours so that it can leave, and say so (the monitor checks at once).
      current = undefined;
      report(err instanceof Error ? err : new Error(String(err)));
    } finally {
      renewing = false;
    }
    letGo(old);
    if (closedLocally()) letGo(current);
  };
  const timer = setInterval(() => void renew(), LISTEN_RENEW_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    letGo(current);
  };
}

async function openWith(kind: TransportKind, opts: OpenOptions): Promise<Connection> {
  const url = new URL(opts.url);
  const requestInit = { headers: opts.headers };
  let transport: Transport;
  let streamable: StreamableHTTPClientTransport | undefined;
  if (kind === 'sse') {
    transport = new SSEClientTransport(url, { requestInit });
  } else {
    // v2's supported resume: a transport built with the session id and its protocol version makes
    // connect() skip the handshake (StreamableHTTPClientTransportOptions.sessionId/protocolVersion).
    streamable = new StreamableHTTPClientTransport(url, {
      requestInit,
      sessionId: opts.resume?.sessionId,
      protocolVersion: opts.resume?.protocolVersion,
    });
    transport = streamable;
  }
  // HTTP+SSE is a 2025-only transport: nothing to negotiate there.
  const negotiate = kind === 'streamable-http' && !opts.resume;
  const client = new Client(CLIENT_INFO, {
    capabilities: {},
    versionNegotiation: { mode: negotiate ? 'auto' : 'legacy' },
  });
  let closed = false;
  let stopListening: (() => void) | undefined;
  const close = async () => {
    if (closed) return;
    closed = true;
    stopListening?.();
    await client.close().catch(() => undefined);
  };
  client.onerror = (err) => {
    if (!closed) opts.onStreamError?.(err);
  };
  client.onclose = () => {
    if (!closed) opts.onStreamError?.(Object.assign(new Error('The connection closed'), { code: 'ECONNRESET' }));
  };
  const prior = negotiate && opts.knownEra === '2025' ? { kind: 'legacy' as const } : undefined;
  try {
    await withTimeout(
      client.connect(transport, { timeout: opts.timeoutMs, prior }),
      opts.timeoutMs,
      () => void close(),
    );
    // Connect skipped initialize: nothing was exchanged yet, so prove the session with a ping.
    if (opts.resume) await client.ping({ timeout: opts.timeoutMs });
  } catch (err) {
    await close();
    throw err;
  }
  // Only a negotiated modern connection reports 'modern'; a resumed session is a 2025 one.
  const era: ProtocolEra = client.getProtocolEra() === 'modern' ? MODERN_ERA : '2025';
  const connectDiscover = client.getDiscoverResult();
  if (era === MODERN_ERA) stopListening = await watchListenStream(client, opts, () => closed);
  const server = client.getServerVersion();
  return {
    client,
    kind,
    era,
    sessionId: streamable?.sessionId ?? transport.sessionId,
    protocolVersion:
      client.getNegotiatedProtocolVersion() ?? streamable?.protocolVersion ?? opts.resume?.protocolVersion,
    serverInfo: server ? { name: server.name, version: server.version } : undefined,
    discover: connectDiscover,
    resumed: Boolean(opts.resume),
    async probe(timeoutMs: number): Promise<ProbeResult> {
      if (era === '2025') {
        await client.ping({ timeout: timeoutMs });
        return {};
      }
      const now = await client.discover({ timeout: timeoutMs });
      return { discoverChanged: describeDiscoverChange(connectDiscover, now) };
    },
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
    const looksLegacy =
      (failure.kind === 'protocol' || failure.kind === 'unknown-method') &&
      failure.httpStatus !== undefined &&
      failure.httpStatus >= 400 &&
      failure.httpStatus < 500;
    if (!looksLegacy || opts.resume) throw err;
    try {
      return await openWith('sse', { ...opts, resume: undefined });
    } catch {
      throw err;
    }
  }
}
