// Unit tests for src/vscode/present.ts: how states look in the status bar and the tree (no VS Code needed).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ago, describe as describeServer, inTrouble, lookOf, tooltipLine, worst } from '../../src/vscode/present';
import { SERVER_STATES, type ServerSnapshot, type ServerState } from '../../src/core/server-state';

const NOW = Date.parse('2026-11-20T09:00:00.000Z');
const SESSION = '4f1c2a9e-3b6d-4c1e-9a2f-0e8d7c6bb7d0';

function snap(state: ServerState, overrides: Partial<ServerSnapshot> = {}): ServerSnapshot {
  return {
    name: overrides.name ?? `srv-${state}`,
    url: 'http://localhost:8051/mcp',
    configuredTransport: 'auto',
    state,
    stateSince: '2026-11-20T08:00:00.000Z',
    heals: 0,
    healAttempts: 0,
    transitions: [],
    patterns: [],
    ...overrides,
  };
}

/** Worst first, as the issue describes: attention, then lost/unreachable, then busy, then slow, then fine. */
const WORST_FIRST: ServerState[] = [
  'needs-attention',
  'session-lost',
  'unreachable',
  'healing',
  'connecting',
  'degraded',
  'healthy',
];

describe('worst()', () => {
  it('empty list gives undefined', () => {
    assert.equal(worst([]), undefined);
  });

  it('one server is itself', () => {
    const s = snap('healthy');
    assert.equal(worst([s]), s);
  });

  it('orders every state: for each pair the worse one wins, in either order', () => {
    for (let i = 0; i < WORST_FIRST.length; i++) {
      for (let j = i + 1; j < WORST_FIRST.length; j++) {
        const bad = snap(WORST_FIRST[i]);
        const better = snap(WORST_FIRST[j]);
        assert.equal(worst([better, bad])?.state, bad.state, `${bad.state} vs ${better.state}`);
        assert.equal(worst([bad, better])?.state, bad.state, `${bad.state} vs ${better.state}`);
      }
    }
  });

  it('picks the worst of all seven', () => {
    const all = [...WORST_FIRST].reverse().map((s) => snap(s));
    assert.equal(worst(all)?.state, 'needs-attention');
    assert.equal(worst(all.filter((s) => s.state !== 'needs-attention'))?.state, 'session-lost');
  });

  it('errors outrank degraded, degraded outranks healthy', () => {
    assert.equal(worst([snap('healthy'), snap('degraded'), snap('healthy')])?.state, 'degraded');
    assert.equal(worst([snap('degraded'), snap('unreachable')])?.state, 'unreachable');
  });

  it('ties keep the first server (stable)', () => {
    const a = snap('unreachable', { name: 'A' });
    const b = snap('unreachable', { name: 'B' });
    assert.equal(worst([a, b])?.name, 'A');
  });

  it('does not reorder the caller’s array', () => {
    const list = [snap('healthy'), snap('needs-attention'), snap('degraded')];
    const before = list.map((s) => s.state);
    worst(list);
    assert.deepEqual(
      list.map((s) => s.state),
      before,
    );
  });
});

describe('lookOf()', () => {
  it('covers all seven states with an icon, tone and label', () => {
    assert.equal(SERVER_STATES.length, 7);
    for (const state of SERVER_STATES) {
      const look = lookOf(state);
      assert.ok(look, state);
      assert.ok(look.icon.length > 0, state);
      assert.ok(['ok', 'warning', 'error', 'busy'].includes(look.tone), state);
      assert.ok(look.label.length > 0, state);
    }
  });

  it('healthy: plug icon, ok tone', () => {
    assert.deepEqual(lookOf('healthy'), { icon: 'plug', tone: 'ok', label: 'healthy' });
  });

  it('degraded: warning tone (warning background)', () => {
    assert.deepEqual(lookOf('degraded'), { icon: 'plug', tone: 'warning', label: 'slow' });
  });

  it('healing and connecting: a spinning icon', () => {
    for (const s of ['healing', 'connecting'] as const) {
      assert.match(lookOf(s).icon, /~spin$/, s);
      assert.equal(lookOf(s).tone, 'busy', s);
    }
    assert.equal(lookOf('healing').label, 'healing');
    assert.equal(lookOf('connecting').label, 'connecting');
  });

  it('session-lost, unreachable and needs-attention: error tone (error background)', () => {
    assert.deepEqual(lookOf('session-lost'), { icon: 'debug-disconnect', tone: 'error', label: 'session lost' });
    assert.deepEqual(lookOf('unreachable'), { icon: 'debug-disconnect', tone: 'error', label: 'unreachable' });
    assert.deepEqual(lookOf('needs-attention'), { icon: 'warning', tone: 'error', label: 'needs attention' });
  });

  it('every state has its own label', () => {
    const labels = SERVER_STATES.map((s) => lookOf(s).label);
    assert.equal(new Set(labels).size, labels.length);
  });
});

describe('describe()', () => {
  it('healthy with a ping shows the latency', () => {
    assert.equal(
      describeServer(snap('healthy', { lastPing: { at: '2026-11-20T08:59:58.000Z', latencyMs: 12 } })),
      'healthy · 12 ms',
    );
  });

  it('degraded with a ping shows "slow" and the latency', () => {
    assert.equal(
      describeServer(snap('degraded', { lastPing: { at: '2026-11-20T08:59:58.000Z', latencyMs: 1500 } })),
      'slow · 1500 ms',
    );
  });

  it('healthy without a ping is just the label', () => {
    assert.equal(describeServer(snap('healthy')), 'healthy');
  });

  it('session-lost shows the loss cause when known', () => {
    assert.equal(
      describeServer(
        snap('session-lost', { lastLoss: { at: '2026-11-20T08:59:00.000Z', cause: 'oom-kill', evidence: [] } }),
      ),
      'session lost · oom-kill',
    );
    assert.equal(describeServer(snap('session-lost')), 'session lost');
  });

  it('other states show their label and no stale latency', () => {
    for (const s of ['unreachable', 'healing', 'connecting', 'needs-attention'] as const) {
      const d = describeServer(snap(s, { lastPing: { at: '2026-11-20T08:00:00.000Z', latencyMs: 12 } }));
      assert.equal(d, lookOf(s).label, s);
    }
  });
});

