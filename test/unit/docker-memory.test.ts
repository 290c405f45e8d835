import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatMemory, memorySample, memoryUsage } from '../../src/core/docker/memory';

const MB = 1024 * 1024;

describe('memory', () => {
  it('subtracts total_inactive_file (cgroup v1)', () => {
    assert.equal(
      memoryUsage({ usage: 300 * MB, stats: { total_inactive_file: 50 * MB, inactive_file: 10 * MB } }),
      250 * MB,
    );
  });
  it('subtracts inactive_file (cgroup v2)', () => {
    assert.equal(memoryUsage({ usage: 300 * MB, stats: { inactive_file: 20 * MB } }), 280 * MB);
  });
  it('never goes negative and tolerates missing stats', () => {
    assert.equal(memoryUsage({ usage: 10 * MB, stats: { inactive_file: 20 * MB } }), 10 * MB);
    assert.equal(memoryUsage({ usage: 10 * MB }), 10 * MB);
    assert.equal(memoryUsage({}), undefined);
  });
  it('flags pressure at the threshold against the container limit', () => {
    const s = memorySample({ usage: 460 * MB, stats: {} }, { configuredLimit: 512 * MB, threshold: 0.85 })!;
    assert.equal(s.pressure, true);
    assert.equal(s.limitIsHost, false);
    assert.equal(Math.round(s.pct), 90);
    const t = memorySample({ usage: 430 * MB }, { configuredLimit: 512 * MB, threshold: 0.85 })!;
    assert.equal(t.pressure, false);
    assert.equal(memorySample({ usage: 435.2 * MB }, { configuredLimit: 512 * MB, threshold: 0.85 })!.pressure, true);
  });
  it('compares with the host total without a limit, and says so', () => {
    const s = memorySample(
      { usage: 512 * MB, limit: 8192 * MB },
      { configuredLimit: 0, hostTotal: 16384 * MB, threshold: 0.85 },
    )!;
    assert.equal(s.limitIsHost, true);
    assert.equal(s.limitBytes, 16384 * MB);
    assert.equal(formatMemory(s), '512 MB / 16 GB host (3 %)');
  });
  it('formats like 312 MB / 512 MB (61 %)', () => {
    assert.equal(
      formatMemory({ usageBytes: 312 * MB, limitBytes: 512 * MB, limitIsHost: false }),
      '312 MB / 512 MB (61 %)',
    );
    assert.equal(formatBytes(1.5 * 1024 * MB), '1.5 GB');
    assert.equal(formatBytes(800 * 1024), '800 KB');
    assert.equal(formatBytes(12), '12 B');
  });
});
