// The monitor's decisions as one pure function: (state, event) → (state, reason, effects).
// No timers, sockets or clocks here: the monitor (src/core/monitor.ts) does the I/O the effects name.
import type { ConnectionHealKind, Failure, ServerState, TransitionReason } from './server-state';

export interface MachineState {
  state: ServerState;
  /** Failed heal attempts in the current episode. */
  healAttempts: number;
}

export interface HealPolicy {
  autoHeal: boolean;
  maxAutoHealAttempts: number;
}

/** How a connection came up: a first connect, or a heal. */
export type ConnectedHow = 'connected' | ConnectionHealKind;
/** How a failure reached the monitor. */
export type FailureVia =
  | 'ping-failed'
  | 'stream-broke'
  | 'container-died'
  | 'heal-failed'
  /** A server without protocol sessions answers, but its uptime dropped or its server/discover answer changed. */
  | 'server-restarted';
export type GiveUpWhy = 'auto-heal-off' | 'heal-budget-spent';

export type MonitorEvent =
  | { type: 'connected'; how: ConnectedHow }
  | { type: 'ping-ok'; slow: boolean }
  | { type: 'failed'; failure: Failure; via: FailureVia }
  | { type: 'probed'; answers: boolean }
  /** A heal (same session first, then a fresh one) begins: sent by the `heal` effect's handler. */
  | { type: 'heal-start' }
  /** The server refused the session a heal tried to resume; `lossRecorded`: the loss was already announced. */
  | { type: 'session-refused'; lossRecorded: boolean }
  | { type: 'reinitialize' }
  /** The server answers in another protocol era (`era-mismatch`); `sessionHeld`: a 2025 session went with the old one. */
  | { type: 'era-changed'; sessionHeld: boolean }
  /** A heal after an outage reached a sessionless server that restarted meanwhile: an incident, though no session was lost. */
  | { type: 'restart-seen' }
  | { type: 'give-up'; why: GiveUpWhy }
  | { type: 'user-reconnect' };

export type MonitorEffect =
  | { type: 'drop-connection' }
  /** The next ping after the interval, or `soon` (the first latency right after a connect). */
  | { type: 'schedule-ping'; soon: boolean }
  /** A health reading right away, as the baseline that tells a later restart. */
  | { type: 'read-health' }
  /** Probe the port with the outage backoff until it accepts connections. */
  | { type: 'probe-outage' }
  /** Resume the held session, else make a fresh one. */
  | { type: 'heal' }
  /** A fresh session now, or after the backoff for heal attempt `attempt`. */
  | { type: 'heal-fresh'; attempt?: number }
  /** Feed this event back in: one event may cause a chain of transitions. */
  | { type: 'then'; event: MonitorEvent };

export interface Step {
  next: MachineState;
  /** Why the state changed; absent when the event changed nothing. */
  reason?: TransitionReason;
  effects: MonitorEffect[];
}

/** What the monitor still holds of the connection it had when a heal begins. */
export type HeldConnection =
  /** A 2025 Streamable HTTP session: it may have survived, so try it first. */
  | 'resumable-session'
  /** A session that cannot be resumed (legacy HTTP+SSE: it lived on its stream). */
  | 'session'
  /** A connection to a server without protocol sessions (2026-07-28): nothing to resume, but its identity to compare. */
  | 'sessionless'
  | 'none';

/** How a heal connects again. */
export type HealRoute =
  | { via: 'resume' }
  /** A new connection, then a look for a restart during the outage: an incident, though no session was lost. */
  | { via: 'check-restart' }
  | { via: 'fresh'; how: 'reconnected' | 'reinitialized' };

/**
 * The heal's route. `lossRecorded`: this episode's loss is already on record (a failed ping, a
 * container's death); `afterOutage`: the server stopped answering before this heal.
 */
export function healRoute(held: HeldConnection, lossRecorded: boolean, afterOutage: boolean): HealRoute {
  if (held === 'resumable-session') return { via: 'resume' };
  if (held === 'sessionless' && afterOutage && !lossRecorded) return { via: 'check-restart' };
  const sessionless = held === 'sessionless' || held === 'none';
  return { via: 'fresh', how: afterOutage && sessionless ? 'reconnected' : 'reinitialized' };
}

const UP: readonly ServerState[] = ['healthy', 'degraded'];
export const isUpState = (state: ServerState): boolean => UP.includes(state);

const ignore = (s: MachineState): Step => ({ next: s, effects: [] });
const go = (
  s: MachineState,
  state: ServerState,
  reason: TransitionReason,
  effects: MonitorEffect[],
  healAttempts = s.healAttempts,
): Step => ({ next: { state, healAttempts }, reason, effects });

function giveUp(s: MachineState, why: GiveUpWhy, healAttempts = s.healAttempts): Step {
  return go(s, 'needs-attention', why, [{ type: 'drop-connection' }], healAttempts);
}

/** States in which a heal (a connect attempt) can be under way. */
const HEALING: readonly ServerState[] = ['connecting', 'healing', 'unreachable'];