describe('ago()', () => {
  it('formats seconds, minutes, hours and days', () => {
    assert.equal(ago(undefined, NOW), 'never');
    assert.equal(ago(new Date(NOW).toISOString(), NOW), '0 s ago');
    assert.equal(ago(new Date(NOW - 42_000).toISOString(), NOW), '42 s ago');
    assert.equal(ago(new Date(NOW - 5 * 60_000).toISOString(), NOW), '5 min ago');
    assert.equal(ago(new Date(NOW - 3 * 3600_000).toISOString(), NOW), '3 h ago');
    assert.equal(ago(new Date(NOW - 2 * 86400_000).toISOString(), NOW), '2 d ago');
  });

  it('a time in the future (clock skew) is not negative', () => {
    assert.equal(ago(new Date(NOW + 10_000).toISOString(), NOW), '0 s ago');
  });
});

describe('tooltipLine()', () => {
  it('shows the name in bold, the state label, latency and the shortened session', () => {
    const line = tooltipLine(
      snap('healthy', {
        name: 'Archon',
        sessionId: SESSION,
        lastPing: { at: '2026-11-20T08:59:58.000Z', latencyMs: 9 },
      }),
      NOW,
    );
    assert.ok(line.startsWith('**Archon**: healthy'));
    assert.ok(line.includes('9 ms'));
    assert.ok(line.includes('session `4f1c2a9e…b7d0`'));
  });

  it('never shows a full session id, in any state', () => {
    for (const state of SERVER_STATES) {
      for (const id of [SESSION, '9f8e7d6c5b4a39281706f5e4d3c2b1a0']) {
        const line = tooltipLine(
          snap(state, { sessionId: id, lastPing: { at: '2026-11-20T08:59:58.000Z', latencyMs: 9 } }),
          NOW,
        );
        assert.ok(!line.includes(id), `${state}: ${line}`);
      }
    }
  });

  it('shows the last heal with how long ago and its kind', () => {
    const line = tooltipLine(
      snap('healthy', {
        lastHeal: { at: new Date(NOW - 120_000).toISOString(), kind: 'resumed', durationMs: 30, attempts: 1 },
      }),
      NOW,
    );
    assert.ok(line.includes('last heal 2 min ago (resumed)'), line);
  });

  it('shows the last failure when not healthy, and hides it when healthy', () => {
    const lastFailure = {
      at: '2026-11-20T08:59:00.000Z',
      kind: 'unknown-session' as const,
      message:
        'HTTP 400 "Bad Request: No valid session ID provided": the server no longer knows this session (it probably restarted).',
    };
    assert.ok(tooltipLine(snap('session-lost', { lastFailure }), NOW).includes('No valid session ID provided'));
    assert.ok(!tooltipLine(snap('healthy', { lastFailure }), NOW).includes('No valid session ID provided'));
  });

  it('server-provided text in the failure message cannot inject Markdown links or images into the trusted tooltip', () => {
    // The status bar appends tooltipLine() to a MarkdownString with command links enabled; the
    // failure message quotes the HTTP body the server sent, so it must be escaped for Markdown.
    const body = '![x](https://tracker.example/p.png) [Fix it](command:archonMcp.reconnect) **bold**';
    const lastFailure = {
      at: '2026-11-20T08:59:00.000Z',
      kind: 'protocol' as const,
      message: `HTTP 418 "${body}": not an answer an MCP server gives.`,
    };
    const line = tooltipLine(snap('needs-attention', { lastFailure }), NOW);
    assert.ok(line.includes('tracker.example'), 'the text itself is still shown');
    assert.doesNotMatch(line, /(^|[^\\])\]\(/, `an unescaped Markdown link/image survives: ${line}`);
  });

  it('does not show a stale latency while the server is down', () => {
    const line = tooltipLine(
      snap('unreachable', { lastPing: { at: '2026-11-20T08:00:00.000Z', latencyMs: 777 } }),
      NOW,
    );
    assert.ok(!line.includes('777 ms'), line);
    assert.ok(line.includes('unreachable'));
  });

  it('parts are separated by " · " and a bare server has only its name and state', () => {
    assert.equal(tooltipLine(snap('connecting', { name: 'X' }), NOW), '**X**: connecting');
    const line = tooltipLine(
      snap('healthy', { name: 'X', sessionId: SESSION, lastPing: { at: '2026-11-20T08:59:58.000Z', latencyMs: 9 } }),
      NOW,
    );
    assert.equal(line, '**X**: healthy · 9 ms · session `4f1c2a9e…b7d0`');
  });
});

describe('inTrouble() (Reconnect MCP from the palette reconnects all of them when there are several)', () => {
  it('lost, unreachable, healing and attention are trouble; fine, slow, connecting and a calm "not running" are not', () => {
    const all = [
      ...WORST_FIRST.map((st) => snap(st)),
      snap('unreachable', { name: 'calm', down: { calm: true, detail: 'stopped' } as ServerSnapshot['down'] }),
    ];
    assert.deepEqual(
      inTrouble(all).map((s) => s.name),
      ['srv-needs-attention', 'srv-session-lost', 'srv-unreachable', 'srv-healing'],
    );
  });
});
