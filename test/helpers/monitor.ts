// Waiting on a real ServerMonitor in tests: resolves at the first snapshot that satisfies a predicate.
import type { ServerMonitor } from '../../src/core/monitor';
import type { ServerSnapshot } from '../../src/core/types';

/** Resolves with the first snapshot for which `predicate` holds; rejects after timeoutMs, naming the path taken. */
export function waitFor(monitor: ServerMonitor, predicate: (s: ServerSnapshot) => boolean, what: string, timeoutMs = 20_000): Promise<ServerSnapshot> {
  if (predicate(monitor.snapshot)) return Promise.resolve(monitor.snapshot);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what}; state ${monitor.snapshot.state}, transitions: ${monitor.snapshot.transitions.map((t) => `${t.to}(${t.reason})`).join(' ')}`));
    }, timeoutMs);
    const off = monitor.onDidChange((s) => {
      if (!predicate(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}
