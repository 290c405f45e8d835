// Supervised stdio servers as their supervisors report them (one state file each, read by the supervisor's
// own listSupervisedServers), in the shape the views show. `SupervisedReader` lets tests give their own.
import * as path from 'node:path';
import { listSupervisedServers } from '../stdio';

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

/** The supervisor's own reader (src/core/stdio), in the view's shape. */
export const readSupervisedStates: SupervisedReader = async (stateDir) =>
  listSupervisedServers(stateDir).map((s) => ({
    pid: s.pid,
    serverPid: s.serverPid,
    command: s.command,
    state: s.state,
    restarts: s.restarts,
    lastCauseLabel: s.lastCauseLabel,
    lastRestartAt: s.lastRestartAt,
    stderrTail: s.stderrTail,
    updatedAt: s.updatedAt,
    file: s.file,
    stale: s.stale,
  }));

/** The supervisors running a command line (compared by the program's base name and the arguments). */
export function supervisorsOf(
  states: readonly SupervisedView[],
  command: string | undefined,
  args: readonly string[] = [],
): SupervisedView[] {
  if (!command) return [];
  const base = (c: string) => path.basename(c.replace(/\\/g, '/')).replace(/\.(cmd|exe)$/i, '');
  const key = JSON.stringify([base(command), ...args]);
  return states.filter(
    (s) => s.command.length > 0 && JSON.stringify([base(s.command[0]), ...s.command.slice(1)]) === key,
  );
}
