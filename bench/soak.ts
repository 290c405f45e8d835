// `npm run soak`: the gateway (`proxy`) and the monitor (`watch`) from dist/cli.js, each its own
// process, for SOAK_MINUTES (default 30) while the Archon-like fixture is restarted every few seconds
// and clients call tools through the gateway. Reports, per process, RSS and heap slopes after the
// warm-up (least squares, KB/min; target flat, under 100) and heap after a forced GC at the end vs
// at the start. A human table on stdout, one JSON summary in soak-results.json with every sample (and
// on stdout, without the samples, with --json). Measures only: it exits 0 whatever the numbers, 1 when the run itself broke.
// The heap after a forced GC is also split: compiled code (V8's code spaces, which grow while the JIT
// warms up to the restart paths) and the rest (objects the process holds), with its value at the end of
// the warm-up, so that a growing heap is told apart from warm-up.
//
//   SOAK_MINUTES=2 npm run soak      (or: npm run soak -- --minutes 2)
//   SOAK_WARMUP_MINUTES, SOAK_RESTART_SECONDS (5), SOAK_SAMPLE_SECONDS, SOAK_CLIENTS (4)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, startServer, type RunningServer } from '../test/helpers/servers';
import { startCli, startProxyCli, type CliProcess } from './cli-process';
import { slope } from './memory';
import { round, sleep } from './stats';

const TARGET_KB_PER_MIN = 100;

function option(flag: string, env: string, fallback: number): number {
  const i = process.argv.indexOf(flag);
  const raw = i >= 0 ? process.argv[i + 1] : process.env[env];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!(n > 0)) throw new Error(`${flag} / ${env} must be a positive number, got "${raw}"`);
  return n;
}

interface Sample {
  min: number;
  rssKb: number;
  heapKb: number;
  externalKb: number;
  codeKb: number;
  gc: boolean;
}

/** Every GC_EVERY-th sample forces a GC first: the slope of those is the live heap's, without the sawtooth. */
const GC_EVERY = 6;

