// Is the server wedged, and should we ping it? Pure, table-tested. A wedge is silence — no bytes at all
// on stdout — while something waits for it (a client request or our own ping). A server busy with a
// long call still answers pings, so it is never silent that long; an idle frozen one is pinged and
// found before the client's next call has to wait for it.

export interface WedgeInput {
  now: number;
  /** The last byte the run wrote on stdout (or on stderr while it starts). */
  lastByteAt: number;
  /** When the oldest request still waiting on this run was sent; undefined when nothing waits. */
  oldestWaitSince: number | undefined;
  lastPingAt: number;
  /** The run has answered something (a run that has not may still be starting: npx fetching, a browser launching). */
  answered: boolean;
  /** It has its session and answers pings at all. */
  canPing: boolean;
  wedgeMs: number;
}

export type WedgeVerdict = { kind: 'wedged'; silentMs: number } | { kind: 'ping' } | { kind: 'ok' };

/** A starting run gets this many times the wedge timeout. */
export const STARTUP_FACTOR = 3;

export function wedgeVerdict(w: WedgeInput): WedgeVerdict {
  if (w.oldestWaitSince !== undefined) {
    // Silence counts from the later of the last byte and the moment something started waiting.
    const silentMs = w.now - Math.max(w.lastByteAt, w.oldestWaitSince);
    if (silentMs >= (w.answered ? w.wedgeMs : w.wedgeMs * STARTUP_FACTOR)) return { kind: 'wedged', silentMs };
  }
  const quietMs = w.now - Math.max(w.lastByteAt, w.lastPingAt);
  const pingAfter = w.oldestWaitSince === undefined ? w.wedgeMs / 2 : w.wedgeMs / 3;
  return quietMs >= pingAfter && w.canPing && w.answered ? { kind: 'ping' } : { kind: 'ok' };
}
