// When the Docker watcher reads memory: one read at a time, one per interval, only while wanted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemorySampler } from '../../src/core/docker/memory-sampler';

function host() {
  const h = {
    wanted: true,
    reads: 0,
    inFlight: 0,
    maxInFlight: 0,
    release: undefined as (() => void) | undefined,
    next: undefined as (() => void) | undefined,
  };
  return {
    h,
    sampler: new MemorySampler(
      {
        wanted: () => h.wanted,
        sample: async () => {
          h.reads++;
          h.inFlight++;
          h.maxInFlight = Math.max(h.maxInFlight, h.inFlight);
          h.next?.();
          await new Promise<void>((r) => (h.release = r));
          h.inFlight--;
        },
      },
      20,
    ),
  };
}

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

describe('MemorySampler', () => {
  it('reads at once when wanted, never two at a time, and again after the interval', async () => {
    const { h, sampler } = host();
    sampler.update();
    assert.ok(sampler.active);
    await until(() => h.reads === 1);
    sampler.update();
    sampler.update();
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(h.reads, 1, 'no second read while one is under way');
    h.release!();
    await until(() => h.reads === 2);
    assert.equal(h.maxInFlight, 1);
    h.wanted = false;
    h.release!();
    await until(() => !sampler.active);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(h.reads, 2, 'no read once samples are not wanted');
  });

  it('stop() cancels the scheduled read; update() while unwanted starts nothing', async () => {
    const { h, sampler } = host();
    h.wanted = false;
    sampler.update();
    assert.equal(sampler.active, false);
    h.wanted = true;
    sampler.update();
    sampler.stop();
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(h.reads, 0);
    assert.equal(sampler.active, false);
  });

  it('a failed read is followed by the next one', async () => {
    let reads = 0;
    let wanted = true;
    const sampler = new MemorySampler(
      {
        wanted: () => wanted,
        sample: async () => {
          reads++;
          throw new Error('engine gone');
        },
      },
      10,
    );
    sampler.update();
    await until(() => reads >= 2);
    wanted = false;
    await until(() => !sampler.active);
  });
});
