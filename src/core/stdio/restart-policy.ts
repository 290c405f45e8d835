// When to start the server's command again after it ended: pure, table-tested. Fast at first (a crash
// is usually one-off), backing off while it keeps failing, reset once a run was stable, and giving up
// on a command that fails again and again at start (a crash loop) until the next request asks again.
import { exponentialDelayMs } from '../backoff';
import type { ChildEnd } from './child';
import type { RestartCause } from './run-outcome';

export const RESTART_LIMITS = {
  /** This many restarts in a row are immediate (a crash is usually one-off)… */
  immediate: 3,
  /** …then 250 ms doubling… */
  baseDelayMs: 250,
  /** …to at most this. */
  maxDelayMs: 3_000,
  /** A run at least this long was stable: the backoff starts over. */
  stableMs: 2_000,
  /** A run shorter than this, or one that never answered anything, counts toward a crash loop. */
  fastFailMs: 1_000,
  /** This many fast failures within `windowMs` is a crash loop: stop respawning. */
  crashLoopFailures: 4,
  windowMs: 60_000,
} as const;

export interface RunRecord {
  /** When it ended (ms epoch). */
  endedAt: number;
  uptimeMs: number;
  /** It answered at least one message before it ended. */
  answered: boolean;
  /** The command could not run at all (ENOENT, EACCES): no amount of retrying helps. */
  cannotSpawn: boolean;
}

export type RestartDecision =
  | { action: 'respawn'; delayMs: number; attempt: number }
  | { action: 'give-up'; why: string };

/** Failures since the last stable run, newest last. */
export function consecutiveFailures(history: readonly RunRecord[]): RunRecord[] {
  const out: RunRecord[] = [];
  for (let i = history.length - 1; i >= 0; i--) {
    // Stable: it answered and lived a while. A run that never answered is a failure however long it hung.
    if (history[i].answered && history[i].uptimeMs >= RESTART_LIMITS.stableMs) break;
    out.unshift(history[i]);
  }
  return out;
}

export function decideRestart(
  history: readonly RunRecord[],
  now: number,
  random: () => number = Math.random,
): RestartDecision {
  const last = history.at(-1);
  if (!last) return { action: 'respawn', delayMs: 0, attempt: 0 };
  if (last.cannotSpawn) return { action: 'give-up', why: 'the command cannot be started' };
  const recent = consecutiveFailures(history);
  const fast = recent.filter(
    (r) => now - r.endedAt <= RESTART_LIMITS.windowMs && (r.uptimeMs < RESTART_LIMITS.fastFailMs || !r.answered),
  );
  if (fast.length >= RESTART_LIMITS.crashLoopFailures) {
    return {
      action: 'give-up',
      why: `it failed ${fast.length} times within ${Math.round(RESTART_LIMITS.windowMs / 1000)} s`,
    };
  }
  const attempt = recent.length - 1;
  if (attempt < RESTART_LIMITS.immediate) return { action: 'respawn', delayMs: 0, attempt: Math.max(0, attempt) };
  const delayMs = exponentialDelayMs(attempt - RESTART_LIMITS.immediate, {
    baseMs: RESTART_LIMITS.baseDelayMs,
    maxMs: RESTART_LIMITS.maxDelayMs,
    random,
  });
  return { action: 'respawn', delayMs, attempt };
}

/** Why a run ended, in the stdio-restart vocabulary. `replaced`: the supervisor killed it, and why. */
export function endCause(
  end: ChildEnd,
  replaced: { cause: RestartCause; detail: string } | undefined,
  command: string,
): { cause: RestartCause; label: string } {
  if (replaced) return { cause: replaced.cause, label: replaced.detail };
  if (end.kind === 'spawn-error') {
    const what =
      end.code === 'ENOENT'
        ? 'command not found'
        : end.code === 'EACCES'
          ? 'not executable (permission denied)'
          : end.message;
    return { cause: 'spawn-error', label: `${end.code}: ${what} (${command})` };
  }
  // A SIGKILL nobody here sent: the kernel's OOM killer, or someone's kill -9.
  if (end.signal === 'SIGKILL' && !end.ours) return { cause: 'oom-like', label: 'SIGKILL (OOM killer or kill -9)' };
  if (end.signal) return { cause: 'signal', label: `signal ${end.signal}` };
  return { cause: 'exit', label: `exit code ${end.code ?? '?'}` };
}

/** The error every request gets while the supervisor has given up on the command. */
export function giveUpMessage(
  command: readonly string[],
  label: string,
  why: string,
  stderrTail: readonly string[],
): string {
  const tail = stderrTail.length
    ? ` Last lines of its stderr: ${stderrTail.slice(-5).join(' | ')}`
    : ' It wrote nothing on stderr.';
  return `The MCP server "${command.join(' ')}" cannot run: ${label}; ${why}, so the supervisor stopped starting it (it tries again on the next request).${tail}`;
}
