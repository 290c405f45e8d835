// What to do after one attempt to deliver a client's request: the one place that decides whether it
// is held, its session re-made, its era switched, resent, relayed or failed — and with which words.
// Pure: the gateway's sessions, the stdio bridge and the stdio supervisor carry out what it returns.
import { exponentialDelayMs } from '../backoff';
import { isTransientStatus } from '../classify';
import type { FailureKind, ProtocolEra } from '../server-state';
import { howToAllow, type RepeatRules, type RepeatVerdict } from './repeat-policy';

/** How one attempt ended. */
export type AttemptOutcome =
  | { kind: 'answered' }
  /** It never reached the server: the connection was refused, or the server process is not running. */
  | { kind: 'not-sent' }
  /** Sent, then the connection or the process died before the answer: the server may have run it. */
  | { kind: 'broken' }
  /** An HTTP error status: the server did not process it. */
  | {
      kind: 'refused';
      status: number;
      failure: { kind: FailureKind; message: string };
      /** A -32022 refusal that names 2026-07-28 while we spoke 2025. */
      namesOtherEra?: boolean;
      /** The body is the server's own JSON-RPC error for this request (not a header mismatch). */
      ownError?: boolean;
    }
  /** A success status with a body that is not JSON-RPC. */
  | { kind: 'not-mcp'; message: string }
  /** The server's command cannot run (not found, not executable, exits at start again and again). */
  | { kind: 'cannot-start'; message: string }
  /** No answer within the response timeout after it was sent. */
  | { kind: 'timed-out' }
  /** The client cancelled it or went away. */
  | { kind: 'cancelled' };

export interface ForwardState {
  attempt: number;
  sessionLosses: number;
  resends: number;
  eraRetried: boolean;
  askedTools: boolean;
}

export function initialForwardState(): ForwardState {
  return { attempt: 0, sessionLosses: 0, resends: 0, eraRetried: false, askedTools: false };
}

export interface ForwardContext {
  now: number;
  /** When holding this request must end (ms since the epoch). */
  deadline: number;
  holdTimeoutMs: number;
  responseTimeoutMs: number;
  isInitialize: boolean;
  /** The era the attempt was sent in (2026-07-28: no session; a 400 may mean the server was replaced). */
  era: ProtocolEra;
  /** The server is known to be restarting (a Docker signal): hold instead of failing. */
  restarting: boolean;
  repeat: RepeatVerdict | 'ask-tools';
  rules: RepeatRules;
  /** The request in words: 'the call to "find_tasks"' or '"resources/read"'. */
  what: string;
  /** The server in words, after "The MCP server": 'at http://…' or '"npx server-memory"'. */
  server: string;
  /** Who speaks in errors: 'the gateway' or 'the supervisor'. */
  speaker: string;
}

/**
 * Why a request was answered with an error (`error.data.reason`): a failure kind of the server's HTTP
 * answer, or what happened on the way.
 */
export type FailureReason =
  | FailureKind
  | 'interrupted' // broke mid-call: may or may not have run
  | 'unreachable' // held until the hold timeout
  | 'refused' // the server refused a new session
  | 'gateway' // the gateway or supervisor itself failed
  | 'timeout' // no answer within the response timeout
  | 'not-mcp' // a success status whose body is not JSON-RPC
  | 'cannot-start'; // the server's command cannot run

export type ForwardDecision =
  | { action: 'done' }
  | { action: 'drop' }
  | { action: 'hold'; delayMs: number }
  | { action: 'reinitialize' }
  | { action: 'switch-era' }
  | { action: 'rediscover' }
  | { action: 'relay-upstream-error' }
  | { action: 'ask-tools' }
  | { action: 'resend'; delayMs: number }
  | { action: 'fail'; reason: FailureReason; message: string };

export const FORWARD_LIMITS = {
  /** A request whose session keeps vanishing is re-initialized at most this often. */
  sessionLosses: 5,
  /** A request safe to repeat is resent at most this often when the connection keeps breaking. */
  resends: 10,
  /** A client notification is tried at most this often. */
  notificationAttempts: 50,
} as const;

/** The JSON-RPC code of our own error answers; `data.reason` is a FailureReason. */
export const GATEWAY_ERROR_CODE = -32000;

/** Backoff while holding: 100 ms doubling to 1 s, never past the deadline. */
export function holdDelay(attempt: number, now: number, deadline: number): number {
  return Math.max(0, Math.min(exponentialDelayMs(attempt, { baseMs: 100, maxMs: 1000, jitter: 0 }), deadline - now));
}

/**
 * How to send a request. One that must not run twice never rides a kept-alive connection the server
 * may be closing, waits after a break until the server has answered something safe, and goes one at a
 * time while writes held during the break are released.
 */
export function sendPlan(repeat: RepeatVerdict | 'ask-tools'): {
  freshConnection: boolean;
  waitForVerified: boolean;
  oneAtATime: boolean;
} {
  const mustNotRepeat = repeat === 'ask-tools' || !repeat.repeat;
  return { freshConnection: mustNotRepeat, waitForVerified: mustNotRepeat, oneAtATime: mustNotRepeat };
}

