// The Python side of the test bed: venvs made by `bash scripts/setup-python.sh`, the Archon-shaped server
// (test/fixtures/python/archon_server.py) on each Python server library, and the real Python clients driven
// through test/fixtures/python/mcp_client.py. A missing venv skips on a laptop and fails under CI=true.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { freePort, isListening, waitForPort, type ExitInfo, type RunningServer } from './servers';
import { sleep } from './wait';

const here = typeof __dirname === 'string' ? __dirname : join(process.cwd(), 'test', 'helpers');
const ROOT = resolve(here, '..', '..');
export const PYTHON_FIXTURES = join(ROOT, 'test', 'fixtures', 'python');
const CACHE = process.env.ARCHON_PYTHON_CACHE ?? join(ROOT, '.cache', 'python');
const SETUP = 'bash scripts/setup-python.sh';

export type Flavour = 'mcp-1.12' | 'mcp-1' | 'mcp-2' | 'fastmcp';

/** The Python servers: Archon's pin, the newest 1.x, the newest release, the standalone package. */
const ALL_SERVERS: { flavour: Flavour; label: string; lib: 'mcp' | 'fastmcp' }[] = [
  { flavour: 'mcp-1.12', label: 'mcp 1.12.2 FastMCP (Archon)', lib: 'mcp' },
  { flavour: 'mcp-1', label: 'newest mcp 1.x FastMCP', lib: 'mcp' },
  { flavour: 'mcp-2', label: 'newest mcp 2.x MCPServer', lib: 'mcp' },
  { flavour: 'fastmcp', label: 'standalone fastmcp', lib: 'fastmcp' },
];
/** PY_FLAVOURS=mcp-1.12,fastmcp narrows a run to those servers (while working on one). */
export const PY_SERVERS = process.env.PY_FLAVOURS
  ? ALL_SERVERS.filter((s) => process.env.PY_FLAVOURS!.split(',').includes(s.flavour))
  : ALL_SERVERS;

/** The Python clients; all live in the mcp-1 venv (their newest releases resolve to mcp 1.x). */
export const PY_CLIENTS = ['sdk', 'langchain', 'pydantic-ai', 'openai-agents'] as const;
export type PyClientKind = (typeof PY_CLIENTS)[number];

export function venvPython(flavour: Flavour): string {
  return join(CACHE, flavour, 'bin', 'python');
}

/** Why the venvs are not usable, or undefined when every one is installed and matches its lock file. */
export function pythonProblem(flavours: Flavour[] = PY_SERVERS.map((s) => s.flavour)): string | undefined {
  for (const f of flavours) {
    const stamp = join(CACHE, f, '.lock-sha256');
    if (!existsSync(venvPython(f)) || !existsSync(stamp)) return `the Python venv ${f} is missing: run \`${SETUP}\``;
    const lock = readFileSync(join(PYTHON_FIXTURES, 'requirements', `${f}.txt`));
    const want = createHash('sha256').update(lock).digest('hex');
    if (readFileSync(stamp, 'utf8').trim() !== want)
      return `the Python venv ${f} is older than its lock file: run \`${SETUP}\``;
  }
  return undefined;
}

