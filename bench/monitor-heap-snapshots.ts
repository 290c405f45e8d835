// Heap snapshots of FEW and then MANY watchers (monitors or bare connections) in one process, as
// bench/monitor-memory.ts counts them, for bench/memory-heap-diff.ts: what each monitor adds, by
// constructor (issue 21).
//   node --expose-gc --import tsx bench/monitor-heap-snapshots.ts monitors|bare <dir>
import { writeHeapSnapshot } from 'node:v8';
import { join } from 'node:path';
import { openConnection } from '../src/core/mcp-connection';
import { ServerMonitor } from '../src/core/monitor';
import { MemorySessionStore } from '../src/core/session-store';
import { DEFAULT_MONITOR_OPTIONS } from '../src/core/server-state';
import { startServer } from '../test/helpers/servers';
import { sleep } from './stats';

const [mode = 'monitors', dir = '.'] = process.argv.slice(2);
const store = new MemorySessionStore();
let made = 0;
const options = { ...DEFAULT_MONITOR_OPTIONS, pingIntervalMs: 10 * 60_000 };

async function start(n: number, url: string, healthUrl: string | undefined): Promise<{ stop(): Promise<void> }[]> {
  const out: { stop(): Promise<void> }[] = [];
  for (let i = 0; i < n; i++) {
    const own = `${url}?watcher=${made++}`;
    if (mode === 'bare') {
      const conn = await openConnection({ url: own, transport: 'auto', headers: {}, timeoutMs: 5_000 });
      await conn.probe(5_000);
      out.push({ stop: () => conn.close() });
      continue;
    }
    const m = new ServerMonitor({ name: `server-${made}`, url: own, transport: 'auto', healthUrl }, options, { store });
    m.start();
    while (m.snapshot.state !== 'healthy') await sleep(20);
    out.push(m);
  }
  return out;
}

async function snap(name: string): Promise<void> {
  await sleep(5_000);
  performance.clearResourceTimings();
  const gc = (globalThis as { gc?: () => void }).gc!;
  for (let i = 0; i < 3; i++) gc();
  writeHeapSnapshot(join(dir, `${mode}-${name}.heapsnapshot`));
}

void (async () => {
  const fx = await startServer('fixture');
  for (const w of await start(41, fx.url, fx.healthUrl)) await w.stop();
  const first = await start(1, fx.url, fx.healthUrl);
  await snap('few');
  const rest = await start(40, fx.url, fx.healthUrl);
  await snap('many');
  for (const w of [...first, ...rest]) await w.stop();
  await fx.stop();
  process.exit(0);
})();
