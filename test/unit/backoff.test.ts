// Unit tests for src/core/backoff.ts: outage probe delays and heal retry delays.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createBackoff, exponentialDelayMs } from '../../src/core/backoff';
import { holdDelay } from '../../src/core/healing';

const fixed = (r: number) => () => r;
const MIN = 60_000;

/** Simulates one outage: probes until `untilMs` of outage, returning [elapsed, delay] pairs. */
function simulateOutage(random: () => number, untilMs: number): [number, number][] {
  const b = createBackoff(random);
  const out: [number, number][] = [];
  let elapsed = 0;
  for (let probes = 0; elapsed < untilMs; probes++) {
    const d = b.outageProbeDelayMs(elapsed, probes);
    out.push([elapsed, d]);
    elapsed += d;
  }
  return out;
}

describe('outageProbeDelayMs: first minute', () => {
  it('the first probe comes quickly (≤ 200 ms)', () => {
    const d = createBackoff(fixed(0.5)).outageProbeDelayMs(0, 0);
    assert.ok(d > 0 && d <= 200, `first delay ${d}`);
  });

  it('every delay in the first minute is > 0 and ≤ 1 s, whatever the random value', () => {
    for (const r of [0, 0.5, 0.999999]) {
      for (const [elapsed, d] of simulateOutage(fixed(r), MIN)) {
        if (elapsed >= MIN) break;
        assert.ok(d > 0 && d <= 1_000, `r=${r} elapsed=${elapsed}: delay ${d}`);
      }
    }
  });

  it('over a simulated first minute, delays never shrink, start short and reach 1 s', () => {
    const steps = simulateOutage(fixed(0.5), MIN).filter(([e]) => e < MIN);
    const delays = steps.map(([, d]) => d);
    for (let i = 1; i < delays.length; i++)
      assert.ok(delays[i] >= delays[i - 1], `probe ${i}: ${delays[i]} < ${delays[i - 1]}`);
    assert.ok(delays[0] <= 100, `first delay ${delays[0]}`);
    assert.ok(delays.at(-1)! > delays[0], 'they actually grow');
    assert.equal(delays.at(-1), 1_000, 'and reach 1 s within the first minute');
  });

  it('a restart that takes a few seconds is noticed within a fraction of a second', () => {
    // Every gap between probes in the first 5 s of an outage is short.
    for (const [elapsed, d] of simulateOutage(fixed(0.5), 5_000)) {
      if (elapsed >= 5_000) break;
      assert.ok(d <= 250, `at ${elapsed} ms the next probe waits ${d} ms`);
    }
  });

  it('for a fixed elapsed time, more probes never mean a shorter delay', () => {
    const b = createBackoff(fixed(0.5));
    for (const elapsed of [0, 4_999, 5_000, 20_000, 59_999]) {
      let previous = 0;
      for (let probes = 0; probes < 300; probes++) {
        const d = b.outageProbeDelayMs(elapsed, probes);
        assert.ok(d >= previous, `elapsed ${elapsed}, probe ${probes}: ${d} < ${previous}`);
        previous = d;
      }
    }
  });

  it('a minute of outage costs many probes (a quick restart is caught within about a second)', () => {
    const probes = simulateOutage(fixed(0.5), MIN).filter(([e]) => e < MIN);
    assert.ok(probes.length >= 50, `only ${probes.length} probes in the first minute`);
  });

  it('a huge probe count stays at 1 s (no Infinity/NaN)', () => {
    const d = createBackoff(fixed(0.5)).outageProbeDelayMs(30_000, 10_000);
    assert.equal(d, 1_000);
  });
});

