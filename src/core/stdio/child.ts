// One run of the server's command: spawned in its own process group (npx, uvx and shell wrappers leave
// children; the whole group is killed), stdout split into lines, stderr passed on and its tail kept, and
// a watchdog that kills the group if the supervisor itself is killed (Node has no PDEATHSIG).
import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { LineSplitter } from './framing';

export interface ServerCommand {
  command: string;
  args: readonly string[];
  /** The client's environment and working directory, passed through unchanged. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** How one run ended, as far as the process tells. */
export type ChildEnd =
  /** `ours`: the signal was one the supervisor sent (a SIGKILL of ours is not an OOM kill). */
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null; ours: boolean }
  | { kind: 'spawn-error'; code: string; message: string };

export interface ChildHooks {
  onLine(line: string): void;
  /** Any bytes at all on stdout (a wedge is "nothing at all for a while"). */
  onBytes(): void;
  onStderr(chunk: Buffer): void;
  onOverflow(bytes: number): void;
  /** stdout closed: the server cannot answer any more, even if it still runs. */
  onStdoutClosed(): void;
  /** A write to the server's stdin failed (EPIPE): it no longer reads. */
  onWriteFailed(err: Error): void;
  /** Once, when the process is gone (or never started). */
  onEnd(end: ChildEnd): void;
}

const STDERR_TAIL_LINES = 20;
const STDERR_TAIL_CHARS = 4000;

/** The last lines of a stream, bounded in lines and characters. */
export class TailBuffer {
  private text = '';
  push(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-STDERR_TAIL_CHARS * 2);
  }
  lines(): string[] {
    const lines = this.text
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .filter((l) => l.trim() !== '');
    const tail = lines.slice(-STDERR_TAIL_LINES);
    let chars = 0;
    const kept: string[] = [];
    for (let i = tail.length - 1; i >= 0; i--) {
      chars += tail[i].length;
      if (chars > STDERR_TAIL_CHARS) break;
      kept.unshift(tail[i].length > 500 ? `${tail[i].slice(0, 500)}…` : tail[i]);
    }
    return kept;
  }
  clear(): void {
    this.text = '';
  }
}

/** A child's pipe is a net.Socket at run time (typed Writable): unref it so it never keeps the process alive. */
function unrefPipe(pipe: Writable | null): void {
  if (pipe instanceof Socket) pipe.unref();
}

/**
 * The watchdog: /bin/sh blocked on `read` from a pipe only we hold. When we die (even by SIGKILL) the
 * kernel closes the pipe, `read` returns, and it kills the server's group. A shell costs ~1 MB, not a Node.
 */
function startWatchdog(pgid: number): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  // TERM, then KILL after up to 1 s; done as soon as the group is gone.
  const g = `-${pgid}`;
  const script = `read _ ; kill -TERM -- ${g} 2>/dev/null; for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- ${g} 2>/dev/null || exit 0; sleep 0.1; done; kill -KILL -- ${g} 2>/dev/null`;
  try {
    const dog = spawn('/bin/sh', ['-c', script], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    dog.on('error', () => undefined);
    dog.stdin?.on('error', () => undefined);
    dog.unref();
    unrefPipe(dog.stdin);
    return dog;
  } catch {
    return undefined;
  }
}

export class ServerChild {
  readonly startedAt = Date.now();
  private readonly proc: ChildProcess;
  private dog: ChildProcess | undefined;
  private ended = false;
  private exited = false;
  private killTimer: NodeJS.Timeout | undefined;
  /** Signals we sent ourselves: a SIGKILL we sent is not an OOM kill. */
  readonly sentSignals = new Set<NodeJS.Signals>();

