// The monitor's state machine, edge by edge: every (state, event) pair is run, and the set of
// transitions it can make is compared with the list below, so that a new or lost edge fails here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  healRoute,
  step,
  type HealPolicy,
  type HeldConnection,
  type MachineState,
  type MonitorEvent,
} from '../../src/core/monitor-machine';
import {
  FAILURE_KINDS,
  SERVER_STATES,
  TRANSITION_REASONS,
  type FailureKind,
  type ServerState,
} from '../../src/core/server-state';

const ON: HealPolicy = { autoHeal: true, maxAutoHealAttempts: 5 };
const OFF: HealPolicy = { autoHeal: false, maxAutoHealAttempts: 5 };
const failure = (kind: FailureKind) => ({ kind, message: kind });
const at = (state: ServerState, healAttempts = 0): MachineState => ({ state, healAttempts });
const effects = (r: ReturnType<typeof step>) =>
  r.effects.map((e) => (e.type === 'then' ? `then:${e.event.type}` : e.type));

const EVENTS: MonitorEvent[] = [
  ...(['connected', 'resumed', 'reinitialized', 'reconnected'] as const).map((how) => ({
    type: 'connected' as const,
    how,
  })),
  { type: 'ping-ok', slow: true },
  { type: 'ping-ok', slow: false },
  ...(['ping-failed', 'stream-broke', 'container-died', 'heal-failed'] as const).flatMap((via) =>
    FAILURE_KINDS.map((kind) => ({ type: 'failed' as const, via, failure: failure(kind) })),
  ),
  { type: 'probed', answers: true },
  { type: 'probed', answers: false },
  { type: 'heal-start' },
  { type: 'session-refused', lossRecorded: true },
  { type: 'session-refused', lossRecorded: false },
  { type: 'reinitialize' },
  { type: 'give-up', why: 'auto-heal-off' },
  { type: 'give-up', why: 'heal-budget-spent' },
  { type: 'user-reconnect' },
  { type: 'failed', via: 'server-restarted', failure: failure('unknown-session') },
  { type: 'era-changed', sessionHeld: true },
  { type: 'era-changed', sessionHeld: false },
  { type: 'restart-seen' },
];

const EDGES = [
  'connecting -> healing (retry-heal)',
  'connecting -> healing (user-reconnect)',
  'connecting -> healthy (connected)',
  'connecting -> healthy (reconnected)',
  'connecting -> healthy (reinitialized)',
  'connecting -> healthy (resumed)',
  'connecting -> needs-attention (auto-heal-off)',
  'connecting -> needs-attention (heal-budget-spent)',
  'connecting -> unreachable (heal-failed)',
  'degraded -> healing (era-mismatch)',
  'degraded -> healing (retry-heal)',
  'degraded -> healing (user-reconnect)',
  'degraded -> healthy (ping-fast-again)',
  'degraded -> needs-attention (auto-heal-off)',
  'degraded -> needs-attention (heal-budget-spent)',
  'degraded -> session-lost (era-mismatch)',
  'degraded -> session-lost (container-died)',
  'degraded -> session-lost (ping-failed)',
  'degraded -> session-lost (server-restarted)',
  'degraded -> session-lost (stream-broke)',
  'degraded -> unreachable (container-died)',
  'degraded -> unreachable (ping-failed)',
  'degraded -> unreachable (stream-broke)',
  'healing -> healthy (connected)',
  'healing -> healthy (reconnected)',
  'healing -> healthy (reinitialized)',
  'healing -> healthy (resumed)',
  'healing -> needs-attention (auto-heal-off)',
  'healing -> needs-attention (heal-budget-spent)',
  'healing -> session-lost (session-refused)',
  'healing -> session-lost (server-restarted)',
  'healing -> unreachable (heal-failed)',
  'healthy -> degraded (slow-ping)',
  'healthy -> healing (era-mismatch)',
  'healthy -> healing (retry-heal)',
  'healthy -> healing (user-reconnect)',
  'healthy -> needs-attention (auto-heal-off)',
  'healthy -> needs-attention (heal-budget-spent)',
  'healthy -> session-lost (era-mismatch)',
  'healthy -> session-lost (container-died)',
  'healthy -> session-lost (ping-failed)',
  'healthy -> session-lost (server-restarted)',
  'healthy -> session-lost (stream-broke)',
  'healthy -> unreachable (container-died)',
  'healthy -> unreachable (ping-failed)',
  'healthy -> unreachable (stream-broke)',
  'needs-attention -> healing (user-reconnect)',
  'session-lost -> healing (auto-heal)',
  'session-lost -> healing (reinitialize)',
  'session-lost -> healing (user-reconnect)',
  'session-lost -> needs-attention (auto-heal-off)',
  'session-lost -> needs-attention (heal-budget-spent)',
  'unreachable -> healing (retry-heal)',
  'unreachable -> healing (server-answers)',
  'unreachable -> healing (user-reconnect)',
  'unreachable -> needs-attention (auto-heal-off)',
  'unreachable -> needs-attention (heal-budget-spent)',
  'unreachable -> session-lost (container-died)',
];

