// What the monitor keeps per watched server (issue 21; the seed's budget: under 2 KB per server, a
// failure log of about 1 KB), measured as heap after GC in child processes (node --expose-gc):
// - monitor_state_bytes_per_server: the marginal heap between 1 and 41 ServerMonitors watching the
//   Archon-like fixture (healthy, each with its own session, push stream and health polling), minus
//   the same with bare connections (openConnection: the SDK client and transport the monitor holds,
//   with no monitor around them). What is left is ours: snapshot, logs, timers, closures.
// - failure_record_bytes: retained bytes per kept failure record (FailureLog, filled with records as
//   the monitor builds them after a restart: a classified ECONNREFUSED, a session id of its own each),
//   the log's storage (made at the first failure) apart; failure_history_bytes_per_server: a full
//   failure log of one server, that storage included.
//   `failure_record_bytes_uncompacted` is the same record kept whole (what the log kept before).
// Each number is the median of CHILD_RUNS child processes.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { openConnection, type Connection } from '../src/core/mcp-connection';
import { classifyError } from '../src/core/classify';
import { ServerMonitor } from '../src/core/monitor';
import { FailureLog, MAX_FAILURES, PATTERN_WINDOW_MS, RollingWindow, failureRecord } from '../src/core/patterns';
import { MemorySessionStore } from '../src/core/session-store';
import { DEFAULT_MONITOR_OPTIONS, type FailureRecord } from '../src/core/server-state';
import { freePort, startServer } from '../test/helpers/servers';
import { printMetrics, median, round, sleep, type Metrics } from './stats';

const FEW = 1;
const MANY = 41;
const CHILD_RUNS = Number(process.env.BENCH_MEMORY_RUNS ?? 3);
/** Idle time before a reading: longer than undici's 4 s keep-alive, so pooled sockets are closed on both sides. */
const SETTLE_MS = 5_000;
/** Warm-up watchers stay this long (after the last one connected) before they stop. */
const WARM_MS = Number(process.env.BENCH_MEMORY_WARM_MS ?? 2_000);
/** Failure logs filled per child (the per-record number is their average). */
const LOGS = 500;

/**
 * Heap used after full GCs, plus ArrayBuffer contents (kept outside the heap), the smallest of a few
 * readings (a GC can leave a little floating garbage).
 */
async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    gc();
    await sleep(20);
    const m = process.memoryUsage();
    readings.push(m.heapUsed + m.arrayBuffers);
  }
  return Math.min(...readings);
}

type Watcher = { stop(): Promise<void> };

/**
 * Default options, but no check comes due while the heap is read: what is measured is what a monitor
 * keeps between checks, not a ping or health request in flight (on a busy machine some always were).
 */
const BETWEEN_CHECKS = { ...DEFAULT_MONITOR_OPTIONS, pingIntervalMs: 10 * 60_000 };

/** One session store for every monitor, as the extension and the CLI have. */
const store = new MemorySessionStore();
let made = 0;

/**
 * `n` more watchers, one after the other (as bare connections open), each on a URL of its own (a query
 * the fixture ignores: the store keeps one session per URL, as for servers of their own).
 */
async function startWatchers(mode: 'monitors' | 'bare', n: number, url: string, healthUrl: string): Promise<Watcher[]> {
  const out: Watcher[] = [];
  for (let i = 0; i < n; i++) {
    const own = `${url}?watcher=${made++}`;
    if (mode === 'bare') {
      const conn: Connection = await openConnection({ url: own, transport: 'auto', headers: {}, timeoutMs: 5_000 });
      await conn.probe(5_000);
      out.push({ stop: () => conn.close() });
      continue;
    }
    const m = new ServerMonitor(
      { name: `server-${made}`, url: own, transport: 'auto', healthUrl: healthUrl || undefined },
      BETWEEN_CHECKS,
      { store },
    );
    m.start();
    const deadline = Date.now() + 30_000;
    while (m.snapshot.state !== 'healthy') {
      if (Date.now() > deadline) throw new Error('a monitor did not become healthy');
      await sleep(20);
    }
    out.push(m);
  }
  return out;
}

/** Heap once the watchers are idle: past the HTTP keep-alive (4 s), Node's resource timing buffer emptied (global, capped at 250). */
async function idleHeap(): Promise<number> {
  await sleep(SETTLE_MS);
  performance.clearResourceTimings();
  return settledHeap();
}

/**
 * Heap with FEW, then MANY watchers, in one process after a warm-up round of MANY (started and
 * stopped): compiled code and feedback are then already there and do not count as per-server state.
 */
