// When to start the server's command again after it ended: pure, table-tested. Fast at first (a crash
// is usually one-off), backing off while it keeps failing, reset once a run was stable, and giving up
// on a command that fails again and again at start (a crash loop) until the next request asks again.
import { exponentialDelayMs } from '../backoff';

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

export type RestartDecision = { action: 'respawn'; delayMs: number; attempt: number } | { action: 'give-up'; why: string };

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

export function decideRestart(history: readonly RunRecord[], now: number, random: () => number = Math.random): RestartDecision {
  const last = history.at(-1);
  if (!last) return { action: 'respawn', delayMs: 0, attempt: 0 };
  if (last.cannotSpawn) return { action: 'give-up', why: 'the command cannot be started' };
  const recent = consecutiveFailures(history);
  const fast = recent.filter((r) => now - r.endedAt <= RESTART_LIMITS.windowMs && (r.uptimeMs < RESTART_LIMITS.fastFailMs || !r.answered));
  if (fast.length >= RESTART_LIMITS.crashLoopFailures) {
    return { action: 'give-up', why: `it failed ${fast.length} times within ${Math.round(RESTART_LIMITS.windowMs / 1000)} s` };
  }
  const attempt = recent.length - 1;
  if (attempt < RESTART_LIMITS.immediate) return { action: 'respawn', delayMs: 0, attempt: Math.max(0, attempt) };
  const delayMs = exponentialDelayMs(attempt - RESTART_LIMITS.immediate, { baseMs: RESTART_LIMITS.baseDelayMs, maxMs: RESTART_LIMITS.maxDelayMs, random });
  return { action: 'respawn', delayMs, attempt };
}
