// Supervised stdio servers as their supervisors report them: one state file each, <stateDir>/stdio/<pid>.json
// (version 1, written by the stdio supervisor, src/core/stdio once merged). This reader is the one place
// that knows the file; `SupervisedReader` lets the front ends take the supervisor's own reader instead.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { isObj } from './descriptor';

export interface SupervisedView {
  pid: number;
  /** The server process's pid, null while none runs. */
  serverPid: number | null;
  /** The server's command line, secrets already redacted by the supervisor. */
  command: string[];
  state: string;
  restarts: number;
  lastCauseLabel: string | null;
  lastRestartAt: string | null;
  stderrTail: string[];
  updatedAt: string;
  file: string;
  /** Its supervisor is gone (killed before it could remove the file). */
  stale: boolean;
}

export type SupervisedReader = (stateDir: string) => Promise<SupervisedView[]>;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const readSupervisedStates: SupervisedReader = async (stateDir) => {
  const dir = path.join(stateDir, 'stdio');
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const out: SupervisedView[] = [];
  for (const name of names.filter((n) => /^\d+\.json$/.test(n))) {
    const file = path.join(dir, name);
    try {
      const s: unknown = JSON.parse(await fsp.readFile(file, 'utf8'));
      if (!isObj(s) || s.version !== 1 || typeof s.pid !== 'number' || !Array.isArray(s.command)) continue;
      out.push({
        pid: s.pid, serverPid: typeof s.serverPid === 'number' ? s.serverPid : null, command: s.command.map(String), state: String(s.state ?? 'unknown'), restarts: Number(s.restarts ?? 0),
        lastCauseLabel: typeof s.lastCauseLabel === 'string' ? s.lastCauseLabel : null, lastRestartAt: typeof s.lastRestartAt === 'string' ? s.lastRestartAt : null,
        stderrTail: Array.isArray(s.stderrTail) ? s.stderrTail.map(String) : [], updatedAt: String(s.updatedAt ?? ''), file, stale: !alive(s.pid),
      });
    } catch {
      // being written or damaged: not ours to guess
    }
  }
  return out;
};

/** The supervisors running a command line (compared by the program's base name and the arguments). */
export function supervisorsOf(states: readonly SupervisedView[], command: string | undefined, args: readonly string[] = []): SupervisedView[] {
  if (!command) return [];
  const base = (c: string) => path.basename(c.replace(/\\/g, '/')).replace(/\.(cmd|exe)$/i, '');
  const key = JSON.stringify([base(command), ...args]);
  return states.filter((s) => s.command.length > 0 && JSON.stringify([base(s.command[0]), ...s.command.slice(1)]) === key);
}