function failed(s: MachineState, failure: Failure, via: FailureVia, policy: HealPolicy): Step {
  if (via === 'heal-failed') {
    if (!HEALING.includes(s.state)) return ignore(s);
    // A server that is starting may accept TCP before it serves MCP: keep probing.
    if (failure.kind === 'unreachable' || failure.kind === 'unknown-session')
      return go(s, 'unreachable', 'heal-failed', [{ type: 'probe-outage' }]);
  } else if (!isUpState(s.state)) {
    // A container that dies while its server is already away: the loss is recorded, probing goes on.
    if (s.state === 'unreachable' && via === 'container-died' && failure.kind === 'unknown-session')
      return go(s, 'session-lost', via, []);
    return ignore(s);
  }
  switch (failure.kind) {
    case 'unknown-session':
      return go(s, 'session-lost', via, [
        policy.autoHeal ? { type: 'heal' } : { type: 'then', event: { type: 'give-up', why: 'auto-heal-off' } },
      ]);
    case 'unreachable':
      return go(s, 'unreachable', via, [{ type: 'probe-outage' }]);
    default: {
      // The server answers, but not well: retry with backoff until the heal budget is spent.
      if (!policy.autoHeal) return giveUp(s, 'auto-heal-off');
      const attempt = s.healAttempts + 1;
      if (attempt >= policy.maxAutoHealAttempts) return giveUp(s, 'heal-budget-spent', attempt);
      return go(s, 'healing', 'retry-heal', [{ type: 'drop-connection' }, { type: 'heal-fresh', attempt }], attempt);
    }
  }
}

export function step(s: MachineState, event: MonitorEvent, policy: HealPolicy): Step {
  switch (event.type) {
    case 'connected':
      if (s.state !== 'connecting' && s.state !== 'healing') return ignore(s);
      return go(s, 'healthy', event.how, [{ type: 'schedule-ping', soon: true }, { type: 'read-health' }], 0);
    case 'ping-ok':
      if (!isUpState(s.state)) return ignore(s);
      if (event.slow && s.state === 'healthy')
        return go(s, 'degraded', 'slow-ping', [{ type: 'schedule-ping', soon: false }]);
      if (!event.slow && s.state === 'degraded')
        return go(s, 'healthy', 'ping-fast-again', [{ type: 'schedule-ping', soon: false }]);
      return { next: s, effects: [{ type: 'schedule-ping', soon: false }] };
    case 'failed':
      return failed(s, event.failure, event.via, policy);
    case 'probed':
      if (s.state !== 'unreachable' && s.state !== 'session-lost') return ignore(s);
      return { next: s, effects: [{ type: event.answers ? 'heal' : 'probe-outage' }] };
    case 'heal-start':
      if (s.state !== 'unreachable' && s.state !== 'session-lost' && s.state !== 'healing') return ignore(s);
      return go(s, 'healing', s.state === 'unreachable' ? 'server-answers' : 'auto-heal', [
        { type: 'drop-connection' },
      ]);
    case 'session-refused': {
      if (s.state !== 'healing') return ignore(s);
      const next: MonitorEvent = policy.autoHeal ? { type: 'reinitialize' } : { type: 'give-up', why: 'auto-heal-off' };
      // The outage cost the session: it gets a loss like any other.
      if (!event.lossRecorded) return go(s, 'session-lost', 'session-refused', [{ type: 'then', event: next }]);
      return { next: s, effects: [{ type: 'then', event: next }] };
    }
    case 'reinitialize':
      if (s.state !== 'healing' && s.state !== 'session-lost') return ignore(s);
      return go(s, 'healing', 'reinitialize', [{ type: 'heal-fresh' }]);
    case 'era-changed': {
      if (!isUpState(s.state)) return ignore(s);
      const next: MonitorEvent = policy.autoHeal ? { type: 'reinitialize' } : { type: 'give-up', why: 'auto-heal-off' };
      // Negotiating again is a fresh connection; a held 2025 session is a loss like any other.
      if (event.sessionHeld)
        return go(s, 'session-lost', 'era-mismatch', [{ type: 'drop-connection' }, { type: 'then', event: next }]);
      if (!policy.autoHeal) return giveUp(s, 'auto-heal-off');
      return go(s, 'healing', 'era-mismatch', [{ type: 'drop-connection' }, { type: 'heal-fresh' }]);
    }
    case 'restart-seen':
      if (s.state !== 'healing') return ignore(s);
      // The connection the heal made is kept: record the incident, then the heal goes on to its connect.
      return go(s, 'session-lost', 'server-restarted', [{ type: 'then', event: { type: 'heal-start' } }]);
    case 'give-up':
      if (s.state !== 'healing' && s.state !== 'session-lost') return ignore(s);
      return giveUp(s, event.why);
    case 'user-reconnect':
      return go(s, 'healing', 'user-reconnect', [{ type: 'drop-connection' }, { type: 'heal-fresh' }], 0);
  }
}
