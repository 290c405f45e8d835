// Public types of the healing gateway. No VS Code imports.
import type { FailureReason, RepeatRules, ToolVerdictRow } from '../healing';
import type { LossCause, ProtocolEra, RequestHealKind } from '../server-state';
import type { IncidentObserver, IncidentRecord } from '../incidents';
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
  /**
   * The upstream as users know it, when the gateway reaches it by another address (in Docker:
   * http://archon-mcp:8051/mcp on Archon's network for the user's http://localhost:8051/mcp).
   * The status endpoint reports this one, so other gateways can tell whether it serves their upstream.
   */
  publicUrl?: string;
  /** The user's word on which tools may run twice after a crash (globs; `neverRepeat` wins). */
  repeat?: RepeatRules;
}

/** Where a gateway runs, as its status endpoint reports it. */
export const GATEWAY_RUNTIMES = ['docker', 'process', 'vscode'] as const;
export type GatewayRuntime = (typeof GATEWAY_RUNTIMES)[number];

export interface GatewayOptions {
  upstreams: GatewayUpstream[];
  /** Port on 127.0.0.1 and ::1 (default 18051). 0 picks a free port. Held by another program → GatewayPortTaken. */
  port?: number;
  /**
   * An explicit address to listen on, and only there (inside a container: 0.0.0.0, so that Docker can
   * publish the port). Host/Origin checks still accept only local names. Default: loopback.
   */
  host?: string;
  /**
   * The base URL clients use, when it is not where the gateway listens (in Docker: the published
   * http://127.0.0.1:<port>). Used for the endpoint URLs and reported by the status endpoint.
   */
  publicUrl?: string;
  /** Where this gateway runs, for the status endpoint (default "process"). */
  runsIn?: GatewayRuntime;
  /** Directory for persisted client sessions (created 0700; file 0600). No persistence when absent. */
  stateDir?: string;
  /** How long a request is held while the upstream is unreachable or restarting (default 30 000). */
  holdTimeoutMs?: number;
  /**
   * How long an answer may take once a request was sent upstream (default 120 000), however much the
   * server streams meanwhile; then the client gets an error and the request is cancelled upstream.
   */
  responseTimeoutMs?: number;
  /** Largest accepted request body in bytes (default 4 MiB); larger → 413. */
  maxBodyBytes?: number;
  /**
   * Answer established 2026-07-28 requests on the Node response directly (default true). False sends
   * every one through the SDK's per-request handler: slower, for comparing the two (tests, benchmarks).
   */
  modernFastPath?: boolean;
  /** Persisted sessions unused for this long are dropped (default 7 days). */
  sessionTtlMs?: number;
  /** Sessions idle this long leave memory; they stay on disk and come back on their next request (default 30 min). */
  memoryIdleMs?: number;
  /** How often a deferred gateway checks whether the holder is still there (default 1 000). */
  deferPollMs?: number;
  /**
   * How long a holder that runs in Docker may be gone before a deferred gateway takes its port
   * (default 10 000): a container that restarts comes back on it within seconds.
   */
  dockerHolderGraceMs?: number;
  /** When the port is held by something that is not ours: how many following ports to try (default 20). */
  portSearchRange?: number;
  logger?: GatewayLogger;
  /** Attached before the gateway starts, so events of the start itself (a damaged session store) reach it too. */
  onEvent?: (event: GatewayEvent) => void;
  /**
   * Who this gateway is in the incident journal (default: from runsIn — docker → sidecar, vscode →
   * window, process → proxy). The journal is kept in stateDir.
   */
  incidentObserver?: IncidentObserver;
  /** A stored token for this upstream, e.g. "Bearer abc". Used when the client sends no Authorization. */
  getAuthorization?: (server: GatewayUpstream) => Promise<string | undefined> | string | undefined;
}

export type GatewayMode = 'serving' | 'deferred' | 'stopped';

export interface ConnectedClient {
  /**
   * The protocol era the client speaks: `2025` (a gateway session), or `2026-07-28` (no session: one
   * entry per client name and version seen in the last few minutes, from the request's `_meta`).
   */
  era: ProtocolEra;
  /** Shortened gateway session id (never the full id); absent for a 2026-07-28 client, which has none. */
  session?: string;
  name?: string;
  version?: string;
  /** When the session was made (2025), or when this client was first seen in the window (2026-07-28). */
  connectedAt: string;
  lastSeenAt: string;
}

/** Requests healed, by how (see HEAL_KINDS): re-initialized, held until the server was back, resent. */
export type HealCounts = Record<RequestHealKind, number>;

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
  /** Which of the server's tools are sent again when it dies mid-call, and why. */
  repeat: RepeatReport;
}

/** The repeat policy as it stands for one server: each tool seen in a tools/list, with its verdict. */
export interface RepeatReport {
  /** The known server it was recognized as ("Archon"), by its serverInfo.name and tools. */
  knownServer?: string;
  tools: ToolVerdictRow[];
}

export interface GatewayStats {
  mode: GatewayMode;
  port: number;
  /** While deferred: the base URL of the gateway that holds the port. */
  holderUrl?: string;
  /** While deferred: what the holder's status endpoint last said. */
  holder?: HolderStatus;
  /** While deferred: why the holder does not serve our upstreams as configured (empty when it does). */
  holderMismatch?: string[];
  servers: ServerGatewayStats[];
}