  constructor(
    cmd: ServerCommand,
    private readonly hooks: ChildHooks,
    maxLineBytes?: number,
  ) {
    this.proc = spawn(cmd.command, [...cmd.args], {
      env: cmd.env ?? process.env,
      cwd: cmd.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so that the group (wrappers and all) can be signalled at once.
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    const splitter = new LineSplitter(
      (l) => hooks.onLine(l),
      (b) => hooks.onOverflow(b),
      maxLineBytes,
    );
    this.proc.stdout?.on('data', (chunk: Buffer) => {
      hooks.onBytes();
      splitter.push(chunk);
    });
    // stdout closes just before 'exit' when the process dies: only a process still running after a
    // moment has really closed its stdout.
    this.proc.stdout?.on('close', () => {
      setTimeout(() => !this.ended && !this.exited && hooks.onStdoutClosed(), 200).unref();
    });
    this.proc.stderr?.on('data', (chunk: Buffer) => hooks.onStderr(chunk));
    // EPIPE usually means it just died: let 'exit' tell the cause; a process still running stopped reading.
    this.proc.stdin?.on('error', (err) => {
      setTimeout(() => !this.ended && !this.exited && hooks.onWriteFailed(err), 200).unref();
    });
    this.proc.on('error', (err: NodeJS.ErrnoException) => {
      // A spawn failure (ENOENT, EACCES) arrives here, and no 'exit' follows.
      if (this.proc.pid === undefined)
        this.end({ kind: 'spawn-error', code: err.code ?? 'ERROR', message: err.message });
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      const ours = signal !== null && this.sentSignals.has(signal);
      // A wrapper's children (npx → node) must not outlive it; then let stdout drain its last answers.
      this.killGroup('SIGKILL');
      this.retireDog();
      const stdout = this.proc.stdout;
      const done = (): void => this.end({ kind: 'exit', code, signal, ours });
      if (!stdout || stdout.readableEnded || stdout.destroyed) done();
      else {
        const t = setTimeout(done, 200);
        stdout.once('close', () => {
          clearTimeout(t);
          done();
        });
      }
    });
    if (this.proc.pid !== undefined) this.dog = startWatchdog(this.proc.pid);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get alive(): boolean {
    return !this.ended;
  }

  /** Writes one framed message; false when the pipe is gone. */
  write(text: string): boolean {
    const stdin = this.proc.stdin;
    if (this.ended || !stdin || stdin.destroyed || !stdin.writable) return false;
    stdin.write(text);
    return true;
  }

  /** MCP's shutdown for stdio: close its stdin, then SIGTERM, then SIGKILL (the whole group). */
  shutdown(graceMs: number): Promise<void> {
    this.proc.stdin?.end();
    return this.stop(graceMs, graceMs);
  }

  /** SIGTERM the group, SIGKILL it after graceMs; resolves when the process is gone. */
  stop(termAfterMs = 0, killAfterMs = 2000): Promise<void> {
    return new Promise((resolve) => {
      if (this.exited || this.proc.pid === undefined) {
        this.killGroup('SIGKILL'); // wrappers' children may outlive their parent
        this.retireDog();
        resolve();
        return;
      }
      this.proc.once('exit', () => {
        clearTimeout(this.killTimer);
        // The leader is gone; anything left in its group goes too.
        this.killGroup('SIGKILL');
        this.retireDog();
        resolve();
      });
      const term = (): void => {
        this.killGroup('SIGTERM');
        this.killTimer = setTimeout(() => this.killGroup('SIGKILL'), killAfterMs);
      };
      if (termAfterMs > 0) this.killTimer = setTimeout(term, termAfterMs);
      else term();
    });
  }

  /** SIGKILL the group at once (a wedged server gets no grace: SIGTERM cannot reach a stopped process). */
  kill(): Promise<void> {
    return this.stop(0, 0);
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.proc.pid;
    if (pid === undefined) return;
    this.sentSignals.add(signal);
    try {
      if (process.platform === 'win32') this.proc.kill(signal);
      else process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  private retireDog(): void {
    const dog = this.dog;
    this.dog = undefined;
    if (dog?.pid === undefined) return;
    try {
      dog.kill('SIGKILL');
    } catch {
      // gone already
    }
  }

  private end(end: ChildEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.hooks.onEnd(end);
  }
}
