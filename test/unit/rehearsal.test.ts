// Unit tests for src/core/rehearsal-report.ts: the "Rehearse a Restart" report from a snapshot and gateway counters.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GatewayCounters } from '../../src/core/gateway';
import { rehearsalReport, rehearsalSummary, renderRehearsal } from '../../src/core/rehearsal-report';
import type { ServerSnapshot, ServerState, Transition } from '../../src/core/server-state';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const t = (ms: number, from: ServerState, to: ServerState): Transition => ({
  at: at(ms),
  from,
  to,
  reason: 'ping-failed',
  evidence: [],
});

function snap(state: ServerState, transitions: Transition[], overrides: Partial<ServerSnapshot> = {}): ServerSnapshot {
  return {
    name: 'Archon',
    url: 'http://localhost:8051/mcp',
    configuredTransport: 'auto',
    state,
    stateSince: at(0),
    heals: 0,
    healAttempts: 0,
    transitions,
    patterns: [],
    ...overrides,
  };
}
const counters = (
  forwarded: number,
  held: number,
  reinitialized: number,
  resent: number,
  errors: number,
): GatewayCounters => ({
  requestsForwarded: forwarded,
  errorsReturned: errors,
  healed: { held, reinitialized, resent },
});

describe('rehearsalReport', () => {
  it('a docker restart that healed: detection and heal times, the cause, the gateway deltas', () => {
    const after = snap(
      'healthy',
      [
        t(-60_000, 'connecting', 'healthy'),
        t(420, 'healthy', 'session-lost'),
        t(425, 'session-lost', 'healing'),
        t(430, 'healing', 'unreachable'),
        t(2_900, 'unreachable', 'healing'),
        t(3_150, 'healing', 'healthy'),
      ],
      {
        lastLoss: { at: at(420), cause: 'docker-restart', label: 'docker restart', evidence: [] },
        lastHeal: { at: at(3_150), kind: 'reinitialized', durationMs: 2_700, attempts: 1 },
      },
    );
    const r = rehearsalReport({
      requestedAt: at(0),
      after,
      gatewayBefore: counters(10, 1, 0, 0, 0),
      gatewayAfter: counters(14, 3, 1, 0, 0),
    });
    assert.equal(r.outcome, 'healed');
    assert.equal(r.detectionMs, 420);
    assert.equal(r.healMs, 2_730);
    assert.equal(r.cause, 'docker-restart');
    assert.equal(r.causeLabel, 'docker restart');
    assert.equal(r.healKind, 'reinitialized');
    assert.deepEqual(r.gateway, {
      held: 3,
      heldByKind: { held: 2, reinitialized: 1, resent: 0 },
      forwarded: 4,
      errorsReturned: 0,
    });
    assert.match(
      rehearsalSummary(r),
      /noticed in 420 ms, healthy again 2\.7 s later \(docker restart\); the gateway held and answered 3 client requests/,
    );
    const md = renderRehearsal(r);
    assert.match(md, /\| Detection time \| 420 ms \|/);
    assert.match(md, /\| Cause named \| docker restart \(`docker-restart`\) \|/);
    assert.match(md, /held 2, re-initialized 1, resent 0/);
  });

  it('losses and heals from before the rehearsal are not its own', () => {
    const after = snap('healthy', [t(-9_000, 'healthy', 'session-lost'), t(-8_000, 'session-lost', 'healthy')], {
      lastLoss: { at: at(-9_000), cause: 'crash', evidence: [] },
      lastHeal: { at: at(-8_000), kind: 'reinitialized', durationMs: 1000, attempts: 1 },
    });
    const r = rehearsalReport({ requestedAt: at(0), after });
    assert.equal(r.outcome, 'not-detected');
    assert.equal(r.cause, undefined);
    assert.equal(r.healKind, undefined);
    assert.equal(r.gateway, undefined);
    assert.match(rehearsalSummary(r), /not noticed/);
    assert.match(renderRehearsal(r), /Gateway \| not running/);
  });

  it('noticed but still down when time ran out: not healed, no heal time', () => {
    const r = rehearsalReport({ requestedAt: at(0), after: snap('unreachable', [t(300, 'healthy', 'unreachable')]) });
    assert.equal(r.outcome, 'not-healed');
    assert.equal(r.detectionMs, 300);
    assert.equal(r.healMs, undefined);
    assert.match(rehearsalSummary(r), /noticed after 300 ms, but Archon is not healthy again yet/);
  });

  it('a server without sessions (nothing lost) that came back: healed, "no session lost"', () => {
    const r = rehearsalReport({
      requestedAt: at(0),
      after: snap('healthy', [
        t(200, 'healthy', 'unreachable'),
        t(1_700, 'unreachable', 'healing'),
        t(1_800, 'healing', 'healthy'),
      ]),
    });
    assert.equal(r.outcome, 'healed');
    assert.equal(r.healMs, 1_600);
    assert.match(rehearsalSummary(r), /no session lost/);
  });
});
