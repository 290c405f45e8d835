// Runs `archon-mcp-doctor proxy` as a real child process (from source via tsx) and reads its JSON lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { readJsonLine } from '../helpers/json-lines';

const ROOT = join(__dirname, '..', '..');

export interface ProxyProcess {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the first JSON line matching `pred` (already seen or future); rejects after timeoutMs. */
  waitFor(pred: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export function startProxy(args: string[]): ProxyProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'proxy', '--json', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(readJsonLine(l));
    for (const w of waiters) w();
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
      for (const w of waiters) w();
    }),
  );
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitFor(pred, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = lines.find(pred);
          if (hit) {
            done();
            resolve(hit);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`proxy exited (${child.exitCode ?? child.signalCode}); lines: ${JSON.stringify(lines)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out; lines: ${JSON.stringify(lines)}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
