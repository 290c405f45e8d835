// The supervisor's vocabulary: why a server run ended, what a restart did, what it tells the world.
import type { Writable } from 'node:stream';
import type { RepeatRules } from '../healing';
import type { ServerCommand } from './child';

/** Why the server was replaced (or could not be). */
export const RESTART_CAUSES = [
  'exit',
  'signal',
  'oom-like',
  'wedge',
  'stdout-closed',
  'write-failed',
  'spawn-error',
] as const;
export type RestartCause = (typeof RESTART_CAUSES)[number];

/** What the supervisor does next. */
export const RESTART_ACTIONS = ['respawn', 'give-up'] as const;
export type RestartAction = (typeof RESTART_ACTIONS)[number];

/** One restart (or the decision not to), as the stderr line, the --json line and the state file tell it. */
export interface RestartEvent {
  cause: RestartCause;
  /** Words for people: `exit code 1`, `SIGKILL (OOM killer or kill -9)`, `no output for 20 s`. */
  label: string;
  exitCode: number | null;
  signal: string | null;
  /** How long the run that ended had lived. */
  uptimeMs: number;
  previousPid: number | null;
  action: RestartAction;
  /** Delay before the respawn (0: at once). */
  delayMs: number;
  /** Restarts so far, this one included. */
  restarts: number;
  stderrTail: string[];
  /** What happened to the client's requests that were in flight when it ended. */
  inFlight: { resent: number; ambiguous: number; held: number };
}

export interface SupervisorCounts {
  restarts: number;
  held: number;
  resent: number;
  ambiguous: number;
  failed: number;
}

export interface SupervisorLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface SupervisorOptions {
  server: ServerCommand;
  /** Messages from the client (process.stdin) and to it (process.stdout). */
  input: NodeJS.ReadableStream;
  output: Writable;
  /** Where the server's stderr goes (process.stderr). */
  serverStderr?: NodeJS.WritableStream;
  logger: SupervisorLogger;
  /** No bytes at all from the server this long while something waits: it is wedged (default 20 s). */
  wedgeTimeoutMs?: number;
  /** How long a request is held while the server is down (default: the gateway's, 30 s). */
  holdTimeoutMs?: number;
  /** How long an answer may take once sent (default: the gateway's, 120 s). */
  responseTimeoutMs?: number;
  rules?: RepeatRules;
  /** Folder for the state file (the user's state folder); none: no file. */
  stateDir?: string;
  /** Grace between closing the server's stdin, SIGTERM and SIGKILL at shutdown (default 2 s). */
  shutdownGraceMs?: number;
}

export const SUPERVISOR_DEFAULTS = {
  wedgeTimeoutMs: 20_000,
  shutdownGraceMs: 2_000,
} as const;