describe('outageProbeDelayMs: after the first minute', () => {
  it('never exceeds 30 s, for any elapsed time and any random value', () => {
    for (const r of [0, 0.25, 0.5, 0.75, 0.999999]) {
      const b = createBackoff(fixed(r));
      for (let elapsed = MIN; elapsed <= 7 * 24 * 3600_000; elapsed += 7_919) {
        const d = b.outageProbeDelayMs(elapsed, 1_000);
        assert.ok(d <= 30_000, `r=${r} elapsed=${elapsed}: ${d}`);
        assert.ok(d >= 1_000, `r=${r} elapsed=${elapsed}: ${d} is too eager after the first minute`);
      }
    }
  });

  it('starts around 2 s right after the first minute', () => {
    const d = createBackoff(fixed(0)).outageProbeDelayMs(MIN, 100);
    assert.equal(d, 2_000);
  });

  it('grows with the outage and reaches the 30 s cap', () => {
    const b = createBackoff(fixed(0));
    const at = (min: number) => b.outageProbeDelayMs(min * MIN, 100);
    assert.ok(at(1.5) > at(1), `${at(1.5)} > ${at(1)}`);
    assert.ok(at(2) > at(1.5), `${at(2)} > ${at(1.5)}`);
    assert.equal(at(10), 30_000);
    assert.equal(at(60 * 24), 30_000, 'still 30 s after a day');
  });

  it('is monotonic in elapsed time for a fixed random value', () => {
    const b = createBackoff(fixed(0.3));
    let previous = 0;
    for (let elapsed = MIN; elapsed < 30 * MIN; elapsed += 1_000) {
      const d = b.outageProbeDelayMs(elapsed, 100);
      assert.ok(d >= previous, `elapsed ${elapsed}: ${d} < ${previous}`);
      previous = d;
    }
  });

  it('a simulated long outage probes at most about twice a minute once backed off', () => {
    const steps = simulateOutage(fixed(0.5), 60 * MIN);
    const lastHalfHour = steps.filter(([e]) => e >= 30 * MIN);
    // Jitter takes up to 20 % off the 30 s cap: between 60 (every 30 s) and 75 (every 24 s) probes.
    assert.ok(lastHalfHour.length <= 76, `${lastHalfHour.length} probes in the last half hour`);
    assert.ok(lastHalfHour.length >= 59, `${lastHalfHour.length} probes: the cap is 30 s, not longer`);
  });
});

describe('outageProbeDelayMs: jitter', () => {
  it('jitter takes up to 20 % off the nominal delay', () => {
    const base = 4_000; // 30–60 s after the first minute: one doubling of 2 s
    const elapsed = MIN + 30_000;
    const lo = createBackoff(fixed(0)).outageProbeDelayMs(elapsed, 100);
    const mid = createBackoff(fixed(0.5)).outageProbeDelayMs(elapsed, 100);
    const hi = createBackoff(fixed(0.999999)).outageProbeDelayMs(elapsed, 100);
    assert.equal(lo, base);
    assert.equal(mid, base * 0.9);
    assert.ok(hi >= base * 0.8 && hi < base * 0.81, `hi ${hi}`);
  });

  it('for random values across [0,1) every delay is within [0.8, 1.0] × the nominal delay', () => {
    for (let d = 0; d <= 3; d++) {
      const nominal = 2_000 * 2 ** d;
      const elapsed = MIN + d * 30_000 + 1;
      for (let i = 0; i < 100; i++) {
        const r = i / 100;
        const delay = createBackoff(fixed(r)).outageProbeDelayMs(elapsed, 100);
        assert.ok(delay >= nominal * 0.8 && delay <= nominal, `d=${d} r=${r}: ${delay}`);
      }
    }
  });

  it('different random values give different delays (windows do not probe in lockstep)', () => {
    const elapsed = MIN + 45_000;
    const a = createBackoff(fixed(0.1)).outageProbeDelayMs(elapsed, 100);
    const b = createBackoff(fixed(0.9)).outageProbeDelayMs(elapsed, 100);
    assert.notEqual(a, b);
  });

  it('delays at the 30 s cap still carry jitter (many windows must not all probe every exactly 30 s)', () => {
    // After ~3 minutes of outage the nominal delay (64 s+) is far above the cap, and
    // min(30 s, jitter(nominal)) is exactly 30 000 ms for every random value: the jitter is gone
    // for the rest of the outage, which is where a long outage spends all its time.
    const elapsed = 10 * MIN;
    const delays = new Set(
      [0, 0.25, 0.5, 0.75, 0.999].map((r) => createBackoff(fixed(r)).outageProbeDelayMs(elapsed, 100)),
    );
    assert.ok(delays.size > 1, `every window probes every ${[...delays].join(', ')} ms`);
    for (const d of delays) assert.ok(d <= 30_000);
  });

  it('uses Math.random by default and stays within bounds', () => {
    const b = createBackoff();
    for (let i = 0; i < 200; i++) {
      const d = b.outageProbeDelayMs(MIN + 30_000, 100);
      assert.ok(d >= 3_200 && d <= 4_000, `${d}`);
    }
  });
});