async function childWatchers(
  mode: 'monitors' | 'bare',
  url: string,
  healthUrl: string,
): Promise<{ few: number; many: number }> {
  const warm = await startWatchers(mode, MANY, url, healthUrl);
  // Past every warm-up monitor's first ping (1 s after it connects) and health poll: their code is then
  // compiled before the readings, not while the 40 measured monitors run it for the first time.
  await sleep(WARM_MS);
  for (const w of warm) await w.stop().catch(() => undefined);
  const first = await startWatchers(mode, FEW, url, healthUrl);
  const few = await idleHeap();
  const rest = await startWatchers(mode, MANY - FEW, url, healthUrl);
  const many = await idleHeap();
  for (const w of [...first, ...rest]) await w.stop().catch(() => undefined);
  return { few, many };
}

/** A refused connection, as the monitor sees one when a server restarts (a free port: nobody listens). */
async function refusedError(): Promise<unknown> {
  const port = await freePort();
  try {
    await fetch(`http://127.0.0.1:${port}/mcp`);
  } catch (e) {
    return e;
  }
  throw new Error(`port ${port} answered`);
}

/**
 * A session id as the client reads it from the Mcp-Session-Id header: a flat string decoded from the
 * header's bytes (randomUUID's own strings are slices of a larger cache, 200-480 bytes each retained).
 */
const sessionId = (): string => Buffer.from(randomUUID().replaceAll('-', ''), 'latin1').toString('latin1');

/**
 * One server's worth of failure records as the monitor builds them after restarts: each classified
 * from the error (the monitor classifies every failure anew), each outage on a session of its own.
 */
function restartRecords(err: unknown, t0: number): FailureRecord[] {
  return Array.from({ length: MAX_FAILURES }, (_, i) =>
    failureRecord(
      classifyError(err, { holdingSession: true }),
      new Date(t0 + i * 1000).toISOString(),
      sessionId(),
      0.2 + i,
    ),
  );
}

async function childRecords(): Promise<{ base: number; empty: number; full: number; whole: number }> {
  const err = await refusedError();
  const t0 = Date.now();
  const now = t0 + MAX_FAILURES * 1000;
  const base = await settledHeap();
  const logs = Array.from({ length: LOGS }, () => new FailureLog(MAX_FAILURES, PATTERN_WINDOW_MS));
  // Each log's storage made (by a record, aged out): what follows is what the records themselves add.
  for (const log of logs) {
    log.add(restartRecords(err, t0 - PATTERN_WINDOW_MS - 1000)[0], t0 - PATTERN_WINDOW_MS);
    log.prune(now);
  }
  const empty = await settledHeap();
  for (const log of logs) for (const r of restartRecords(err, t0)) log.add(r, now);
  const full = await settledHeap();
  // The same records kept whole, as the log kept them before (a window of plain records).
  const windows = Array.from({ length: LOGS }, () => new RollingWindow<FailureRecord>(MAX_FAILURES, PATTERN_WINDOW_MS));
  const beforeWhole = await settledHeap();
  for (const w of windows) for (const r of restartRecords(err, t0)) w.add(r, now);
  const whole = (await settledHeap()) - beforeWhole;
  // Both kept alive up to here.
  if (logs.length + windows.length !== 2 * LOGS) throw new Error('unreachable');
  return { base, empty, full, whole };
}

async function child(): Promise<void> {
  const [what, url, healthUrl] = process.argv.slice(3);
  const out =
    what === 'records' ? await childRecords() : await childWatchers(what as 'monitors' | 'bare', url, healthUrl);
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}

const run = promisify(execFile);

async function inChild<T>(args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, 'child', ...args], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

export async function benchMonitorMemory(): Promise<Metrics> {
  const fx = await startServer('fixture');
  try {
    const perServer: number[] = [];
    for (let r = 0; r < CHILD_RUNS; r++) {
      const growth = async (mode: string) => {
        const { few, many } = await inChild<{ few: number; many: number }>([mode, fx.url, fx.healthUrl ?? '']);
        return many - few;
      };
      const monitors = await growth('monitors');
      const bare = await growth('bare');
      perServer.push((monitors - bare) / (MANY - FEW));
    }
    const records = await Promise.all(
      Array.from({ length: CHILD_RUNS }, () =>
        inChild<{ base: number; empty: number; full: number; whole: number }>(['records']),
      ),
    );
    const perRecord = records.map((x) => (x.full - x.empty) / (LOGS * MAX_FAILURES));
    const history = records.map((x) => (x.full - x.base) / LOGS);
    const whole = records.map((x) => x.whole / (LOGS * MAX_FAILURES));
    return {
      monitor_state_bytes_per_server: { value: round(median(perServer), 0), unit: 'B' },
      failure_record_bytes: { value: round(median(perRecord), 0), unit: 'B' },
      failure_history_bytes_per_server: { value: round(median(history), 0), unit: 'B' },
      failure_record_bytes_uncompacted: { value: round(median(whole), 0), unit: 'B' },
    };
  } finally {
    await fx.stop();
  }
}

if (require.main === module) {
  if (process.argv[2] === 'child') {
    void child();
  } else {
    printMetrics(benchMonitorMemory);
  }
}
