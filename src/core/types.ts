// The state model shared by every renderer (status bar, tree, report, CLI). No VS Code imports.

export const SERVER_STATES = [
  'connecting',
  'healthy',
  'degraded',
  'session-lost',
  'healing',
  'unreachable',
  'needs-attention',
] as const;
export type ServerState = (typeof SERVER_STATES)[number];

/**
 * How one failed exchange with a server is classified. `era-mismatch`: the server does not speak the
 * protocol revision we used (-32022), negotiate again; `unknown-method`: the server has no such
 * method (404 with -32601), which says nothing about sessions.
 */
export const FAILURE_KINDS = [
  'session-lost', 'unreachable', 'timeout', 'server-error', 'auth', 'era-mismatch', 'unknown-method', 'protocol',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** Why a session was lost (the root cause), as diagnosed from the evidence at hand. */
export const LOSS_CAUSES = [
  'oom-kill',
  'crash',
  'docker-restart',
  'stopped',
  'unhealthy-restart',
  'process-restart',
  'network',
  'unknown',
] as const;
export type LossCause = (typeof LOSS_CAUSES)[number];

/**
 * The MCP protocol era a connection negotiated: `2025` (initialize, protocol sessions, ping) or
 * `2026-07-28` (no sessions: `server/discover` and a `_meta` envelope on every request).
 */
export const PROTOCOL_ERAS = ['2025', '2026-07-28'] as const;
export type ProtocolEra = (typeof PROTOCOL_ERAS)[number];

export type TransportKind = 'streamable-http' | 'sse';
export type TransportSetting = 'auto' | TransportKind;

export interface ServerConfig {
  name: string;
  url: string;
  transport: TransportSetting;
  healthUrl?: string;
  container?: string;
  /** Extra HTTP headers. Values may be secret: never log them. */
  headers?: Record<string, string>;
}

export interface MonitorOptions {
  pingIntervalMs: number;
  pingTimeoutMs: number;
  autoHeal: boolean;
  maxAutoHealAttempts: number;
  /** A ping slower than this marks the server `degraded`. */
  degradedLatencyMs: number;
}

export const DEFAULT_MONITOR_OPTIONS: MonitorOptions = {
  pingIntervalMs: 10_000,
  pingTimeoutMs: 5_000,
  autoHeal: true,
  maxAutoHealAttempts: 5,
  degradedLatencyMs: 1_000,
};

export interface Failure {
  kind: FailureKind;
  /** One sentence for a person: what happened and what it means. */
  message: string;
  httpStatus?: number;
  /** The start of the response body, secrets never included. */
  bodyExcerpt?: string;
  /** Low-level error code (ECONNREFUSED, ...) when there was no HTTP answer. */
  errorCode?: string;
}

/** A timestamped fact that supports a diagnosis (a failure, a container event, an uptime drop). */
export interface Evidence {
  at: string;
  source: 'mcp' | 'health' | 'docker' | 'gateway' | 'user';
  detail: string;
}

export interface Transition {
  at: string;
  from: ServerState;
  to: ServerState;
  /** A failure kind, a loss cause (for `session-lost`), or what brought the server back. */
  cause: string;
  /** The failure that caused it (when it was a failure). */
  failure?: Failure;
  evidence: Evidence[];
  /** Set on a re-announcement of a `session-lost` transition whose cause became clearer later. */
  refined?: boolean;
}

export interface LossRecord {
  at: string;
  cause: LossCause;
  /** Words for people, e.g. `crash (exit 3)`; defaults to the cause. */
  label?: string;
  evidence: Evidence[];
}

export interface FailureRecord extends Failure {
  at: string;
  sessionId?: string;
  /** Server uptime (s) at the time, when the health endpoint reported one. */
  serverUptimeSeconds?: number;
}

export interface PatternReport {
  id: string;
  title: string;
  detail: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
}

export interface HealInfo {
  at: string;
  /** `resumed`: the server still had our session; `reinitialized`: a fresh session; `reconnected`: first connect after an outage. */
  kind: 'resumed' | 'reinitialized' | 'reconnected';
  durationMs: number;
  attempts: number;
}

export interface HealthInfo {
  at: string;
  ok: boolean;
  uptimeSeconds?: number;
  status?: string;
  error?: string;
}

/** The single source of truth for one server. Renderers read it; only its monitor writes it. */
export interface ServerSnapshot {
  name: string;
  url: string;
  configuredTransport: TransportSetting;
  transport?: TransportKind;
  state: ServerState;
  stateSince: string;
  /** Full session id. Render it with `shortenSessionId`. */
  sessionId?: string;
  /** The protocol era negotiated at the last connect: `2025` (sessions) or `2026-07-28` (none). */
  era?: ProtocolEra;
  protocolVersion?: string;
  serverInfo?: { name: string; version: string };
  lastPing?: { at: string; latencyMs: number };
  /** Successful heals since the monitor started. */
  heals: number;
  /** Failed heal attempts in the current episode. */
  healAttempts: number;
  lastHeal?: HealInfo;
  lastFailure?: FailureRecord;
  /** The root cause of the latest session loss, with its evidence. */
  lastLoss?: LossRecord;
  health?: HealthInfo;
  transitions: Transition[];
  patterns: PatternReport[];
  /** Extra sections contributed by other watchers (Docker, gateway), keyed by section. */
  extras: Record<string, unknown>;
}
