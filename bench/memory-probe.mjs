// Preloaded with `node --import` into a CLI process that a soak or chaos run watches: answers the
// harness's IPC requests with process.memoryUsage() (after a forced GC when asked and --expose-gc is
// on) and exits when the harness goes away. Plain JS so the process under test runs dist/cli.js only.
// `codeSpace` is the part of heapUsed that is compiled code (V8's code spaces): it grows while the JIT
// warms up, which is not memory a program holds on to. `gcMs`, `scavenges`, `fullGcs`: the garbage
// collector's pauses so far (PerformanceObserver 'gc' entries), for a benchmark's GC time per call.
import { getHeapSpaceStatistics } from 'node:v8';
import { PerformanceObserver, constants } from 'node:perf_hooks';

const gcTotals = { gcMs: 0, scavenges: 0, fullGcs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcTotals.gcMs += e.duration;
    if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) gcTotals.scavenges++;
    else if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcTotals.fullGcs++;
  }
}).observe({ entryTypes: ['gc'] });

const codeSpace = () =>
  getHeapSpaceStatistics()
    .filter((s) => s.space_name.startsWith('code_'))
    .reduce((sum, s) => sum + s.space_used_size, 0);
if (process.send) {
  process.on('message', (m) => {
    if (!m || m.type !== 'memory-probe') return;
    const gc = Boolean(m.gc && typeof globalThis.gc === 'function');
    if (gc) globalThis.gc();
    process.send({ type: 'memory-probe', id: m.id, gc, ...process.memoryUsage(), codeSpace: codeSpace(), ...gcTotals });
  });
  process.on('disconnect', () => process.exit(1));
  // The IPC channel alone must not keep the CLI alive (it exits on SIGTERM as it always does).
  process.channel?.unref();
}
