// Public types of the healing gateway. No VS Code imports.
import { SETTING_DEFAULTS } from '../defaults';

export interface GatewayLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface GatewayUpstream {
  /** Display name; also the source of the path slug when `slug` is not given. */
  name: string;
  /** The upstream Streamable HTTP endpoint, e.g. http://localhost:8051/mcp. */
  url: string;
  /** Path segment: the endpoint is /<slug>/mcp. Defaults to slugify(name). */
  slug?: string;
  /** Extra headers sent upstream. Values may be secret: never logged. */
  headers?: Record<string, string>;
}

export interface GatewayOptions {
  upstreams: GatewayUpstream[];
  /** Port on 127.0.0.1 (default 8052). 0 picks a free port. */
  port?: number;
  /** Directory for persisted client sessions (created 0700; file 0600). No persistence when absent. */
  stateDir?: string;
  /** How long a request is held while the upstream is unreachable or restarting (default 30 000). */
  holdTimeoutMs?: number;
  /** Largest accepted request body in bytes (default 4 MiB); larger → 413. */
  maxBodyBytes?: number;
  /** Persisted sessions unused for this long are dropped (default 7 days). */
  sessionTtlMs?: number;
  /** Sessions idle this long leave memory; they stay on disk and come back on their next request (default 30 min). */
  memoryIdleMs?: number;
  /** How often a deferred gateway checks whether the holder is still there (default 1 000). */
  deferPollMs?: number;
  /** When the port is held by something that is not ours: how many following ports to try (default 20). */
  portSearchRange?: number;
  logger?: GatewayLogger;
  /** A stored token for this upstream, e.g. "Bearer abc". Used when the client sends no Authorization. */
  getAuthorization?: (server: GatewayUpstream) => Promise<string | undefined> | string | undefined;
}

export type GatewayMode = 'serving' | 'deferred' | 'stopped';

export interface ConnectedClient {
  /** Shortened gateway session id (never the full id). */
  session: string;
  name?: string;
  version?: string;
  connectedAt: string;
  lastSeenAt: string;
}

export interface HealCounts {
  /** Upstream session lost: re-initialized and the request resent. */
  reinitialized: number;
  /** Upstream unreachable or restarting: held until it came back. */
  held: number;
  /** Died mid-call: a request that is safe to repeat was sent again. */
  resent: number;
}

export interface ServerGatewayStats {
  name: string;
  slug: string;
  upstreamUrl: string;
  /** The URL clients use (while deferred: the holder's). */
  url: string;
  clients: ConnectedClient[];
  requestsForwarded: number;
  healed: HealCounts;
  errorsReturned: number;
  /** Requests healed today (local date), any kind. */
  healedToday: number;
  /** Last few heal or error events for display. */
  lastEvent?: GatewayEvent;
}

export interface GatewayStats {
  mode: GatewayMode;
  port: number;
  /** Set when the configured port was busy with something else and we moved. */
  movedFromPort?: number;
  /** While deferred: the base URL of the gateway that holds the port. */
  holderUrl?: string;
  servers: ServerGatewayStats[];
}

export const GATEWAY_EVENT_KINDS = [
  'listening',
  'deferred',
  'takeover',
  'port-moved',
  'client-connected',
  'client-closed',
  'session-restored',
  'reinitialized',
  'held',
  'resent',
  'error-returned',
  'upstream-restarting',
  'stopped',
] as const;
export type GatewayEventKind = (typeof GATEWAY_EVENT_KINDS)[number];

export interface GatewayEvent {
  at: string;
  event: GatewayEventKind;
  server?: string;
  /** Shortened session id. */
  session?: string;
  message: string;
  url?: string;
}

export interface Gateway {
  readonly mode: GatewayMode;
  /** Base URL of the gateway that serves (ours or the holder's), e.g. http://127.0.0.1:8052. */
  readonly baseUrl: string;
  /** Endpoint per upstream slug. */
  urls(): Record<string, string>;
  url(slugOrName?: string): string;
  stats(): GatewayStats;
  /** Fires on any change (coalesced) — renderers re-read stats(). */
  onChange(listener: (stats: GatewayStats) => void): () => void;
  /** Fires for each notable event (heals, errors, mode changes). */
  onEvent(listener: (event: GatewayEvent) => void): () => void;
  /** A Docker restart signal: hold requests to this server instead of failing them. */
  notifyUpstreamRestarting(serverSlug: string, forMs?: number): void;
  stop(): Promise<void>;
}

export const DEFAULTS = {
  port: SETTING_DEFAULTS['gateway.port'],
  holdTimeoutMs: SETTING_DEFAULTS['gateway.holdTimeoutSeconds'] * 1000,
  maxBodyBytes: 4 * 1024 * 1024,
  sessionTtlMs: 7 * 24 * 3600_000,
  deferPollMs: 1_000,
  portSearchRange: 20,
} as const;

export const HEALTH_PATH = '/.well-known/archon-mcp-doctor';
export const SERVICE_ID = 'archon-mcp-doctor-gateway';

export function slugify(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return s || 'server';
}
