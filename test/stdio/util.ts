// Drives the supervisor (dist/cli.js `stdio -- <command>`) with real stdio MCP clients: the v1 SDK client
// and the v2 client. Every process a test starts carries a marker in its environment, so the tests can
// count what is left (servers, wrappers' children, browsers, watchdogs) and kill it in after() hooks.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as TransportV2 } from '@modelcontextprotocol/client/stdio';
import { parseJsonLine } from '../../src/core/json-lines';

export const ROOT = join(__dirname, '..', '..');
export const CLI_BUNDLE = join(ROOT, 'dist', 'cli.js');
export const MODULES = join(ROOT, 'node_modules');
export const COUNTER_SERVER = join(__dirname, 'fixtures', 'counter-server.mjs');
import { sleep } from '../helpers/wait';

export { sleep };

export type Era = 'v1' | 'v2';

/** The little of both clients' APIs the tests use. */
export interface McpClient {
  callTool(p: { name: string; arguments?: Record<string, unknown> }): Promise<{ content?: unknown; isError?: boolean }>;
  listTools(): Promise<{ tools: { name: string }[] }>;
  close(): Promise<void>;
}

export interface Supervised {
  client: McpClient;
  mark: string;
  stateDir: string;
  /** The supervisor's pid (the client's child). */
  supervisorPid: number;
  stderr(): string;
  /** stderr lines that are --json lines, each validated by the one schema. */
  jsonLines(): ReturnType<typeof parseJsonLine>[];
  /** The current server pid from the state file (waits for one that is not `not`). */
  serverPid(not?: number): Promise<number>;
  close(): Promise<void>;
}

/** Every process whose environment carries `mark`: what a test has started and not yet ended. */
export function marked(mark: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').includes(`STDIO_TEST_MARK=${mark}`)) {
        // A zombie is already dead (its parent has not reaped it yet): not a process left behind.
        const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
        if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') out.push(Number(name));
      }
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

/** Waits until no marked process is left (returns those left after timeoutMs). */
export async function waitNoneLeft(mark: string, timeoutMs = 10_000): Promise<number[]> {
  const until = Date.now() + timeoutMs;
  let left = marked(mark);
  while (left.length > 0 && Date.now() < until) {
    await sleep(100);
    left = marked(mark);
  }
  return left;
}

/** The safety net for after() hooks: SIGKILL whatever a test left (only processes with its mark). */
export function killMarked(mark: string): void {
  for (const pid of marked(mark)) {
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

export function readState(
  stateDir: string,
):
  | { serverPid: number | null; restarts: number; held: number; resent: number; ambiguous: number; state: string }
  | undefined {
  try {
    const dir = join(stateDir, 'stdio');
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.json'));
    return file ? JSON.parse(readFileSync(join(dir, file), 'utf8')) : undefined;
  } catch {
    return undefined;
  }
}

export interface SuperviseOptions {
  era?: Era;
  cliArgs?: string[];
  env?: Record<string, string>;
  /** Connect directly to the server (the comparison), not through the supervisor. */
  direct?: boolean;
}

export async function supervise(server: string[], o: SuperviseOptions = {}): Promise<Supervised> {
  const mark = randomUUID();
  const stateDir = mkdtempSync(join(tmpdir(), 'stdio-state-'));
  const env = { ...(process.env as Record<string, string>), ...(o.env ?? {}), STDIO_TEST_MARK: mark };
  const [command, ...args] = o.direct
    ? server
    : [process.execPath, CLI_BUNDLE, 'stdio', '--state-dir', stateDir, ...(o.cliArgs ?? []), '--', ...server];
  let err = '';
  const onErr = (d: Buffer) => void (err = (err + d.toString()).slice(-200_000));
  let client: McpClient;
  let pid: () => number | null;
  if ((o.era ?? 'v1') === 'v1') {
    const t = new TransportV1({ command, args, env, stderr: 'pipe' });
    t.stderr?.on('data', onErr);
    const c = new ClientV1({ name: 'stdio-test-v1', version: '1.0.0' });
    c.onerror = () => undefined;
    await c.connect(t);
    client = c as unknown as McpClient;
    pid = () => t.pid;
  } else {
    const t = new TransportV2({ command, args, env, stderr: 'pipe' });
    t.stderr?.on('data', onErr);
    const c = new ClientV2({ name: 'stdio-test-v2', version: '1.0.0' });
    c.onerror = () => undefined;
    await c.connect(t);
    client = c as unknown as McpClient;
    pid = () => t.pid;
  }
  const supervisorPid = pid() ?? -1;
  return {
    client,
    mark,
    stateDir,
    supervisorPid,
    stderr: () => err,
    jsonLines: () =>
      err
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => parseJsonLine(l)),
    async serverPid(not?: number) {
      if (o.direct) return supervisorPid;
      const until = Date.now() + 20_000;
      for (;;) {
        const s = readState(stateDir);
        if (s?.serverPid && s.serverPid !== not && s.state === 'running') return s.serverPid;
        if (Date.now() > until)
          throw new Error(`no running server in the state file (${JSON.stringify(s)}); stderr: ${err.slice(-2000)}`);
        await sleep(25);
      }
    },
    close: () => client.close().catch(() => undefined),
  };
}

/** The text of a tool result's first content block. */
export function textOf(result: { content?: unknown }): string {
  const c = result.content as { type: string; text?: string }[] | undefined;
  return c?.[0]?.text ?? '';
}

/** Runs `fn`; resolves with its value or the error it threw (calls that may fail are counted, not thrown). */
export async function settle<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: Error }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error: error as Error };
  }
}

