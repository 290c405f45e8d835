// The state model shared by every renderer (status bar, tree, report, CLI). No VS Code imports.
import { SETTING_DEFAULTS } from './defaults';

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
  'unknown-session',
  'unreachable',
  'timeout',
  'server-error',
  'auth',
  'era-mismatch',
  'unknown-method',
  'protocol',
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
 * Why a server is not up, in the user's terms. `not-started` (never reached since the window opened)
 * and `stopped-on-purpose` (Docker saw a stop/kill, or compose down) are calm: nothing was lost that
 * the user did not cause. The others are losses and take the error look.
 */
export const DOWN_REASONS = [
  'not-started',
  'stopped-on-purpose',
  'crash',
  'oom-kill',
  'heal-failed',
  'vanished',
] as const;
export type DownReason = (typeof DOWN_REASONS)[number];
export const CALM_DOWN_REASONS: readonly DownReason[] = ['not-started', 'stopped-on-purpose'];

export interface DownInfo {
  reason: DownReason;
  /** True for the calm reasons: render neutral ("not running"), not as an error. */
  calm: boolean;
  /** One sentence for people. */
  detail: string;
  /** A container Docker knows and can start now (`archonMcp.startContainer`). */
  startableContainer?: string;
}

/**
 * Why a transition happened: what the monitor saw or did. Not a failure kind (that is
 * `Transition.failure`) and not a root cause (that is `Transition.loss`).
 */
export const TRANSITION_REASONS = [
  /** First connect succeeded. */
  'connected',
  /** A heal kept the session the server still had. */
  'resumed',
  /** A heal started a fresh session. */
  'reinitialized',
  /** First connect after an outage, with no session to keep. */
  'reconnected',
  'slow-ping',
  'ping-fast-again',
  'ping-failed',
  /** The push stream of a session broke. */
  'stream-broke',
  /** Another watcher (Docker) saw the server's process die. */
  'container-died',
  /** A heal attempt failed. */
  'heal-failed',
  /** The held session was refused when the server came back. */
  'session-refused',
  /** The port accepts connections again after an outage: healing starts. */
  'server-answers',
  /** A session loss is being healed automatically. */
  'auto-heal',
  /** The old session is gone: a fresh one is being made. */
  'reinitialize',
  /** The server answered badly: a heal is retried after a delay. */
  'retry-heal',
  'heal-budget-spent',
  'auto-heal-off',
  /** A person asked for a reconnect. */
  'user-reconnect',
  /** The server answers in another protocol era: the era is negotiated again. */
  'era-mismatch',
  /** A server without protocol sessions restarted (its uptime dropped, its server/discover answer changed). */
  'server-restarted',
] as const;
export type TransitionReason = (typeof TRANSITION_REASONS)[number];

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
  pingIntervalMs: SETTING_DEFAULTS.pingIntervalSeconds * 1000,
  pingTimeoutMs: SETTING_DEFAULTS.pingTimeoutSeconds * 1000,
  autoHeal: SETTING_DEFAULTS.autoHeal,
  maxAutoHealAttempts: SETTING_DEFAULTS.maxAutoHealAttempts,
  degradedLatencyMs: SETTING_DEFAULTS.degradedLatencyMs,
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
export const EVIDENCE_SOURCES = ['mcp', 'health', 'docker', 'gateway', 'supervisor', 'user'] as const;
export interface Evidence {
  at: string;
  source: (typeof EVIDENCE_SOURCES)[number];
  detail: string;
}

export interface LossRecord {
  at: string;
  cause: LossCause;
  /** Words for people, e.g. `crash (exit 3)`; defaults to the cause. */
  label?: string;
  evidence: Evidence[];
}

export interface Transition {
  at: string;
  from: ServerState;
  to: ServerState;
  reason: TransitionReason;
  /** The failure that caused it (when it was a failure). */
  failure?: Failure;
  /** The root cause, on the transition that records a session loss. */
  loss?: LossRecord;
  evidence: Evidence[];
  /** Set on a re-announcement of a `session-lost` transition whose `loss` became clearer later. */
  refined?: boolean;
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

/**
 * Every way a loss is healed, one vocabulary for the monitor and the gateway. The monitor's connection:
 * `resumed` (the server still had our session), `reinitialized` (a fresh session), `reconnected` (first
 * connect after an outage). A client's request through the gateway: `reinitialized` (its upstream session
 * re-made), `held` (kept until the server was back), `resent` (sent again: safe to run twice).
 */
export const HEAL_KINDS = ['resumed', 'reinitialized', 'reconnected', 'held', 'resent'] as const;
export type HealKind = (typeof HEAL_KINDS)[number];
/** How the monitor's own connection was healed. */
export type ConnectionHealKind = Extract<HealKind, 'resumed' | 'reinitialized' | 'reconnected'>;
/** How a request through the gateway (or the stdio supervisor) was healed. */
export type RequestHealKind = Extract<HealKind, 'reinitialized' | 'held' | 'resent'>;

export interface HealInfo {
  at: string;
  kind: ConnectionHealKind;
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
export interface ServerSnapshot extends SnapshotSections {
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
  /** When the server was first reached since its monitor started; absent: never reached. */
  firstReachedAt?: string;
  /** Set while the server is unreachable or needs attention: why, in the user's terms (`whyDown`). */
  down?: DownInfo;
  lastFailure?: FailureRecord;
  /** The root cause of the latest session loss, with its evidence. */
  lastLoss?: LossRecord;
  health?: HealthInfo;
  transitions: Transition[];
  patterns: PatternReport[];
}

/**
 * The snapshot sections other watchers own (the monitor owns the rest), each declared by the module
 * that makes it (`container` in docker/snapshot.ts, `gateway` in gateway/runner.ts), so that this
 * vocabulary imports nothing from the layers above it.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SnapshotSections {}
