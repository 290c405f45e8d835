// What a monitor keeps alive across many server restarts, counted, not timed: every connection it
// opened (the v2 SDK Client and its transport) must become garbage once replaced, and a stopped
// monitor must leave nothing behind (no timer, socket or stream holding it). Needs --expose-gc
// (`node --expose-gc --import tsx --test …`); scripts/run-tests.mjs passes it to every stage.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { ServerMonitor } from '../../src/core/monitor';
import type { Connection } from '../../src/core/mcp-connection';
import { MemorySessionStore } from '../../src/core/session-store';
import { DEFAULT_MONITOR_OPTIONS, type MonitorOptions, type ServerSnapshot } from '../../src/core/server-state';
import { monitorSuite, waitFor } from '../helpers/monitor';
import type { ServerKind } from '../helpers/servers';

const FAST: MonitorOptions = { ...DEFAULT_MONITOR_OPTIONS, pingIntervalMs: 1_000, pingTimeoutMs: 2_000 };
const RESTARTS = 8;

const gc = (globalThis as { gc?: () => void }).gc;

/** Objects registered here are counted until the garbage collector has reclaimed them. */
class LiveCounter {
  private readonly live = new Map<string, number>();
  private readonly registry = new FinalizationRegistry<string>((label) =>
    this.live.set(label, (this.live.get(label) ?? 1) - 1),
  );
  track(label: string, target: object): void {
    this.live.set(label, (this.live.get(label) ?? 0) + 1);
    this.registry.register(target, label);
  }
  count(label: string): number {
    return this.live.get(label) ?? 0;
  }
}

/** Full collections with turns of the event loop between them, so that finalizers get to run. */
async function collect(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    gc!();
    await tick();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The resources (timers, sockets, …) the event loop holds, as counts by type. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

const KINDS: { kind: ServerKind; health: boolean }[] = [
  { kind: 'fixture', health: true },
  { kind: 'modern', health: true },
];

const { serve } = monitorSuite();

// Without --expose-gc nothing can be counted: a skip with its reason on a laptop, a failure on CI.
const noGc = gc ? false : 'needs node --expose-gc (scripts/run-tests.mjs passes it)';
if (noGc && process.env.CI === 'true') throw new Error(`CI=true and this test ${noGc}`);

describe('memory across restarts (counted with FinalizationRegistry)', { skip: noGc }, () => {
  for (const { kind, health } of KINDS) {
    test(`${kind}: after ${RESTARTS} restarts no more than the current and the replaced connection are alive, and a stopped monitor is garbage`, async () => {
      const server = await serve(kind);
      const before = resources();
      const counter = new LiveCounter();
      let monitor: ServerMonitor | undefined = new ServerMonitor(
        { name: kind, url: server.url, transport: 'auto', healthUrl: health ? server.healthUrl : undefined },
        FAST,
        { store: new MemorySessionStore() },
      );
      counter.track('monitor', monitor);
      // Every connection the monitor adopts is counted: the SDK client, its transport, our wrapper.
      let last: Connection | undefined;
      const adopt = () => {
        const conn = (monitor as unknown as { conn?: Connection }).conn;
        if (!conn || conn === last) return;
        last = conn;
        counter.track('connection', conn);
        counter.track('client', conn.client);
        const transport = (conn.client as unknown as { transport?: object }).transport;
        if (transport) counter.track('transport', transport);
      };
      let off: (() => void) | undefined = monitor.onDidChange(adopt);
      monitor.start();
      const healthy = (s: ServerSnapshot) => s.state === 'healthy';
      await waitFor(monitor, healthy, 'first healthy');
      adopt();
      for (let i = 1; i <= RESTARTS; i++) {
        const heals = monitor.snapshot.heals;
        await server.restart({ delayMs: 100 });
        await waitFor(monitor, (s) => s.heals > heals && healthy(s), `healthy after restart ${i}`);
        adopt();
      }
      last = undefined;
      assert.ok(
        counter.count('connection') >= RESTARTS + 1,
        `a new connection per restart (saw ${counter.count('connection')})`,
      );
      await collect();
      // The current connection and at most the one it replaced (a plain gc() can keep that one until
      // a later collection): nothing that grows with the number of restarts.
      for (const label of ['connection', 'client', 'transport']) {
        assert.ok(
          counter.count(label) <= 2,
          `live ${label}s while running after ${RESTARTS} restarts: ${counter.count(label)}`,
        );
      }

      await monitor.stop();
      // Drop the test's own references: the listener's remover holds the monitor.
      off();
      off = undefined;
      last = undefined;
      monitor = undefined;
      await collect();
      assert.equal(counter.count('connection'), 0, 'no connection outlives stop()');
      assert.equal(counter.count('client'), 0, 'no SDK client outlives stop()');
      assert.equal(counter.count('monitor'), 0, 'a stopped monitor is garbage: no timer, socket or stream holds it');
      const after = resources();
      for (const type of ['Timeout', 'Immediate']) {
        assert.ok(
          (after[type] ?? 0) <= (before[type] ?? 0),
          `${type}s left running after stop(): ${JSON.stringify(before)} → ${JSON.stringify(after)}`,
        );
      }
    });
  }
});