/** Call first in a test that needs the venvs: true when the test must return (skipped); fails under CI=true. */
export function skipWithoutPython(t: TestContext, flavours?: Flavour[]): boolean {
  const why = pythonProblem(flavours);
  if (!why) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${why}`);
  t.skip(why);
  return true;
}

export interface PyServerOptions {
  port?: number;
  stateFile?: string;
  readDelayMs?: number;
  writeDelayMs?: number;
  annotated?: boolean;
  env?: Record<string, string>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** How long a SIGTERMed Python server may take to leave before it is SIGKILLed (and the hang recorded). */
export const TERM_GRACE_MS = 5_000;

export interface PyServer extends RunningServer {
  /** The last output lines of each SIGTERM the server did not leave on within TERM_GRACE_MS. */
  termHangs: string[];
}

/** Starts the Archon-shaped Python server of `flavour` on 127.0.0.1, restartable on the same port. */
export async function startPythonServer(flavour: Flavour, o: PyServerOptions = {}): Promise<PyServer> {
  const lib = ALL_SERVERS.find((s) => s.flavour === flavour)!.lib;
  const port = o.port ?? (await freePort());
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    HOST: '127.0.0.1',
    FIXTURE_LIB: lib,
    PYTHONUNBUFFERED: '1',
    ...(o.stateFile ? { FIXTURE_STATE_FILE: o.stateFile } : {}),
    ...(o.readDelayMs ? { FIXTURE_READ_DELAY_MS: String(o.readDelayMs) } : {}),
    ...(o.writeDelayMs ? { FIXTURE_WRITE_DELAY_MS: String(o.writeDelayMs) } : {}),
    ...(o.annotated ? { FIXTURE_ANNOTATED: '1' } : {}),
    ...o.env,
  };
  const lines: string[] = [];
  const termHangs: string[] = [];
  let child!: ChildProcess;
  let exited!: Promise<ExitInfo>;
  let exitInfo: ExitInfo | undefined;
  const spawnChild = async () => {
    if (await isListening(port)) throw new Error(`EADDRINUSE: 127.0.0.1:${port} is already taken`);
    exitInfo = undefined;
    child = spawn(venvPython(flavour), [join(PYTHON_FIXTURES, 'archon_server.py')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    const c = child;
    const onData = (b: Buffer) => {
      lines.push(...b.toString('utf8').split('\n').filter(Boolean));
      if (lines.length > 200) lines.splice(0, lines.length - 200);
    };
    c.stdout!.on('data', onData);
    c.stderr!.on('data', onData);
    exited = new Promise((res) =>
      c.once('exit', (code, signal) => {
        live.delete(c);
        exitInfo = { code, signal };
        res(exitInfo);
      }),
    );
  };
  const waitUntilListening = (timeoutMs = 30_000) =>
    waitForPort(port, timeoutMs, () =>
      exitInfo
        ? `python ${flavour} exited (${exitInfo.code ?? exitInfo.signal}) before listening:\n${lines.slice(-20).join('\n')}`
        : undefined,
    );
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (!exitInfo) child.kill(signal);
    // A server that does not leave on SIGTERM is a finding, not a reason to hang the suite: note it, then SIGKILL.
    const escalate =
      signal === 'SIGTERM'
        ? setTimeout(() => {
            termHangs.push(lines.slice(-8).join('\n'));
            child.kill('SIGKILL');
          }, TERM_GRACE_MS)
        : undefined;
    const info = await exited;
    clearTimeout(escalate);
    for (let i = 0; i < 100 && (await isListening(port)); i++) await sleep(10);
    return info;
  };
  await spawnChild();
  await waitUntilListening().catch(async (e) => {
    await kill();
    throw e;
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    kind: 'fixture',
    url: `${base}/mcp`,
    healthUrl: `${base}/health`,
    port,
    get pid() {
      return child.pid ?? -1;
    },
    get exited() {
      return exited;
    },
    kill,
    async stop() {
      if (exitInfo) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
    waitUntilListening,
    async restart({ delayMs = 0, signal = 'SIGKILL' } = {}) {
      await kill(signal);
      if (delayMs) await sleep(delayMs);
      await spawnChild();
      await waitUntilListening();
    },
    output: () => lines.join('\n'),
    termHangs,
  };
}

/** Executions manage_task recorded in the state file, by key (a torn last line is skipped). */
export function pyExecutions(stateFile: string, tool = 'manage_task'): Record<string, number> {
  const counts: Record<string, number> = {};
  if (!existsSync(stateFile)) return counts;
  for (const line of readFileSync(stateFile, 'utf8').split('\n')) {
    try {
      const e = JSON.parse(line) as { tool: string; key: string };
      if (e.tool === tool) counts[e.key] = (counts[e.key] ?? 0) + 1;
    } catch {
      /* torn or empty */
    }
  }
  return counts;
}

export interface PyClient {
  kind: PyClientKind;
  /** serverInfo.name as the client saw it (null where the library does not expose it). */
  server: string | null;
  call(tool: string, args: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
  output(): string;
}

/**
 * Starts a real Python client holding one session to `target` (a URL, or a stdio command the client spawns).
 * A call rejects with the client's own error text. `callTimeoutS` bounds each call inside the client.
 */
export async function startPythonClient(
  kind: PyClientKind,
  target: string | { stdio: string[] },
  callTimeoutS = 30,
): Promise<PyClient> {
  const args = [
    join(PYTHON_FIXTURES, 'mcp_client.py'),
    kind,
    ...(typeof target === 'string' ? [target] : ['--stdio', ...target.stdio]),
  ];
  const child = spawn(venvPython('mcp-1'), args, {
    env: { ...process.env, CALL_TIMEOUT_S: String(callTimeoutS), PYTHONUNBUFFERED: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  const errLines: string[] = [];
  child.stderr!.on('data', (b: Buffer) => {
    errLines.push(...b.toString('utf8').split('\n').filter(Boolean));
    if (errLines.length > 100) errLines.splice(0, errLines.length - 100);
  });
  const exited = new Promise<void>((res) =>
    child.once('exit', () => {
      live.delete(child);
      res();
    }),
  );
  const waiting = new Map<number, { resolve(t: string): void; reject(e: Error): void }>();
  let ready!: (v: { server: string | null }) => void;
  let failed!: (e: Error) => void;
  const readyP = new Promise<{ server: string | null }>((res, rej) => {
    ready = res;
    failed = rej;
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let msg: { ready?: boolean; server?: string | null; id?: number; ok?: boolean; text?: string; error?: string };
    try {
      msg = JSON.parse(line);
    } catch {
      errLines.push(`stdout: ${line}`);
      return;
    }
    if (msg.ready === true) return ready({ server: msg.server ?? null });
    if (msg.ready === false) return failed(new Error(`${kind} client could not connect: ${msg.error}`));
    const w = waiting.get(msg.id!);
    if (!w) return;
    waiting.delete(msg.id!);
    if (msg.ok) w.resolve(msg.text ?? '');
    else w.reject(new Error(msg.error ?? 'failed'));
  });
  void exited.then(() => {
    failed(new Error(`${kind} client exited before it was ready:\n${errLines.slice(-15).join('\n')}`));
    for (const w of waiting.values()) w.reject(new Error(`${kind} client exited`));
    waiting.clear();
  });
  const timer = setTimeout(
    () => failed(new Error(`${kind} client not ready in 60 s:\n${errLines.slice(-15).join('\n')}`)),
    60_000,
  );
  let info: { server: string | null };
  try {
    info = await readyP;
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  } finally {
    clearTimeout(timer);
  }
  let next = 1;
  return {
    kind,
    server: info.server,
    call(tool, a) {
      const id = next++;
      return new Promise<string>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.stdin!.write(JSON.stringify({ id, tool, args: a }) + '\n');
      });
    },
    async close() {
      child.stdin!.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
    output: () => errLines.join('\n'),
  };
}

let imagePromise: Promise<string> | undefined;

/**
 * The local Docker image of the Python servers (scripts/python-image.sh: debootstrap root, cached; tagged
 * by the hash of its inputs, so it is built once per machine and change). Resolves with its name.
 */
export function ensurePythonImage(): Promise<string> {
  imagePromise ??= new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [join(ROOT, 'scripts', 'python-image.sh')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr!.on('data', (b: Buffer) => {
      err = (err + b.toString()).slice(-4000);
    });
    child.once('exit', (code) => {
      const image = out.trim().split('\n').at(-1);
      if (code === 0 && image) resolvePromise(image);
      else reject(new Error(`scripts/python-image.sh failed (${code}):\n${err}`));
    });
  });
  return imagePromise;
}
