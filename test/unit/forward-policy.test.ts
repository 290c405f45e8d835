// The forwarding policy as a table: every attempt outcome × the request's repeat verdict × the upstream.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FORWARD_LIMITS,
  decideAttempt,
  holdDelay,
  initialForwardState,
  sendPlan,
  type AttemptOutcome,
  type ForwardContext,
  type ForwardState,
  type RepeatVerdict,
} from '../../src/core/healing';
import { isTransientStatus } from '../../src/core/classify';

const READ: RepeatVerdict = { repeat: true, reason: 'annotation', detail: 'annotated readOnlyHint' };
const WRITE: RepeatVerdict = { repeat: false, reason: 'unknown', detail: 'not annotated read-only or idempotent' };
const ARCHON_WRITE: RepeatVerdict = {
  repeat: false,
  reason: 'known-server',
  detail: "known server Archon: 'manage_*' writes",
};
const NOW = 1_000_000;

function ctx(over: Partial<ForwardContext> = {}): ForwardContext {
  return {
    now: NOW,
    deadline: NOW + 30_000,
    holdTimeoutMs: 30_000,
    responseTimeoutMs: 120_000,
    isInitialize: false,
    era: '2025',
    restarting: false,
    repeat: READ,
    rules: { repeatSafe: [], neverRepeat: [] },
    what: 'the call to "find_tasks"',
    server: 'at http://localhost:8051/mcp',
    speaker: 'the gateway',
    ...over,
  };
}
const state = (over: Partial<ForwardState> = {}): ForwardState => ({ ...initialForwardState(), ...over });
const refused = (
  status: number,
  kind: string,
  extra: Partial<Extract<AttemptOutcome, { kind: 'refused' }>> = {},
): AttemptOutcome =>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table names failure kinds as strings
  ({ kind: 'refused', status, failure: { kind: kind as any, message: `HTTP ${status}: ${kind}` }, ...extra });

type Row = [
  label: string,
  outcome: AttemptOutcome,
  s: ForwardState,
  c: ForwardContext,
  action: string,
  reason?: string,
];
const table: Row[] = [
  ['answered: done', { kind: 'answered' }, state(), ctx(), 'done'],
  ['cancelled: nothing is answered', { kind: 'cancelled' }, state(), ctx(), 'drop'],
  ['timed out: fail, timeout', { kind: 'timed-out' }, state(), ctx(), 'fail', 'timeout'],
  ['not MCP: fail', { kind: 'not-mcp', message: 'html' }, state(), ctx(), 'fail', 'not-mcp'],
  [
    'a command that cannot start: fail at once',
    { kind: 'cannot-start', message: 'ENOENT' },
    state(),
    ctx(),
    'fail',
    'cannot-start',
  ],
  [
    'not sent, time left: hold (a write too: it never reached the server)',
    { kind: 'not-sent' },
    state(),
    ctx({ repeat: WRITE }),
    'hold',
  ],
  [
    'not sent past the deadline: unreachable',
    { kind: 'not-sent' },
    state(),
    ctx({ now: NOW + 30_000 }),
    'fail',
    'unreachable',
  ],
  ['broken, a read: resend', { kind: 'broken' }, state(), ctx(), 'resend'],
  [
    'broken, a write: may or may not have run',
    { kind: 'broken' },
    state(),
    ctx({ repeat: WRITE }),
    'fail',
    'interrupted',
  ],
  [
    "broken, Archon's manage_task: interrupted, never repeated",
    { kind: 'broken' },
    state(),
    ctx({ repeat: ARCHON_WRITE }),
    'fail',
    'interrupted',
  ],
  [
    'broken, unknown tool: ask for the tool list first',
    { kind: 'broken' },
    state(),
    ctx({ repeat: 'ask-tools' }),
    'ask-tools',
  ],
  [
    'broken, still unknown after asking: interrupted',
    { kind: 'broken' },
    state({ askedTools: true }),
    ctx({ repeat: 'ask-tools' }),
    'fail',
    'interrupted',
  ],
  [
    'broken, a read resent too often: give up',
    { kind: 'broken' },
    state({ resends: FORWARD_LIMITS.resends }),
    ctx(),
    'fail',
    'interrupted',
  ],
  [
    'broken, a read past the deadline: give up',
    { kind: 'broken' },
    state(),
    ctx({ now: NOW + 30_000 }),
    'fail',
    'interrupted',
  ],
  ['session lost: re-initialize', refused(400, 'unknown-session'), state(), ctx(), 'reinitialize'],
  [
    'session lost, a write too (it did not run)',
    refused(404, 'unknown-session'),
    state(),
    ctx({ repeat: WRITE }),
    'reinitialize',
  ],
  [
    'session lost too often: fail with the classification',
    refused(400, 'unknown-session'),
    state({ sessionLosses: FORWARD_LIMITS.sessionLosses }),
    ctx(),
    'fail',
    'unknown-session',
  ],
  [
    "initialize's own session loss is not healed by re-initializing",
    refused(400, 'unknown-session'),
    state(),
    ctx({ isInitialize: true }),
    'fail',
    'unknown-session',
  ],
  ['502 while coming back: hold', refused(502, 'server-error'), state(), ctx(), 'hold'],
  [
    '503 past the deadline: fail',
    refused(503, 'server-error'),
    state(),
    ctx({ now: NOW + 31_000 }),
    'fail',
    'server-error',
  ],
  ['500: fail (the server failed it)', refused(500, 'server-error'), state(), ctx(), 'fail', 'server-error'],
  ['500 while a restart is announced: hold', refused(500, 'server-error'), state(), ctx({ restarting: true }), 'hold'],
  ['401: fail, auth', refused(401, 'auth'), state(), ctx(), 'fail', 'auth'],
  [
    '2025 request refused naming 2026-07-28: switch era',
    refused(400, 'era-mismatch', { namesOtherEra: true }),
    state(),
    ctx(),
    'switch-era',
  ],
  [
    'era switched once already: no loop',
    refused(400, 'era-mismatch', { namesOtherEra: true }),
    state({ eraRetried: true }),
    ctx(),
    'fail',
    'era-mismatch',
  ],
  [
    "2026-07-28 server's own JSON-RPC error: relay it",
    refused(404, 'unknown-method', { ownError: true }),
    state(),
    ctx({ era: '2026-07-28' }),
    'relay-upstream-error',
  ],
  [
    '2026-07-28 upstream, a bare 400: discover again',
    refused(400, 'protocol'),
    state(),
    ctx({ era: '2026-07-28' }),
    'rediscover',
  ],
  [
    '2026-07-28 upstream, 400 again after rediscovering: fail',
    refused(400, 'protocol'),
    state({ eraRetried: true }),
    ctx({ era: '2026-07-28' }),
    'fail',
    'protocol',
  ],
  [
    '2026-07-28 upstream, a 503 with a JSON body: hold, not relay',
    refused(503, 'server-error', { ownError: true }),
    state(),
    ctx({ era: '2026-07-28' }),
    'hold',
  ],
];

