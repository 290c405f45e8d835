// The container section of a server's snapshot (`ServerSnapshot.container`). Types only, plus renderers' helpers.
import type { DockerProblem } from './engine-address';
import type { HealthState } from './events';
import { formatMemory, type MemorySample } from './memory';

declare module '../server-state' {
  interface SnapshotSections {
    /** The server's container, while a Docker watcher follows it. */
    container?: ContainerSnapshot;
  }
}

export const CONTAINER_STATES = [
  'running',
  'restarting',
  'exited',
  'paused',
  'created',
  'dead',
  'removing',
  'missing',
  'unknown',
] as const;
export type ContainerState = (typeof CONTAINER_STATES)[number];

export interface ContainerSnapshot {
  /** The name in the settings (`archon-mcp`). */
  configuredName: string;
  /** The name that matched (`archon-mcp`, or the legacy `Archon-MCP`), when a container was found. */
  matchedName?: string;
  /** True when the configured name was missing and a fallback name matched. */
  matchedFallback: boolean;
  containerId?: string;
  /** Container id + start time: changes with every restart. */
  instanceId?: string;
  state: ContainerState;
  health: HealthState;
  /** Output of the latest health check (trimmed). */
  healthOutput?: string;
  healthFailingStreak?: number;
  startedAt?: string;
  /** Seconds since `startedAt` when running (computed when the snapshot was taken). */
  uptimeSeconds?: number;
  /** Restarts seen by this watcher (any cause). */
  restarts: number;
  /** The engine's own `RestartCount` (restarts by restart policy only). */
  engineRestartCount?: number;
  /** OOM kills seen by this watcher. */
  oomKills: number;
  /** `State.OOMKilled` of the current/last instance. */
  oomKilled?: boolean;
  lastExitCode?: number;
  /** How the previous instance ended (from the `die`/`oom` events and the inspect right after). */
  lastDeath?: {
    at: string;
    exitCode?: number;
    oomKilled: boolean;
    instanceId?: string;
    /** A `kill` event (docker stop/kill/restart, compose down) came right before the death: someone meant it. */
    deliberate?: boolean;
  };
  /** Configured memory limit in bytes (0: none). */
  memoryLimitBytes?: number;
  memory?: MemorySample;
  /** `312 MB / 512 MB (61 %)` */
  memoryText?: string;
  memoryPressure: boolean;
  /** `no`, `always`, `unless-stopped`, `on-failure:3` */
  restartPolicy?: string;
  /** The container's healthcheck command and interval, when it has one. */
  healthcheck?: { test: string; intervalSeconds?: number; retries?: number };
  engine?: { version: string; apiVersion: string; target: string };
  /** True while the engine answers and the event stream is open. */
  connected: boolean;
  /** The current problem (engine unreachable, container missing, ...), if any. */
  problem?: DockerProblem;
  /** The message of the latest problem, kept after it clears. */
  lastError?: string;
  updatedAt: string;
}

/** One line for a tree node or a log: `running, healthy, up 5m, restarts 2, OOM 1, 312 MB / 512 MB (61 %)`. */
export function describeContainer(s: ContainerSnapshot): string {
  if (s.problem) return s.problem.message;
  const parts: string[] = [s.state];
  if (s.health !== 'none') parts.push(s.health);
  if (s.uptimeSeconds !== undefined) parts.push(`up ${formatDuration(s.uptimeSeconds)}`);
  parts.push(`restarts ${s.restarts}`);
  if (s.oomKills) parts.push(`OOM kills ${s.oomKills}`);
  if (s.memory) parts.push(formatMemory(s.memory) + (s.memoryPressure ? ' — memory pressure' : ''));
  return parts.join(', ');
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}
