// The negotiated protocol era as every renderer shows it: tree wording, tooltip, report row, watch JSON.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { transitionLine } from '../../src/cli/watch';
import { readJsonLine } from '../helpers/json-lines';
import { renderReport } from '../../src/core/report';
import { PROTOCOL_ERAS, type ServerSnapshot, type Transition } from '../../src/core/server-state';
import { describe as describeServer, eraLabel, tooltipLine } from '../../src/vscode/present';

function snap(overrides: Partial<ServerSnapshot> = {}): ServerSnapshot {
  return {
    name: 'srv',
    url: 'http://localhost:8051/mcp',
    configuredTransport: 'auto',
    state: 'healthy',
    stateSince: '2026-11-20T08:00:00.000Z',
    heals: 0,
    healAttempts: 0,
    transitions: [],
    patterns: [],
    ...overrides,
  };
}
const T: Transition = {
  at: '2026-11-20T08:00:01.000Z',
  from: 'connecting',
  to: 'healthy',
  reason: 'connected',
  evidence: [],
};

describe('era in words', () => {
  it('the closed union has exactly the two eras', () => {
    assert.deepEqual([...PROTOCOL_ERAS], ['2025', '2026-07-28']);
  });

  it('2025 says it is stateful and names the exact revision', () => {
    assert.equal(eraLabel({ era: '2025', protocolVersion: '2025-11-25' }), '2025 (2025-11-25), stateful');
  });

  it('2026-07-28 says it is stateless, without repeating the revision', () => {
    assert.equal(eraLabel({ era: '2026-07-28', protocolVersion: '2026-07-28' }), '2026-07-28, stateless');
  });

  it('never uses the word "session" (the UI test finds the Session row by that word)', () => {
    for (const era of PROTOCOL_ERAS) assert.doesNotMatch(eraLabel({ era, protocolVersion: era }), /session/i);
  });

  it('before the first connect it says so', () => {
    assert.equal(eraLabel({}), 'not negotiated yet');
  });

  it('the tooltip names the era', () => {
    assert.match(tooltipLine(snap({ era: '2026-07-28' })), /MCP 2026-07-28/);
    assert.doesNotMatch(tooltipLine(snap()), /MCP 20/);
  });

  it("a sessionless server's incident reads 'restarted', a 2025 one's 'session lost'", () => {
    const loss = { at: T.at, cause: 'process-restart' as const, evidence: [] };
    assert.equal(
      describeServer(snap({ state: 'session-lost', era: '2026-07-28', lastLoss: loss })),
      'restarted · process-restart',
    );
    assert.equal(
      describeServer(snap({ state: 'session-lost', era: '2025', sessionId: 'abc', lastLoss: loss })),
      'session lost · process-restart',
    );
    assert.equal(
      describeServer(snap({ state: 'session-lost', era: '2025', lastLoss: loss })),
      'restarted · process-restart',
      'a stateless 2025 server',
    );
  });
});

describe('era in the watch JSON and the report', () => {
  it('every transition line carries `era` (null before negotiation)', () => {
    assert.equal(transitionLine(snap({ era: '2026-07-28' }), T).era, '2026-07-28');
    assert.equal(transitionLine(snap({ era: '2025' }), T).era, '2025');
    assert.equal(transitionLine(snap(), T).era, null);
    for (const era of [...PROTOCOL_ERAS, undefined]) readJsonLine(JSON.stringify(transitionLine(snap({ era }), T)));
  });

  it('the report has a protocol era row', () => {
    const report = renderReport({
      product: { name: 'Archon MCP Doctor', version: '0.1.0' },
      servers: [],
      settings: {},
      snapshots: [snap({ era: '2026-07-28', protocolVersion: '2026-07-28' })],
      recentFailures: () => [],
    });
    assert.match(report, /\| Protocol era \| 2026-07-28 \|/);
  });
});
