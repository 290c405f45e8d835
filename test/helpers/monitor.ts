// Waiting on a real ServerMonitor in tests: resolves at the first snapshot that satisfies a predicate.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import type { ServerMonitor } from '../../src/core/monitor';
import type { ServerSnapshot } from '../../src/core/server-state';
import { startServer, type RunningServer, type ServerKind, type StartOptions } from './servers';

/**
 * What a monitor suite starts: servers (`serve`) and monitors (push them on `monitors`), all stopped
 * after the suite, which then fails if anything rejected unhandled meanwhile.
 */
export function monitorSuite() {
  const unhandled: unknown[] = [];
  process.on('unhandledRejection', (reason) => unhandled.push(reason));
  const running: RunningServer[] = [];
  const monitors: ServerMonitor[] = [];
  after(async () => {
    await Promise.all(monitors.map((m) => m.stop()));
    await Promise.all(running.map((s) => s.stop()));
    assert.deepEqual(unhandled, [], 'no unhandled rejections');
  });
  async function serve(kind: ServerKind, opts: StartOptions = {}): Promise<RunningServer> {
    const server = await startServer(kind, opts);
    running.push(server);
    return server;
  }
  return { monitors, serve };
}

/** Resolves with the first snapshot for which `predicate` holds; rejects after timeoutMs, naming the path taken. */
export function waitFor(
  monitor: ServerMonitor,
  predicate: (s: ServerSnapshot) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<ServerSnapshot> {
  if (predicate(monitor.snapshot)) return Promise.resolve(monitor.snapshot);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(
          `timed out waiting for ${what}; state ${monitor.snapshot.state}, transitions: ${monitor.snapshot.transitions.map((t) => `${t.to}(${t.reason})`).join(' ')}`,
        ),
      );
    }, timeoutMs);
    const off = monitor.onDidChange((s) => {
      if (!predicate(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}