describe('monitor state machine', () => {
  it('makes exactly the listed transitions, each with a reason from the closed list', () => {
    const seen = new Set<string>();
    for (const attempts of [0, 4])
      for (const policy of [ON, OFF])
        for (const state of SERVER_STATES)
          for (const e of EVENTS) {
            const r = step(at(state, attempts), e, policy);
            if (r.reason) assert.ok((TRANSITION_REASONS as readonly string[]).includes(r.reason), r.reason);
            if (!r.reason)
              assert.equal(r.next.state, state, `no reason, no state change: ${state} ${JSON.stringify(e)}`);
            if (r.reason && r.next.state !== state) seen.add(`${state} -> ${r.next.state} (${r.reason})`);
          }
    assert.deepEqual([...seen].sort(), [...EDGES].sort());
  });

  it('never leaves needs-attention by itself: only a person reconnecting does', () => {
    for (const policy of [ON, OFF])
      for (const e of EVENTS) {
        const r = step(at('needs-attention'), e, policy);
        if (r.next.state !== 'needs-attention') assert.equal(e.type, 'user-reconnect', JSON.stringify(e));
      }
  });

  it('first connect: healthy, a ping soon and a baseline health reading; the heal budget resets', () => {
    const r = step(at('connecting', 3), { type: 'connected', how: 'connected' }, ON);
    assert.deepEqual(r.next, { state: 'healthy', healAttempts: 0 });
    assert.equal(r.reason, 'connected');
    assert.deepEqual(r.effects, [{ type: 'schedule-ping', soon: true }, { type: 'read-health' }]);
  });

  it('a connect that lands outside connecting/healing changes nothing', () => {
    for (const state of ['healthy', 'degraded', 'unreachable', 'session-lost', 'needs-attention'] as const) {
      const r = step(at(state), { type: 'connected', how: 'resumed' }, ON);
      assert.equal(r.reason, undefined, state);
      assert.deepEqual(r.effects, []);
    }
  });

  it('pings: slow → degraded, fast again → healthy, else stay; each schedules the next ping', () => {
    assert.equal(step(at('healthy'), { type: 'ping-ok', slow: true }, ON).next.state, 'degraded');
    assert.equal(step(at('degraded'), { type: 'ping-ok', slow: false }, ON).reason, 'ping-fast-again');
    const stay = step(at('healthy'), { type: 'ping-ok', slow: false }, ON);
    assert.equal(stay.reason, undefined);
    assert.deepEqual(stay.effects, [{ type: 'schedule-ping', soon: false }]);
    assert.deepEqual(
      step(at('unreachable'), { type: 'ping-ok', slow: false }, ON).effects,
      [],
      'a late ping does not replace outage probing',
    );
  });

  it('a lost session: session-lost, then heal (auto-heal on) or give up (off)', () => {
    const on = step(at('healthy'), { type: 'failed', via: 'ping-failed', failure: failure('unknown-session') }, ON);
    assert.equal(on.next.state, 'session-lost');
    assert.equal(on.reason, 'ping-failed');
    assert.deepEqual(effects(on), ['heal']);
    const off = step(
      at('healthy'),
      { type: 'failed', via: 'container-died', failure: failure('unknown-session') },
      OFF,
    );
    assert.equal(off.reason, 'container-died');
    assert.deepEqual(off.effects, [{ type: 'then', event: { type: 'give-up', why: 'auto-heal-off' } }]);
    const gaveUp = step(off.next, { type: 'give-up', why: 'auto-heal-off' }, OFF);
    assert.deepEqual(
      [gaveUp.next.state, gaveUp.reason, effects(gaveUp)],
      ['needs-attention', 'auto-heal-off', ['drop-connection']],
    );
  });

  it('unreachable: probe with backoff; the port answering starts a heal, silence probes again', () => {
    const r = step(at('healthy'), { type: 'failed', via: 'ping-failed', failure: failure('unreachable') }, ON);
    assert.deepEqual([r.next.state, effects(r)], ['unreachable', ['probe-outage']]);
    assert.deepEqual(effects(step(at('unreachable'), { type: 'probed', answers: true }, ON)), ['heal']);
    assert.deepEqual(effects(step(at('unreachable'), { type: 'probed', answers: false }, ON)), ['probe-outage']);
    assert.deepEqual(
      effects(step(at('healthy'), { type: 'probed', answers: true }, ON)),
      [],
      'a stale probe does nothing',
    );
    const heal = step(at('unreachable'), { type: 'heal-start' }, ON);
    assert.deepEqual([heal.next.state, heal.reason, effects(heal)], ['healing', 'server-answers', ['drop-connection']]);
    assert.equal(step(at('session-lost'), { type: 'heal-start' }, ON).reason, 'auto-heal');
  });

  it('a container dying while the server is already away records the loss and keeps probing', () => {
    const r = step(
      at('unreachable'),
      { type: 'failed', via: 'container-died', failure: failure('unknown-session') },
      ON,
    );
    assert.deepEqual([r.next.state, r.reason, r.effects], ['session-lost', 'container-died', []]);
    assert.equal(
      step(at('unreachable'), { type: 'failed', via: 'ping-failed', failure: failure('unknown-session') }, ON).reason,
      undefined,
    );
    assert.deepEqual(effects(step(r.next, { type: 'probed', answers: true }, ON)), ['heal']);
  });

  it('answering badly: retry with a growing attempt number until the budget is spent', () => {
    let s = at('healthy');
    const seen: string[] = [];
    for (let i = 0; i < 6 && s.state !== 'needs-attention'; i++) {
      const r = step(
        s,
        { type: 'failed', via: i === 0 ? 'ping-failed' : 'heal-failed', failure: failure('server-error') },
        ON,
      );
      seen.push(`${r.next.state}/${r.next.healAttempts}/${r.reason}`);
      if (r.next.state === 'healing')
        assert.deepEqual(r.effects, [
          { type: 'drop-connection' },
          { type: 'heal-fresh', attempt: r.next.healAttempts },
        ]);
      s = r.next;
    }
    assert.deepEqual(seen, [
      'healing/1/retry-heal',
      'healing/2/retry-heal',
      'healing/3/retry-heal',
      'healing/4/retry-heal',
      'needs-attention/5/heal-budget-spent',
    ]);
    assert.equal(
      step(at('healthy'), { type: 'failed', via: 'ping-failed', failure: failure('auth') }, OFF).reason,
      'auto-heal-off',
    );
  });

  it('a heal that cannot reach the server goes back to probing, whatever it failed with', () => {
    for (const kind of ['unreachable', 'unknown-session'] as const) {
      const r = step(at('healing'), { type: 'failed', via: 'heal-failed', failure: failure(kind) }, ON);
      assert.deepEqual([r.next.state, r.reason, effects(r)], ['unreachable', 'heal-failed', ['probe-outage']]);
    }
    assert.deepEqual(
      effects(step(at('unreachable'), { type: 'failed', via: 'heal-failed', failure: failure('unreachable') }, ON)),
      ['probe-outage'],
    );
    assert.equal(
      step(at('healthy'), { type: 'failed', via: 'heal-failed', failure: failure('unreachable') }, ON).reason,
      undefined,
      'no heal runs while healthy',
    );
  });

  it('a refused session: recorded as a loss once, then a fresh session (or give up)', () => {
    const fresh = step(at('healing'), { type: 'session-refused', lossRecorded: false }, ON);
    assert.deepEqual(
      [fresh.next.state, fresh.reason, effects(fresh)],
      ['session-lost', 'session-refused', ['then:reinitialize']],
    );
    const again = step(at('healing'), { type: 'session-refused', lossRecorded: true }, ON);
    assert.deepEqual([again.next.state, again.reason, effects(again)], ['healing', undefined, ['then:reinitialize']]);
    assert.deepEqual(effects(step(at('healing'), { type: 'session-refused', lossRecorded: true }, OFF)), [
      'then:give-up',
    ]);
    const re = step(fresh.next, { type: 'reinitialize' }, ON);
    assert.deepEqual([re.next.state, re.reason, re.effects], ['healing', 'reinitialize', [{ type: 'heal-fresh' }]]);
  });

  it('an era mismatch negotiates again; a held 2025 session is recorded as lost first', () => {
    const held = step(at('healthy'), { type: 'era-changed', sessionHeld: true }, ON);
    assert.deepEqual(
      [held.next.state, held.reason, effects(held)],
      ['session-lost', 'era-mismatch', ['drop-connection', 'then:reinitialize']],
    );
    const none = step(at('degraded'), { type: 'era-changed', sessionHeld: false }, ON);
    assert.deepEqual(
      [none.next.state, none.reason, none.effects],
      ['healing', 'era-mismatch', [{ type: 'drop-connection' }, { type: 'heal-fresh' }]],
    );
    assert.deepEqual(effects(step(at('healthy'), { type: 'era-changed', sessionHeld: true }, OFF)), [
      'drop-connection',
      'then:give-up',
    ]);
    assert.equal(step(at('healthy'), { type: 'era-changed', sessionHeld: false }, OFF).reason, 'auto-heal-off');
    assert.equal(
      step(at('unreachable'), { type: 'era-changed', sessionHeld: true }, ON).reason,
      undefined,
      'only a server that is up answers in an era',
    );
  });

  it('a sessionless restart is an incident: seen by a probe (then healed) or by a heal after an outage (then connected)', () => {
    const probe = step(
      at('healthy'),
      { type: 'failed', via: 'server-restarted', failure: failure('unknown-session') },
      ON,
    );
    assert.deepEqual([probe.next.state, probe.reason, effects(probe)], ['session-lost', 'server-restarted', ['heal']]);
    const seen = step(at('healing'), { type: 'restart-seen' }, ON);
    assert.deepEqual(
      [seen.next.state, seen.reason, effects(seen)],
      ['session-lost', 'server-restarted', ['then:heal-start']],
    );
    const on = step(seen.next, { type: 'heal-start' }, ON);
    assert.equal(on.next.state, 'healing');
    assert.equal(step(on.next, { type: 'connected', how: 'reconnected' }, ON).next.state, 'healthy');
    assert.equal(step(at('healthy'), { type: 'restart-seen' }, ON).reason, undefined);
  });

  it('a person reconnecting: from any state to healing, budget reset, a fresh session', () => {
    for (const state of SERVER_STATES) {
      const r = step(at(state, 4), { type: 'user-reconnect' }, OFF);
      assert.deepEqual(r.next, { state: 'healing', healAttempts: 0 });
      assert.equal(r.reason, 'user-reconnect');
      assert.deepEqual(effects(r), ['drop-connection', 'heal-fresh']);
    }
  });
});

