// The settings queue: one apply at a time, the latest wins, nothing runs after close().
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatestWinsQueue } from '../../src/core/latest-queue';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('LatestWinsQueue', () => {
  it('never overlaps applies, and skips values replaced while one was running', async () => {
    const applied: number[] = [];
    let active = 0;
    let maxActive = 0;
    const first = gate();
    const q = new LatestWinsQueue<number>(
      async (v) => {
        active++;
        maxActive = Math.max(maxActive, active);
        if (v === 1) await first.opened;
        applied.push(v);
        active--;
      },
      (err) => assert.fail(String(err)),
    );
    const all = [q.push(1), q.push(2), q.push(3), q.push(4)];
    first.open();
    await Promise.all(all);
    assert.deepEqual(applied, [1, 4]);
    assert.equal(maxActive, 1);
    await q.push(5);
    assert.deepEqual(applied, [1, 4, 5]);
  });

  it('a failing apply is reported and the queue goes on', async () => {
    const errors: unknown[] = [];
    const applied: string[] = [];
    const q = new LatestWinsQueue<string>(
      async (v) => {
        if (v === 'bad') throw new Error('bad value');
        applied.push(v);
      },
      (err) => errors.push(err),
    );
    await q.push('bad');
    await q.push('good');
    assert.deepEqual(applied, ['good']);
    assert.match(String(errors[0]), /bad value/);
  });

  it('close() waits for the running apply and drops the waiting one', async () => {
    const applied: number[] = [];
    const first = gate();
    const q = new LatestWinsQueue<number>(
      async (v) => {
        if (v === 1) await first.opened;
        applied.push(v);
      },
      () => undefined,
    );
    const p1 = q.push(1);
    const p2 = q.push(2);
    const closed = q.close();
    first.open();
    await Promise.all([p1, p2, closed]);
    await q.push(3);
    assert.deepEqual(applied, [1]);
  });
});
