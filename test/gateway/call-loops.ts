// Steady calls for restart tests: loops that call back to back and count what was answered, and a wait
// for each loop to answer n more (the killer waits for it: a loaded machine slows a test, never fails it).
import assert from 'node:assert/strict';
import { sleep } from './util';

export interface LoopResult {
  calls: number;
  errors: string[];
}

/** Calls `call` back to back until `stop()`; `gate` (when given) is awaited before each call. `progress` counts live. */
export function loop(
  call: (i: number) => Promise<void>,
  stop: () => boolean,
  gate?: () => Promise<void>,
): { done: Promise<LoopResult>; progress: LoopResult } {
  const r: LoopResult = { calls: 0, errors: [] };
  const done = (async () => {
    for (let i = 0; !stop(); i++) {
      if (gate) await gate();
      if (stop()) break;
      try {
        await call(i);
      } catch (e) {
        r.errors.push((e as Error).message);
      }
      r.calls++;
    }
    return r;
  })();
  return { done, progress: r };
}

/** Resolves once each loop has answered `n` more calls than it had when this was called. */
export async function answered(loops: LoopResult[], n: number, timeoutMs = 60_000): Promise<void> {
  const start = loops.map((l) => l.calls);
  const until = Date.now() + timeoutMs;
  while (loops.some((l, i) => l.calls < start[i] + n)) {
    assert.ok(
      Date.now() < until,
      `the call loops stalled: ${loops.map((l, i) => l.calls - start[i]).join(', ')} calls answered in ${timeoutMs} ms`,
    );
    await sleep(20);
  }
}