/** Signals the server process (SIGSTOP leaves it frozen for the supervisor to find). */
export function fault(pid: number, signal: NodeJS.Signals): void {
  process.kill(pid, signal);
}

/** A client that writes raw lines: for bad input, and to watch the supervisor process itself. */
export class RawClient {
  readonly mark = randomUUID();
  readonly stateDir = mkdtempSync(join(tmpdir(), 'stdio-raw-'));
  readonly proc: ChildProcessWithoutNullStreams;
  readonly messages: Record<string, unknown>[] = [];
  /** stdout lines that were not JSON: must stay empty (stdout carries protocol messages only). */
  readonly badStdout: string[] = [];
  private err = '';
  private out = '';
  private seq = 0;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(server: string[], cliArgs: string[] = [], env: Record<string, string> = {}) {
    this.proc = spawn(
      process.execPath,
      [CLI_BUNDLE, 'stdio', '--state-dir', this.stateDir, ...cliArgs, '--', ...server],
      {
        env: { ...process.env, ...env, STDIO_TEST_MARK: this.mark },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    this.proc.stdin.on('error', () => undefined);
    this.proc.stderr.on('data', (d: Buffer) => void (this.err = (this.err + d.toString()).slice(-200_000)));
    this.proc.stdout.on('data', (d: Buffer) => {
      this.out += d.toString();
      const lines = this.out.split('\n');
      this.out = lines.pop() ?? '';
      for (const l of lines) {
        try {
          this.messages.push(JSON.parse(l));
        } catch {
          this.badStdout.push(l);
        }
      }
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
  }

  stderr(): string {
    return this.err;
  }

  line(text: string): void {
    this.proc.stdin.write(`${text}\n`);
  }

  notify(method: string, params?: unknown): void {
    this.line(JSON.stringify({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) }));
  }

  /** Sends a request and waits for the message answering it. */
  async request(
    method: string,
    params?: unknown,
    timeoutMs = 30_000,
  ): Promise<{
    result?: Record<string, unknown>;
    error?: { code: number; message: string; data?: { reason?: string } };
  }> {
    const id = ++this.seq;
    this.line(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    return this.waitFor((m) => m.id === id, timeoutMs) as never;
  }

  async waitFor(match: (m: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find(match);
      if (m) return m;
      if (Date.now() > until)
        throw new Error(`no matching message in ${timeoutMs} ms; stderr:\n${this.err.slice(-3000)}`);
      await sleep(20);
    }
  }

  initialize(timeoutMs?: number): ReturnType<RawClient['request']> {
    return this.request(
      'initialize',
      { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      timeoutMs,
    );
  }

  /** Closes stdin (the client is done) and waits for the supervisor to exit. */
  async end(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.proc.stdin.end();
    return this.exited;
  }
}

/**
 * Call first in a test that needs a part the machine may lack: true when the test must return (skipped).
 * With CI=true a missing part fails the test instead (as test/helpers/docker.ts does for the engine).
 */
export function skipWithout(t: { skip(message?: string): void }, missing: string | undefined): boolean {
  if (!missing) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${missing}`);
  t.skip(missing);
  return true;
}

/** The command line of a process, '' when it is gone. */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ');
  } catch {
    return '';
  }
}