interface ProcessReport {
  samples: number;
  rss_start_kb: number;
  rss_end_kb: number;
  rss_slope_kb_per_min: number;
  /**
   * The same over the run's second half only: what is left once the bounded logs (200 failure records)
   * are full, which at one record per restart takes longer than the warm-up.
   */
  rss_slope_second_half_kb_per_min: number;
  heap_after_gc_slope_second_half_kb_per_min: number;
  heap_slope_kb_per_min: number;
  heap_after_gc_slope_kb_per_min: number;
  /** Heap after GC without compiled code: the objects the process holds. */
  heap_after_gc_objects_slope_kb_per_min: number;
  /** V8's code spaces (JIT output): warm-up, not held data. */
  code_space_slope_kb_per_min: number;
  /** Buffers outside the JS heap (sockets, streams): where RSS growth goes when the heap is flat. */
  external_slope_kb_per_min: number;
  heap_after_gc_start_kb: number;
  heap_after_gc_end_kb: number;
  heap_after_gc_delta_kb: number;
  /** Heap after GC when the warm-up ended, and the end's difference to it (all, then without code). */
  heap_after_gc_warm_kb: number;
  heap_after_gc_delta_since_warm_kb: number;
  heap_objects_delta_since_warm_kb: number;
  exited_early: string | null;
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'soak', version: '1.0.0' });
  client.onerror = () => undefined;
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function main(): Promise<void> {
  const minutes = option('--minutes', 'SOAK_MINUTES', 30);
  const warmupMinutes = option('--warmup-minutes', 'SOAK_WARMUP_MINUTES', Math.min(5, minutes / 5));
  const restartSeconds = option('--restart-seconds', 'SOAK_RESTART_SECONDS', 5);
  const sampleSeconds = option(
    '--sample-seconds',
    'SOAK_SAMPLE_SECONDS',
    Math.max(1, Math.min(10, (minutes * 60) / 120)),
  );
  const clients = option('--clients', 'SOAK_CLIENTS', 4);
  if (warmupMinutes >= minutes) throw new Error('the warm-up must be shorter than the run');

  const dir = mkdtempSync(join(tmpdir(), 'soak-'));
  let fx: RunningServer | undefined;
  const procs: Record<'proxy' | 'watch', CliProcess | undefined> = { proxy: undefined, watch: undefined };
  try {
    fx = await startServer('fixture', { testTools: true });
    const gw = await startProxyCli(fx.url, await freePort(), join(dir, 'state'));
    procs.proxy = gw.proc;
    procs.watch = startCli([
      'watch',
      fx.url,
      '--health-url',
      fx.healthUrl!,
      '--interval',
      '2',
      '--timeout',
      '2',
      '--json',
    ]);
    const running = Object.entries(procs) as [keyof typeof procs, CliProcess][];

    // Steady load: readers back to back with a short pause, one writer with ever new keys.
    const calls = { ok: 0, failed: 0, errors: new Map<string, number>() };
    const counted = async (p: Promise<unknown>) => {
      try {
        await p;
        calls.ok++;
      } catch (e) {
        calls.failed++;
        const msg = String((e as Error).message).slice(0, 120);
        calls.errors.set(msg, (calls.errors.get(msg) ?? 0) + 1);
      }
    };
    const sessions = await Promise.all(Array.from({ length: clients }, () => connect(gw.url)));
    let stop = false;
    const loops = sessions.map((c, i) =>
      (async () => {
        for (let n = 0; !stop; n++) {
          await counted(
            i === 0
              ? c.callTool({ name: 'test_write', arguments: { key: `soak-${n}` } })
              : c.callTool({ name: i % 2 ? 'test_read' : 'find_projects', arguments: {} }),
          );
          await sleep(i === 0 ? 200 : 50);
        }
      })(),
    );
    let restarts = 0;
    const restartLoop = (async () => {
      while (!stop) {
        await sleep(restartSeconds * 1000);
        if (stop) break;
        await fx!.restart({ delayMs: 200 });
        restarts++;
      }
    })();

    const heapStart: Record<string, number> = {};
    for (const [name, p] of running) heapStart[name] = (await p.heap(true)).heapUsed / 1024;
    const heapWarm: Record<string, { heapKb: number; objectsKb: number }> = {};
    const samples: Record<string, Sample[]> = { proxy: [], watch: [] };
    const t0 = Date.now();
    const endAt = t0 + minutes * 60_000;
    let lastProgress = 0;
    for (let n = 1; Date.now() < endAt && running.every(([, p]) => !p.done); n++) {
      const min = (Date.now() - t0) / 60_000;
      const gc = n % GC_EVERY === 0;
      for (const [name, p] of running) {
        const [rss, heap] = await Promise.all([p.rssKb(), p.heap(gc).catch(() => undefined)]);
        if (rss !== undefined && heap)
          samples[name].push({
            min,
            rssKb: rss,
            heapKb: heap.heapUsed / 1024,
            externalKb: heap.external / 1024,
            codeKb: (heap.codeSpace ?? 0) / 1024,
            gc,
          });
      }
      if (min >= warmupMinutes && Object.keys(heapWarm).length === 0) {
        for (const [name, p] of running) {
          const h = await p.heap(true).catch(() => undefined);
          if (h) heapWarm[name] = { heapKb: h.heapUsed / 1024, objectsKb: (h.heapUsed - (h.codeSpace ?? 0)) / 1024 };
        }
      }
      if (Date.now() - lastProgress > 60_000) {
        lastProgress = Date.now();
        process.stderr.write(
          `soak: ${round(min, 1)}/${minutes} min, ${restarts} restarts, ${calls.ok} calls ok, ${calls.failed} failed\n`,
        );
      }
      await sleep(sampleSeconds * 1000);
    }
    stop = true;
    await restartLoop;
    await Promise.all(loops);
    await Promise.all(sessions.map((c) => c.close().catch(() => undefined)));

    const report: Record<string, ProcessReport> = {};
    for (const [name, p] of running) {
      const s = samples[name];
      const after = s.filter((x) => x.min >= warmupMinutes);
      const end = p.done ? undefined : await p.heap(true);
      const heapEnd = end ? end.heapUsed / 1024 : Number.NaN;
      const objectsEnd = end ? (end.heapUsed - (end.codeSpace ?? 0)) / 1024 : Number.NaN;
      const gcAfter = after.filter((x) => x.gc);
      const secondHalf = s.filter((x) => x.min >= minutes / 2);
      const exit = p.done ? await p.exited : undefined;
      report[name] = {
        samples: s.length,
        rss_start_kb: s[0]?.rssKb ?? Number.NaN,
        rss_end_kb: s.at(-1)?.rssKb ?? Number.NaN,
        rss_slope_kb_per_min: round(slope(after.map((x) => ({ x: x.min, y: x.rssKb }))), 1),
        rss_slope_second_half_kb_per_min: round(slope(secondHalf.map((x) => ({ x: x.min, y: x.rssKb }))), 1),
        heap_after_gc_slope_second_half_kb_per_min: round(
          slope(secondHalf.filter((x) => x.gc).map((x) => ({ x: x.min, y: x.heapKb }))),
          1,
        ),
        heap_slope_kb_per_min: round(slope(after.filter((x) => !x.gc).map((x) => ({ x: x.min, y: x.heapKb }))), 1),
        heap_after_gc_slope_kb_per_min: round(slope(gcAfter.map((x) => ({ x: x.min, y: x.heapKb }))), 1),
        heap_after_gc_objects_slope_kb_per_min: round(
          slope(gcAfter.map((x) => ({ x: x.min, y: x.heapKb - x.codeKb }))),
          1,
        ),
        code_space_slope_kb_per_min: round(slope(gcAfter.map((x) => ({ x: x.min, y: x.codeKb }))), 1),
        external_slope_kb_per_min: round(slope(after.map((x) => ({ x: x.min, y: x.externalKb }))), 1),
        heap_after_gc_start_kb: round(heapStart[name], 0),
        heap_after_gc_end_kb: round(heapEnd, 0),
        heap_after_gc_delta_kb: round(heapEnd - heapStart[name], 0),
        heap_after_gc_warm_kb: round(heapWarm[name]?.heapKb ?? Number.NaN, 0),
        heap_after_gc_delta_since_warm_kb: round(heapEnd - (heapWarm[name]?.heapKb ?? Number.NaN), 0),
        heap_objects_delta_since_warm_kb: round(objectsEnd - (heapWarm[name]?.objectsKb ?? Number.NaN), 0),
        exited_early: exit ? `code ${exit.code}, signal ${exit.signal}: ${p.stderr().slice(-300)}` : null,
      };
    }
    const summary = {
      type: 'soak-summary',
      t: new Date().toISOString(),
      minutes,
      warmup_minutes: warmupMinutes,
      restart_seconds: restartSeconds,
      sample_seconds: sampleSeconds,
      clients,
      restarts,
      calls_ok: calls.ok,
      calls_failed: calls.failed,
      call_errors: Object.fromEntries(calls.errors),
      target_kb_per_min: TARGET_KB_PER_MIN,
      processes: report,
      // Every sample, for a look at the curve (a heap snapshot lifts RSS in one step; growth is a ramp).
      samples: Object.fromEntries(
        Object.entries(samples).map(([name, list]) => [
          name,
          list.map((x) => ({
            min: round(x.min, 2),
            rss_kb: x.rssKb,
            heap_kb: round(x.heapKb, 0),
            code_kb: round(x.codeKb, 0),
            gc: x.gc,
          })),
        ]),
      ),
    };
    writeFileSync('soak-results.json', `${JSON.stringify(summary, null, 2)}\n`);
    printTable(summary.processes, summary);
    if (process.argv.includes('--json'))
      process.stdout.write(`${JSON.stringify({ ...summary, samples: undefined })}\n`);
    if (Object.values(report).some((r) => r.exited_early)) process.exitCode = 1;
  } finally {
    await Promise.all(Object.values(procs).map((p) => p?.kill()));
    await fx?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(
  report: Record<string, ProcessReport>,
  s: { minutes: number; warmup_minutes: number; restarts: number; calls_ok: number; calls_failed: number },
): void {
  const metrics: (keyof ProcessReport)[] = [
    'rss_start_kb',
    'rss_end_kb',
    'rss_slope_kb_per_min',
    'rss_slope_second_half_kb_per_min',
    'heap_slope_kb_per_min',
    'heap_after_gc_slope_kb_per_min',
    'heap_after_gc_slope_second_half_kb_per_min',
    'heap_after_gc_objects_slope_kb_per_min',
    'code_space_slope_kb_per_min',
    'external_slope_kb_per_min',
    'heap_after_gc_start_kb',
    'heap_after_gc_end_kb',
    'heap_after_gc_delta_kb',
    'heap_after_gc_warm_kb',
    'heap_after_gc_delta_since_warm_kb',
    'heap_objects_delta_since_warm_kb',
    'samples',
  ];
  const names = Object.keys(report);
  const out = [
    `soak: ${s.minutes} min (slopes after ${round(s.warmup_minutes, 2)} min warm-up), ${s.restarts} upstream restarts, ${s.calls_ok} calls ok, ${s.calls_failed} failed; target |slope| < ${TARGET_KB_PER_MIN} KB/min`,
    `| ${'metric'.padEnd(42)} | ${names.map((n) => n.padStart(10)).join(' | ')} |`,
    `|${'-'.repeat(44)}|${names.map(() => '-'.repeat(12)).join('|')}|`,
    ...metrics.map((m) => `| ${m.padEnd(42)} | ${names.map((n) => String(report[n][m]).padStart(10)).join(' | ')} |`),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

main().then(
  () => process.exit(),
  (err) => {
    process.stderr.write(`soak: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