describe('healRetryDelayMs', () => {
  it('starts at about 1 s and doubles per attempt', () => {
    const b = createBackoff(fixed(0));
    assert.equal(b.healRetryDelayMs(1), 1_000);
    assert.equal(b.healRetryDelayMs(2), 2_000);
    assert.equal(b.healRetryDelayMs(3), 4_000);
    assert.equal(b.healRetryDelayMs(4), 8_000);
  });

  it('grows monotonically and caps at 30 s', () => {
    const b = createBackoff(fixed(0));
    let previous = 0;
    for (let attempt = 1; attempt <= 50; attempt++) {
      const d = b.healRetryDelayMs(attempt);
      assert.ok(d >= previous, `attempt ${attempt}: ${d} < ${previous}`);
      assert.ok(d <= 30_000, `attempt ${attempt}: ${d}`);
      previous = d;
    }
    assert.equal(b.healRetryDelayMs(50), 30_000);
    assert.equal(b.healRetryDelayMs(10_000), 30_000, 'no overflow');
  });

  it('attempt 0 or negative behaves like attempt 1 (the monitor passes healAttempts, which starts at 0)', () => {
    const b = createBackoff(fixed(0));
    assert.equal(b.healRetryDelayMs(0), 1_000);
    assert.equal(b.healRetryDelayMs(-3), 1_000);
  });

  it('jitter takes up to 20 % off', () => {
    for (let i = 0; i < 100; i++) {
      const r = i / 100;
      const d = createBackoff(fixed(r)).healRetryDelayMs(3);
      assert.ok(d >= 3_200 && d <= 4_000, `r=${r}: ${d}`);
    }
    assert.equal(createBackoff(fixed(0.999999)).healRetryDelayMs(3), 3_200);
  });
});

describe('exponentialDelayMs: the one exponential backoff', () => {
  it('doubles from the base per attempt up to the cap, up to the jitter fraction off', () => {
    const none = { baseMs: 100, maxMs: 1000, jitter: 0 };
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 40].map((a) => exponentialDelayMs(a, none)),
      [100, 200, 400, 800, 1000, 1000, 1000],
    );
    assert.equal(exponentialDelayMs(-3, none), 100, 'a negative attempt is the first');
    assert.equal(
      exponentialDelayMs(2, { baseMs: 100, maxMs: 1000, random: () => 1 }),
      320,
      '20 % off at most by default',
    );
    assert.equal(exponentialDelayMs(2, { baseMs: 100, maxMs: 1000, random: () => 0 }), 400);
  });

  it('the Docker reconnects, heal retries and gateway holding use it', () => {
    assert.equal(
      createBackoff(() => 0).healRetryDelayMs(3),
      exponentialDelayMs(2, { baseMs: 1000, maxMs: 30_000, random: () => 0 }),
    );
    assert.equal(holdDelay(2, 0, 60_000), 400);
    assert.ok(holdDelay(2, 0, 50) <= 50, 'never past the deadline');
  });
});