describe('forwarding policy (table)', () => {
  for (const [label, outcome, s, c, action, reason] of table) {
    it(label, () => {
      const { decision } = decideAttempt(outcome, s, c);
      assert.equal(decision.action, action);
      if (reason) assert.equal(decision.action === 'fail' ? decision.reason : undefined, reason);
    });
  }

  it('counts: re-initializations, resends and the era retry carry to the next attempt', () => {
    let s = initialForwardState();
    s = decideAttempt(refused(400, 'unknown-session'), s, ctx()).state;
    s = decideAttempt({ kind: 'broken' }, s, ctx()).state;
    s = decideAttempt(refused(400, 'era-mismatch', { namesOtherEra: true }), s, ctx()).state;
    assert.deepEqual(s, { attempt: 3, sessionLosses: 1, resends: 1, eraRetried: true, askedTools: false });
  });

  it('the ambiguous answer names the tool and the flag that would let it be repeated', () => {
    const { decision } = decideAttempt({ kind: 'broken' }, state(), ctx({ repeat: WRITE }));
    assert.equal(decision.action, 'fail');
    if (decision.action !== 'fail') return;
    assert.match(
      decision.message,
      /during the call to "find_tasks"\. It may or may not have run; the gateway did not repeat it/,
    );
    assert.match(decision.message, /--repeat-safe 'find_tasks'/);
  });
  it('a known write says why, and offers no flag', () => {
    const { decision } = decideAttempt(
      { kind: 'broken' },
      state(),
      ctx({ repeat: ARCHON_WRITE, what: 'the call to "manage_task"' }),
    );
    assert.ok(
      decision.action === 'fail' &&
        /known server Archon/.test(decision.message) &&
        !/--repeat-safe/.test(decision.message),
    );
  });
  it('the supervisor speaks for itself', () => {
    const { decision } = decideAttempt(
      { kind: 'not-sent' },
      state(),
      ctx({ now: NOW + 40_000, speaker: 'the supervisor', server: '"npx server-memory"' }),
    );
    assert.ok(
      decision.action === 'fail' &&
        /The MCP server "npx server-memory" did not come back within 30 s \(the supervisor held/.test(decision.message),
    );
  });
});

describe('how a request is sent', () => {
  it('a read rides any connection, at once', () => {
    assert.deepEqual(sendPlan(READ), { freshConnection: false, waitForVerified: false, oneAtATime: false });
  });
  it('a write never rides a kept-alive connection (the keep-alive race), waits for a verified server after a break, one at a time', () => {
    assert.deepEqual(sendPlan(WRITE), { freshConnection: true, waitForVerified: true, oneAtATime: true });
    assert.deepEqual(sendPlan('ask-tools'), { freshConnection: true, waitForVerified: true, oneAtATime: true });
  });
});

describe('holding', () => {
  it('backs off from 100 ms to at most 1 s, never past the deadline', () => {
    assert.equal(holdDelay(0, 0, 60_000), 100);
    assert.equal(holdDelay(1, 0, 60_000), 200);
    assert.equal(holdDelay(10, 0, 60_000), 1000);
    assert.equal(holdDelay(10, 0, 50), 50);
    assert.equal(holdDelay(3, 100, 90), 0);
  });
  it('treats 502/503/504 as "not back yet"', () => {
    assert.ok(isTransientStatus(502) && isTransientStatus(503) && isTransientStatus(504));
    assert.ok(!isTransientStatus(500) && !isTransientStatus(400) && !isTransientStatus(404));
  });
});
