import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeContainer, formatDuration, type ContainerSnapshot } from '../../src/core/docker/snapshot';

const MB = 1024 * 1024;
const base: ContainerSnapshot = {
  configuredName: 'archon-mcp',
  matchedName: 'archon-mcp',
  matchedFallback: false,
  state: 'running',
  health: 'healthy',
  restarts: 4,
  oomKills: 1,
  memoryPressure: false,
  connected: true,
  updatedAt: '2026-11-24T01:00:00.000Z',
  uptimeSeconds: 312,
  memory: {
    at: '2026-11-24T01:00:00.000Z',
    usageBytes: 312 * MB,
    limitBytes: 512 * MB,
    limitIsHost: false,
    pct: 60.9,
    pressure: false,
  },
};

describe('container snapshot rendering', () => {
  it('one line with state, health, uptime, restarts, OOM kills and memory', () => {
    assert.equal(
      describeContainer(base),
      'running, healthy, up 5m 12s, restarts 4, OOM kills 1, 312 MB / 512 MB (61 %)',
    );
  });
  it('says memory pressure', () => {
    assert.match(describeContainer({ ...base, memoryPressure: true }), /— memory pressure$/);
  });
  it('a problem replaces the line', () => {
    const s = describeContainer({
      ...base,
      problem: { code: 'container-not-found', message: 'No container named "archon-mcp".', at: base.updatedAt },
    });
    assert.equal(s, 'No container named "archon-mcp".');
  });
  it('formats durations', () => {
    assert.deepEqual([5, 65, 3700, 90000].map(formatDuration), ['5s', '1m 5s', '1h 1m', '1d 1h']);
  });
});