function fail(reason: FailureReason, message: string): ForwardDecision {
  return { action: 'fail', reason, message };
}

function interrupted(ctx: ForwardContext): ForwardDecision {
  const verdict = ctx.repeat;
  const why = verdict === 'ask-tools' ? 'the server did not say what the tool does' : verdict.detail;
  const tool = /^the call to "(.*)"$/.exec(ctx.what)?.[1];
  const allow =
    tool && (verdict === 'ask-tools' || verdict.reason === 'unknown')
      ? ` If it only reads, ${howToAllow(tool, ctx.rules)}.`
      : '';
  return fail(
    'interrupted',
    `The MCP server restarted or the connection broke during ${ctx.what}. It may or may not have run; ${ctx.speaker} did not repeat it (${why}).${allow}`,
  );
}

/** The decision after one attempt, and the state the next attempt starts from. */
export function decideAttempt(
  outcome: AttemptOutcome,
  state: ForwardState,
  ctx: ForwardContext,
): { decision: ForwardDecision; state: ForwardState } {
  const next: ForwardState = { ...state, attempt: state.attempt + 1 };
  const decide = (decision: ForwardDecision) => ({ decision, state: next });
  const pastDeadline = ctx.now >= ctx.deadline;
  const modern = ctx.era === '2026-07-28';
  switch (outcome.kind) {
    case 'answered':
      return decide({ action: 'done' });
    case 'cancelled':
      return decide({ action: 'drop' });
    case 'timed-out': {
      const secs = Math.round(ctx.responseTimeoutMs / 1000);
      return decide(
        fail(
          'timeout',
          `The MCP server did not answer ${ctx.what} within ${secs} s (${ctx.speaker}'s response timeout); ${ctx.speaker} stopped waiting and cancelled the request on the server.`,
        ),
      );
    }
    case 'not-mcp':
      return decide(fail('not-mcp', outcome.message));
    case 'cannot-start':
      return decide(fail('cannot-start', outcome.message));
    case 'not-sent': {
      if (!pastDeadline) return decide({ action: 'hold', delayMs: holdDelay(state.attempt, ctx.now, ctx.deadline) });
      const secs = Math.round(ctx.holdTimeoutMs / 1000);
      return decide(
        fail(
          'unreachable',
          `The MCP server ${ctx.server} did not come back within ${secs} s (${ctx.speaker} held the request that long); it is down or restarting.`,
        ),
      );
    }
    case 'refused': {
      const transient = isTransientStatus(outcome.status);
      const eraMismatch = outcome.failure.kind === 'era-mismatch';
      // It speaks the other era (first contact, or replaced across a restart): it did not run it.
      if (!state.eraRetried && !modern && outcome.namesOtherEra)
        return { decision: { action: 'switch-era' }, state: { ...next, eraRetried: true } };
      // A 2026-07-28 server refuses with its own JSON-RPC error under an HTTP status: its answer.
      if (modern && !eraMismatch && !transient && outcome.ownError) return decide({ action: 'relay-upstream-error' });
      // Maybe no longer a 2026-07-28 server: discover again, then send once more.
      if (!state.eraRetried && modern && outcome.status === 400 && !eraMismatch)
        return { decision: { action: 'rediscover' }, state: { ...next, eraRetried: true } };
      if (
        !ctx.isInitialize &&
        outcome.failure.kind === 'unknown-session' &&
        state.sessionLosses < FORWARD_LIMITS.sessionLosses
      ) {
        return { decision: { action: 'reinitialize' }, state: { ...next, sessionLosses: state.sessionLosses + 1 } };
      }
      if ((transient || ctx.restarting) && !pastDeadline)
        return decide({ action: 'hold', delayMs: holdDelay(state.attempt, ctx.now, ctx.deadline) });
      return decide(fail(outcome.failure.kind, outcome.failure.message));
    }
    case 'broken': {
      if (ctx.repeat === 'ask-tools' && !state.askedTools)
        return { decision: { action: 'ask-tools' }, state: { ...next, askedTools: true } };
      if (ctx.repeat === 'ask-tools' || !ctx.repeat.repeat) return decide(interrupted(ctx));
      if (state.resends >= FORWARD_LIMITS.resends || pastDeadline) {
        return decide(
          fail(
            'interrupted',
            `The MCP server broke the connection during ${ctx.what} ${state.resends} times in a row; ${ctx.speaker} gave up resending it.`,
          ),
        );
      }
      return {
        decision: { action: 'resend', delayMs: holdDelay(state.attempt, ctx.now, ctx.deadline) },
        state: { ...next, resends: state.resends + 1 },
      };
    }
  }
}

/** The request in words, for messages: the tool for a tools/call, else the method. */
export function describeRequest(method: string, tool: string | undefined): string {
  return tool !== undefined ? `the call to "${tool}"` : `"${method}"`;
}
