// One restart run shared by the Python matrix tests: clients (TypeScript and Python) each hold one session
// to `target` and call reads and keyed writes in loops while the Python server is restarted RESTARTS times
// (SIGTERM and SIGKILL alternately). Returns what failed, per client, for the assertions and the report.
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectClient, textOf } from '../gateway/util';
import { connectModern } from '../gateway/modern-util';
import { PY_CLIENTS, pyExecutions, startPythonClient, type PyClientKind } from '../helpers/python';
import type { RunningServer } from '../helpers/servers';
import { sleep } from '../helpers/wait';

export const RESTARTS = 10;

export interface Caller {
  name: string;
  call(tool: string, args: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export type ClientName = 'TS v1' | 'TS v2 auto' | 'TS v2 pinned 2026-07-28' | `Python ${PyClientKind}`;

/** `timeoutMs` bounds each call (direct runs: a call on a lost session may otherwise wait the SDK's 60 s). */
export const TS_CLIENTS: { name: ClientName; connect(url: string, timeoutMs?: number): Promise<Caller> }[] = [
  {
    name: 'TS v1',
    async connect(url, timeoutMs) {
      const c = await connectClient(url, { name: 'py-matrix-v1' });
      return {
        name: this.name,
        call: async (n, a) =>
          textOf(
            await c.client.callTool(
              { name: n, arguments: a },
              undefined,
              timeoutMs ? { timeout: timeoutMs } : undefined,
            ),
          ),
        close: c.close,
      };
    },
  },
  ...(['auto', 'pinned'] as const).map((how) => ({
    name: (how === 'auto' ? 'TS v2 auto' : 'TS v2 pinned 2026-07-28') as ClientName,
    async connect(url: string, timeoutMs?: number): Promise<Caller> {
      const c = await connectModern(url, how, `py-matrix-${how}`);
      return {
        name: this.name,
        call: async (n: string, a: Record<string, unknown>) =>
          textOf(await c.client.callTool({ name: n, arguments: a }, timeoutMs ? { timeout: timeoutMs } : undefined)),
        close: c.close,
      };
    },
  })),
];

export const PY_CALLERS: { name: ClientName; connect(url: string, callTimeoutS?: number): Promise<Caller> }[] =
  PY_CLIENTS.map((kind) => ({
    name: `Python ${kind}` as ClientName,
    async connect(url: string, callTimeoutS = 30): Promise<Caller> {
      const c = await startPythonClient(kind, url, callTimeoutS);
      return { name: this.name, call: (n, a) => c.call(n, a), close: c.close };
    },
  }));

export interface ClientOutcome {
  client: string;
  reads: number;
  readsFailed: number;
  writes: number;
  writesFailed: number;
  /** Distinct error texts (first 3), shortened, each starting `read: ` or `write: `. */
  errors: string[];
}

export interface RunOutcome {
  perClient: ClientOutcome[];
  /** Keys manage_task ran more than once. */
  twice: string[];
  /** Keys whose write was answered as done. */
  written: string[];
  pids: number;
}

/**
 * Loops per caller: find_tasks (a read, answered with its query) and manage_task (a write keyed by title),
 * each call after the previous one; a failed call waits 100 ms before the next (a dead client fails at once).
 * Between restarts the killer waits until every read loop answered (or failed) 2 more calls, up to 60 s: a
 * loaded machine slows the run, it does not pile restarts onto a read still being resent.
 */
export async function restartRun(
  server: RunningServer,
  callers: Caller[],
  stateFile: string,
  restarts = RESTARTS,
): Promise<RunOutcome> {
  let done = false;
  const outcomes = callers.map((c) => ({
    client: c.name,
    reads: 0,
    readsFailed: 0,
    writes: 0,
    writesFailed: 0,
    errors: [] as string[],
  }));
  const written: string[] = [];
  const note = (o: ClientOutcome, e: unknown, what: 'read' | 'write') => {
    const msg = `${what}: ${String((e as Error).message ?? e)
      .replace(/\s+/g, ' ')
      .slice(0, 240)}`;
    if (o.errors.length < 3 && !o.errors.some((x) => x.slice(0, 60) === msg.slice(0, 60))) o.errors.push(msg);
  };
  const loops = callers.flatMap((c, ci) => {
    const o = outcomes[ci];
    const reads = (async () => {
      for (let i = 0; !done; i++) {
        try {
          const text = await c.call('find_tasks', { query: `q${ci}-${i}` });
          if (!text.includes(`q${ci}-${i}`)) throw new Error(`wrong answer: ${text.slice(0, 120)}`);
        } catch (e) {
          o.readsFailed++;
          note(o, e, 'read');
          await sleep(100);
        }
        o.reads++;
      }
    })();
    const writes = (async () => {
      for (let i = 0; !done; i++) {
        const key = `c${ci}-w${i}`;
        try {
          const text = await c.call('manage_task', { action: 'create', title: key, project_id: 'proj-1' });
          if (!/"executions": 1\b/.test(text)) throw new Error(`write answered but not once: ${text.slice(0, 160)}`);
          written.push(key);
        } catch (e) {
          o.writesFailed++;
          note(o, e, 'write');
          await sleep(100);
        }
        o.writes++;
        await sleep(50);
      }
    })();
    return [reads, writes];
  });
  const pids = new Set([server.pid]);
  const window = async () => {
    const start = outcomes.map((o) => o.reads);
    const until = Date.now() + 60_000;
    while (Date.now() < until && outcomes.some((o, i) => o.reads < start[i] + 2)) await sleep(20);
  };
  try {
    for (let n = 0; n < restarts; n++) {
      await Promise.all([sleep(150 + Math.random() * 200), window()]);
      await server.restart({ signal: n % 2 ? 'SIGKILL' : 'SIGTERM', delayMs: 50 + Math.random() * 200 });
      pids.add(server.pid);
    }
    await window();
  } finally {
    done = true;
    await Promise.all(loops);
  }
  const counts = pyExecutions(stateFile);
  return {
    perClient: outcomes,
    twice: Object.entries(counts)
      .filter(([, n]) => n > 1)
      .map(([k]) => k),
    written,
    pids: pids.size,
  };
}

/** Adds rows to test-results/python-matrix.json (git-ignored) for the report's client × server table. */
export function recordOutcome(path: 'direct' | 'gateway' | 'stdio bridge', server: string, run: RunOutcome): void {
  const dir = join(process.cwd(), 'test-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'python-matrix.json');
  const rows = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown[]) : [];
  for (const o of run.perClient)
    rows.push({
      path,
      server,
      ...o,
      writtenTwice: run.twice.filter((k) => k.startsWith(`c${run.perClient.indexOf(o)}-`)).length,
      at: new Date().toISOString(),
    });
  writeFileSync(file, JSON.stringify(rows, null, 1));
}
