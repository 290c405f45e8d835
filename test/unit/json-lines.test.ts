// The CLI's --json lines as built by the CLI's own builders, checked against the one schema.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerLine, transitionLine } from '../../src/cli/watch';
import type { ContainerSnapshot } from '../../src/core/docker';
import { jsonLine, parseJsonLine } from '../../src/core/json-lines';
import type { ServerSnapshot, Transition } from '../../src/core/server-state';

const AT = '2026-12-01T22:00:00.000Z';
const snapshot: ServerSnapshot = {
  name: 'Archon',
  url: 'http://localhost:8051/mcp',
  configuredTransport: 'auto',
  state: 'session-lost',
  stateSince: AT,
  sessionId: '1a2b3c4d5e6f7a8b9c0d1e2f3a4b9f0e',
  heals: 0,
  healAttempts: 0,
  transitions: [],
  patterns: [],
};
const loss = {
  at: AT,
  cause: 'oom-kill' as const,
  label: 'OOM kill',
  evidence: [{ at: AT, source: 'docker' as const, detail: 'container archon-mcp was OOM-killed' }],
};
const lost: Transition = {
  at: AT,
  from: 'healthy',
  to: 'session-lost',
  reason: 'container-died',
  failure: { kind: 'unknown-session', message: 'The server lost its session.' },
  loss,
  evidence: loss.evidence,
};
const container: ContainerSnapshot = {
  configuredName: 'archon-mcp',
  matchedName: 'archon-mcp',
  matchedFallback: false,
  state: 'exited',
  health: 'none',
  restarts: 0,
  oomKills: 1,
  memoryPressure: false,
  connected: true,
  updatedAt: AT,
};
const roundTrip = (line: unknown) => parseJsonLine(JSON.stringify(line));

describe('CLI JSON lines', () => {
  it('a transition line: type, t, reason, the failure kind and the loss apart, the session id shortened', () => {
    const line = roundTrip(transitionLine(snapshot, lost));
    assert.equal(line.type, 'transition');
    assert.ok(line.type === 'transition');
    assert.equal(line.t, AT);
    assert.equal(line.reason, 'container-died');
    assert.equal(line.failure, 'unknown-session');
    assert.deepEqual(line.loss, { cause: 'oom-kill', label: 'OOM kill', evidence: loss.evidence });
    assert.equal(line.sessionId, '1a2b3c4d…9f0e');
    assert.equal(line.httpStatus, null);
  });

  it('a refined re-announcement is marked on its loss; a label defaults to the cause', () => {
    const line = roundTrip(
      transitionLine(snapshot, { ...lost, loss: { ...loss, label: undefined, cause: 'crash' }, refined: true }),
    );
    assert.ok(line.type === 'transition');
    assert.deepEqual(line.loss, { cause: 'crash', label: 'crash', evidence: loss.evidence, refined: true });
  });

  it('a healthy line has no failure and no loss', () => {
    const line = roundTrip(
      transitionLine(
        { ...snapshot, state: 'healthy' },
        { at: AT, from: 'healing', to: 'healthy', reason: 'reinitialized', evidence: [] },
      ),
    );
    assert.ok(line.type === 'transition');
    assert.equal(line.failure, undefined);
    assert.equal(line.loss, undefined);
  });

  it('a container line carries the loss Docker already knows', () => {
    const line = roundTrip(
      containerLine('Archon', 'down', container, {
        exitCode: 137,
        oom: true,
        loss: { cause: 'oom-kill', label: 'OOM kill', evidence: [] },
      }),
    );
    assert.ok(line.type === 'container');
    assert.equal(line.event, 'down');
    assert.equal(line.loss?.cause, 'oom-kill');
    assert.equal(line.memoryPct, null);
  });

  it('gateway lines: the start line and an event line', () => {
    assert.equal(
      roundTrip(
        jsonLine('listening', {
          url: 'http://127.0.0.1:8052/archon/mcp',
          mode: 'serving',
          upstream: 'http://localhost:8051/mcp',
        }),
      ).type,
      'listening',
    );
    assert.equal(
      roundTrip(jsonLine('held', { t: AT, server: 'archon', session: 'abcd…1234', message: 'held 1 request' })).type,
      'held',
    );
  });

  it('rejects lines that break the vocabulary, saying which field', () => {
    const good = transitionLine(snapshot, lost);
    const bad: [string, unknown][] = [
      ['no type', { ...good, type: undefined }],
      ['an unknown type', { ...good, type: 'transitions' }],
      ['no t', { ...good, t: undefined }],
      ['a t that is not a time', { ...good, t: 'yesterday' }],
      ['the old cause field', { ...good, cause: 'oom-kill' }],
      ['a reason outside the list', { ...good, reason: 'server-answered' }],
      ['a loss cause outside the list', { ...good, loss: { ...good.loss, cause: 'meteor' } }],
      ['a gateway event with the old at field', { type: 'held', at: AT, t: AT, message: 'x' }],
    ];
    for (const [what, line] of bad) assert.throws(() => roundTrip(line), /breaks the --json schema/, what);
    assert.throws(() => parseJsonLine('{"type":'), /not JSON/);
  });
});