/** One endpoint in the status endpoint's answer. No secrets: upstream URLs have credentials removed. */
export interface GatewayStatusServer {
  slug: string;
  name: string;
  url: string;
  /** The upstream as users know it (publicUrl, else url), credentials removed. */
  upstream: string;
  clients: number;
  requestsForwarded: number;
  healed: HealCounts;
  errorsReturned: number;
  repeat?: RepeatReport;
}

/** Another gateway's status as read from its endpoint; fields older gateways do not report may be missing. */
export type HolderStatus = Pick<GatewayStatus, 'service' | 'pid' | 'baseUrl'> &
  Partial<Omit<GatewayStatus, 'service' | 'pid' | 'baseUrl' | 'servers'>> & {
    servers: (Pick<GatewayStatusServer, 'slug' | 'url'> & Partial<GatewayStatusServer>)[];
  };

/** The answer of GET /.well-known/archon-mcp-doctor (loopback only). */
export interface GatewayStatus {
  service: string;
  pid: number;
  /** The base URL clients use (host side for a gateway in a container). */
  baseUrl: string;
  runsIn: GatewayRuntime;
  startedAt: string;
  uptimeSeconds: number;
  servers: GatewayStatusServer[];
  /** With `?incidents`: the incidents this gateway recorded (its journal's last 100), oldest first. Absent from older gateways. */
  incidents?: IncidentRecord[];
}

export const GATEWAY_EVENT_KINDS = [
  'listening',
  'deferred',
  'takeover',
  'holder-mismatch',
  'client-connected',
  'client-closed',
  'session-restored',
  'reinitialized',
  'held',
  'resent',
  'error-returned',
  'upstream-restarting',
  /** The upstream stopped answering (refused, reset, or a 502/503/504): once per outage. */
  'upstream-down',
  /** The upstream no longer knew a session of ours (it was restarted), whichever request found out. */
  'upstream-session-lost',
  /** The saved sessions: a damaged file set aside, invalid entries dropped, or saving failed. */
  'session-store',
  /** The incident journal: a damaged file set aside, invalid records dropped, or saving failed. */
  'incident-journal',
  'stopped',
] as const;
export type GatewayEventKind = (typeof GATEWAY_EVENT_KINDS)[number];

/** `error.data.reason` of a JSON-RPC error the gateway answers with (the forwarding policy's vocabulary). */
export type GatewayErrorReason = FailureReason;

export interface GatewayEvent {
  at: string;
  event: GatewayEventKind;
  server?: string;
  /** Shortened session id. */
  session?: string;
  message: string;
  url?: string;
  /** `error-returned`: why (the `error.data.reason` the client got). */
  reason?: GatewayErrorReason;
  /** Heals and `error-returned`: how long the call took, holds included (ms). */
  durationMs?: number;
  /** `upstream-restarting`, when Docker told why: the container's loss cause. */
  cause?: LossCause;
  /** Heals: the upstream had lost the session on the way (it was restarted), whatever else was healed. */
  sessionLost?: boolean;
}

/** A served server's counters at one moment (what "Rehearse a Restart" compares before and after). */
export interface GatewayCounters {
  requestsForwarded: number;
  errorsReturned: number;
  healed: HealCounts;
}

export interface Gateway {
  readonly mode: GatewayMode;
  /** Base URL of the gateway that serves (ours or the holder's), e.g. http://127.0.0.1:18051. */
  readonly baseUrl: string;
  /** Endpoint per upstream slug. */
  urls(): Record<string, string>;
  url(slugOrName?: string): string;
  stats(): GatewayStats;
  /** Fires on any change (coalesced) — renderers re-read stats(). */
  onChange(listener: (stats: GatewayStats) => void): () => void;
  /** Fires for each notable event (heals, errors, mode changes). */
  onEvent(listener: (event: GatewayEvent) => void): () => void;
  /** A Docker restart signal: hold requests to this server instead of failing them. `cause`: why, when Docker said. */
  notifyUpstreamRestarting(serverSlug: string, forMs?: number, cause?: LossCause): void;
  /** The incidents this gateway recorded (and those its journal kept from earlier runs), oldest first. */
  incidents(): IncidentRecord[];
  /**
   * Serves these upstreams from now on, without a restart: endpoints whose upstream is unchanged keep their
   * clients' sessions; a dropped or changed one takes no new requests and closes once its requests in flight
   * are answered (a few seconds at most).
   */
  setUpstreams(upstreams: GatewayUpstream[]): Promise<void>;
  stop(): Promise<void>;
}

export const DEFAULTS = {
  /** Not one of Archon's ports (3737, 8051, 8052, 8181). */
  port: SETTING_DEFAULTS['gateway.port'],
  holdTimeoutMs: SETTING_DEFAULTS['gateway.holdTimeoutSeconds'] * 1000,
  responseTimeoutMs: SETTING_DEFAULTS['gateway.responseTimeoutSeconds'] * 1000,
  maxBodyBytes: 4 * 1024 * 1024,
  sessionTtlMs: 7 * 24 * 3600_000,
  deferPollMs: 1_000,
  dockerHolderGraceMs: 10_000,
} as const;

export const HEALTH_PATH = '/.well-known/archon-mcp-doctor';
export const SERVICE_ID = 'archon-mcp-doctor-gateway';

export function slugify(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s || 'server';
}