describe('the heal route, for every held connection, recorded loss and outage', () => {
  // held, loss already recorded, after an outage → route
  const TABLE: [HeldConnection, boolean, boolean, string][] = [
    ['resumable-session', false, false, 'resume'],
    ['resumable-session', false, true, 'resume'],
    ['resumable-session', true, false, 'resume'],
    ['resumable-session', true, true, 'resume'],
    ['session', false, false, 'fresh/reinitialized'],
    ['session', false, true, 'fresh/reinitialized'],
    ['session', true, false, 'fresh/reinitialized'],
    ['session', true, true, 'fresh/reinitialized'],
    // A server without sessions that was away: look for a restart (uptime drop, Docker, discover change)...
    ['sessionless', false, true, 'check-restart'],
    // ...unless a container's death already put this outage's incident on record (docker restart, OOM kill).
    ['sessionless', true, true, 'fresh/reconnected'],
    ['sessionless', false, false, 'fresh/reinitialized'],
    ['sessionless', true, false, 'fresh/reinitialized'],
    ['none', false, true, 'fresh/reconnected'],
    ['none', true, true, 'fresh/reconnected'],
    ['none', false, false, 'fresh/reinitialized'],
    ['none', true, false, 'fresh/reinitialized'],
  ];
  for (const [held, lossRecorded, afterOutage, want] of TABLE) {
    it(`${held}, loss ${lossRecorded ? 'recorded' : 'not recorded'}, ${afterOutage ? 'after an outage' : 'no outage'} → ${want}`, () => {
      const r = healRoute(held, lossRecorded, afterOutage);
      assert.equal(r.via === 'fresh' ? `fresh/${r.how}` : r.via, want);
    });
  }
});
