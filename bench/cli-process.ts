// A command of the built CLI (dist/cli.js `proxy` or `watch`) run as its own process, as users run
// it, for the long runs: its --json lines, its exit, its RSS (/proc) and its heap (process.memoryUsage()
// reported over IPC by bench/memory-probe.mjs, preloaded; --expose-gc so a forced GC can be asked for).
// BENCH_CLI_NODE_ARGS adds node flags (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the proxy).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readRssKb } from './memory';

const ROOT = join(__dirname, '..');
export const CLI_BUNDLE = join(ROOT, 'dist', 'cli.js');
const PROBE = join(__dirname, 'memory-probe.mjs');

export interface HeapSample {
  heapUsed: number;
  heapTotal: number;
  rss: number;
  external: number;
  gc: boolean;
  /** heapUsed that is compiled code (JIT), when the probe reports it. */ codeSpace?: number;
  /** The garbage collector's pauses so far (ms), and how many were young-generation (scavenges) and full. */
  gcMs?: number;
  scavenges?: number;
  fullGcs?: number;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Every stdout line parsed as JSON (a line that is not JSON is kept as { raw }). */
  readonly lines: Record<string, unknown>[];
  /** Resolves with the first line (seen or future) that matches, rejects on exit or after timeoutMs. */
  waitForLine(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves when the process exits, for whatever reason. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True once exited. */
  readonly done: boolean;
  rssKb(): Promise<number | undefined>;
  /** process.memoryUsage() inside the process, after a forced GC when gc is true. */
  heap(gc?: boolean, timeoutMs?: number): Promise<HeapSample>;
  /** Last stderr lines, for reports. */
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** The kind of a --json line: `type` (issue 12's shape) or, in older builds, `event`. */
export const lineType = (l: Record<string, unknown>): string | undefined =>
  typeof l.type === 'string' ? l.type : typeof l.event === 'string' ? l.event : undefined;

/** Runs the CLI `bundle` (dist/cli.js unless another build's is given, for A/B benchmarks). */
export function startCli(args: string[], bundle = CLI_BUNDLE): CliProcess {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` first`);
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      PROBE,
      ...(process.env.BENCH_CLI_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      bundle,
      ...args,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  const lines: Record<string, unknown>[] = [];
  const errLines: string[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      lines.push({ raw: l });
    }
    wake();
  });
  createInterface({ input: child.stderr! }).on('line', (l) => {
    errLines.push(l);
    if (errLines.length > 50) errLines.shift();
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
      wake();
    }),
  );
  // Heap answers come back on the IPC channel, matched by id.
  let nextId = 0;
  const pending = new Map<number, (s: HeapSample) => void>();
  child.on('message', (m: { type?: string; id?: number } & HeapSample) => {
    if (m?.type !== 'memory-probe' || m.id === undefined) return;
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  });
  child.on('error', () => undefined);

  return {
    child,
    pid: child.pid ?? -1,
    lines,
    exited,
    get done() {
      return done;
    },
    waitForLine(pred, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find(pred);
          if (hit) {
            finish();
            resolve(hit);
          } else if (done) {
            finish();
            reject(new Error(`${args[0]} exited before the expected line; stderr: ${errLines.slice(-5).join(' | ')}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${args[0]}: no expected line within ${timeoutMs} ms`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    rssKb: () => readRssKb(child.pid ?? -1),
    heap(gc = false, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        if (done || !child.connected) return reject(new Error(`${args[0]} is not running`));
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${args[0]}: no heap sample within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, (s) => {
          clearTimeout(timer);
          resolve(s);
        });
        child.send({ type: 'memory-probe', id, gc });
      });
    },
    stderr: () => errLines.join('\n'),
    async kill(signal = 'SIGTERM') {
      if (done) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `proxy --json` on a given port and state dir; resolves once it serves, with its client URL. */
export async function startProxyCli(
  upstream: string,
  port: number,
  stateDir: string,
  extra: string[] = [],
  bundle = CLI_BUNDLE,
): Promise<{ proc: CliProcess; url: string }> {
  const proc = startCli(
    ['proxy', '--json', '--upstream', upstream, '--port', String(port), '--state-dir', stateDir, ...extra],
    bundle,
  );
  const first = await proc.waitForLine((l) => typeof l.url === 'string');
  if (lineType(first) !== 'listening') {
    await proc.kill('SIGKILL');
    throw new Error(`the gateway did not listen on port ${port}: ${JSON.stringify(first)}`);
  }
  return { proc, url: String(first.url) };
}
