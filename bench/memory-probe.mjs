// Preloaded with `node --import` into a CLI process that a soak or chaos run watches: answers the
// harness's IPC requests with process.memoryUsage() (after a forced GC when asked and --expose-gc is
// on) and exits when the harness goes away. Plain JS so the process under test runs dist/cli.js only.
if (process.send) {
  process.on('message', (m) => {
    if (!m || m.type !== 'memory-probe') return;
    const gc = Boolean(m.gc && typeof globalThis.gc === 'function');
    if (gc) globalThis.gc();
    process.send({ type: 'memory-probe', id: m.id, gc, ...process.memoryUsage() });
  });
  process.on('disconnect', () => process.exit(1));
  // The IPC channel alone must not keep the CLI alive (it exits on SIGTERM as it always does).
  process.channel?.unref();
}
