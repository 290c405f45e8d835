// Delays for probing a server that is down and for retrying heals of one that answers badly.

export interface BackoffPolicy {
  /** Delay before the next outage probe, given how long the outage has lasted and how many probes were made. */
  outageProbeDelayMs(outageElapsedMs: number, probesSoFar: number): number;
  /** Delay before heal attempt number `attempt` (1-based) of a server that answers but fails. */
  healRetryDelayMs(attempt: number): number;
}

const FIRST_MINUTE_MS = 60_000;
/** Most restarts finish within seconds: probe every 50 ms during the first 5 s, then ease off. */
const BURST_MS = 5_000;
const BURST_PROBE_MS = 50;
const FAST_PROBE_MAX_MS = 1_000;
const SLOW_PROBE_START_MS = 2_000;
const SLOW_PROBE_MAX_MS = 30_000;

/** Up to 20 % off so that many windows watching one server do not probe in lockstep, even at the cap. */
function jitter(ms: number, random: () => number, fraction = 0.2): number {
  return Math.round(ms * (1 - fraction * random()));
}

export interface ExponentialBackoff {
  /** The first delay (attempt 0). */
  baseMs: number;
  /** No delay is longer. */
  maxMs: number;
  /** Up to this fraction is taken off each delay at random (default 0.2; 0 for none). */
  jitter?: number;
  random?: () => number;
}

/**
 * The project's one exponential backoff: `baseMs` doubling per attempt (0-based) up to `maxMs`, a
 * little off at random. The monitor's heal retries, the Docker engine reconnects and the gateway's
 * holding all wait with it.
 */
export function exponentialDelayMs(attempt: number, b: ExponentialBackoff): number {
  const raw = Math.min(b.maxMs, b.baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
  return jitter(raw, b.random ?? Math.random, b.jitter ?? 0.2);
}

export function createBackoff(random: () => number = Math.random): BackoffPolicy {
  return {
    outageProbeDelayMs(elapsedMs, probes) {
      // Restarts usually take seconds: probe cheaply and often while one is likely under way.
      if (elapsedMs < BURST_MS) return BURST_PROBE_MS;
      if (elapsedMs < FIRST_MINUTE_MS)
        return Math.min(
          FAST_PROBE_MAX_MS,
          Math.round(BURST_PROBE_MS * 1.25 ** Math.max(0, probes - BURST_MS / BURST_PROBE_MS)),
        );
      // Then double every half minute of outage: 2 s, 4 s, 8 s, 16 s, and one probe every 30 s at most.
      const doublings = Math.min(10, Math.floor((elapsedMs - FIRST_MINUTE_MS) / 30_000));
      return jitter(Math.min(SLOW_PROBE_MAX_MS, SLOW_PROBE_START_MS * 2 ** doublings), random);
    },
    healRetryDelayMs(attempt) {
      return exponentialDelayMs(attempt - 1, { baseMs: 1_000, maxMs: SLOW_PROBE_MAX_MS, random });
    },
  };
}
