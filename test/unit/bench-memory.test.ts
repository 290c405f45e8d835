// The soak's numbers: the least-squares slope it reports as KB/min, and the /proc RSS reader.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCpuMs, readRssKb, slope } from '../../bench/memory';

describe('bench/memory', () => {
  it('slope: exact on a line, the trend through noise, NaN without two distinct x', () => {
    assert.equal(slope([0, 1, 2, 3].map((x) => ({ x, y: 5 + 100 * x }))), 100);
    const sawtooth = Array.from({ length: 40 }, (_, i) => ({ x: i, y: 1000 + 2 * i + (i % 2 ? 50 : -50) }));
    assert.ok(Math.abs(slope(sawtooth) - 2) < 0.2, `trend ${slope(sawtooth)}`);
    assert.ok(Number.isNaN(slope([{ x: 1, y: 1 }])));
    assert.ok(
      Number.isNaN(
        slope([
          { x: 1, y: 1 },
          { x: 1, y: 9 },
        ]),
      ),
    );
  });

  it('readRssKb: this process has an RSS; a pid that does not exist has none', async (t) => {
    if (process.platform !== 'linux') return t.skip('/proc is Linux only');
    const kb = await readRssKb(process.pid);
    assert.ok(kb !== undefined && kb > 1024 && kb < 16 * 1024 * 1024, `RSS ${kb} KB`);
    assert.equal(await readRssKb(2 ** 22 + 12345), undefined);
  });

  it('readCpuMs: grows by what this process burns (as process.cpuUsage counts it); none for a missing pid', async (t) => {
    if (process.platform !== 'linux') return t.skip('/proc is Linux only');
    const before = await readCpuMs(process.pid);
    assert.ok(before !== undefined && before > 0, `CPU ${before} ms`);
    const start = process.cpuUsage();
    let x = 0;
    while (process.cpuUsage(start).user < 200_000) x += Math.sqrt(x + 1);
    const after = await readCpuMs(process.pid);
    assert.ok(x > 0);
    assert.ok(after! - before >= 100, `burned 200 ms by cpuUsage, /proc says ${after! - before} ms`);
    assert.equal(await readCpuMs(2 ** 22 + 12345), undefined);
  });
});
