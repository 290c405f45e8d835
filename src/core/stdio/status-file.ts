// One small file per running supervisor in the user's state folder (<stateDir>/stdio/<pid>.json), so the
// extension and the CLI can show every supervised server on the machine. Written atomically, removed on
// exit; a file whose supervisor is gone (SIGKILL) is reported as stale by the reader and never trusted.
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { errnoCode, isOneOf, isRecord } from '../narrow';
import { redactText } from '../redact';
import { RESTART_CAUSES, type RestartCause } from './run-outcome';

export const STATE_SUBDIR = 'stdio';

export const SUPERVISED_STATES = ['starting', 'running', 'restarting', 'gave-up', 'stopping'] as const;
export type SupervisedState = (typeof SUPERVISED_STATES)[number];

/** The file's shape (version 1), documented in docs/cli-json.md. */
export interface SupervisedServer {
  version: 1;
  /** The supervisor's pid (the file's name). */
  pid: number;
  /** The server process's pid, null while none runs. */
  serverPid: number | null;
  /** The command and its arguments, secrets redacted. */
  command: string[];
  cwd: string;
  state: SupervisedState;
  startedAt: string;
  updatedAt: string;
  restarts: number;
  lastCause: RestartCause | null;
  lastCauseLabel: string | null;
  lastRestartAt: string | null;
  held: number;
  resent: number;
  ambiguous: number;
  failed: number;
  stderrTail: string[];
}

const SECRET_FLAG = /token|secret|password|passwd|api[_-]?key|auth|credential/i;

/** The command as it may be shown: values of secret-looking flags and KEY=value pairs hidden. */
export function redactCommand(command: string, args: readonly string[]): string[] {
  const out = [command];
  for (let i = 0; i < args.length; i++) {
    const prev = args[i - 1];
    if (i > 0 && /^--?[\w-]+$/.test(prev) && SECRET_FLAG.test(prev)) out.push('«hidden»');
    else if (/^[\w.-]+=/.test(args[i]) && SECRET_FLAG.test(args[i].split('=')[0]))
      out.push(`${args[i].split('=')[0]}=«hidden»`);
    else out.push(redactText(args[i]).replace(/(:\/\/[^/@\s:]+:)[^/@\s]+@/, '$1«hidden»@'));
  }
  return out;
}

export class StateFile {
  readonly file: string;
  private failed = false;

  constructor(dir: string, pid = process.pid) {
    this.file = path.join(dir, STATE_SUBDIR, `${pid}.json`);
  }

  write(state: SupervisedServer): void {
    if (this.failed) return;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch {
      // A read-only home must not stop the server from being supervised.
      this.failed = true;
    }
  }

  remove(): void {
    try {
      unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number';
const stringOrAbsent = (v: unknown): boolean => v == null || typeof v === 'string';

/** A file as StateFile writes it (version 1), except that the last restart's fields may be absent (none yet). */
type StateFileShape = Omit<SupervisedServer, 'lastCause' | 'lastCauseLabel' | 'lastRestartAt'> &
  Partial<Pick<SupervisedServer, 'lastCause' | 'lastCauseLabel' | 'lastRestartAt'>>;

/** Anything else is not ours to show. */
function isStateFileShape(v: unknown): v is StateFileShape {
  if (!isRecord(v) || v.version !== 1 || !isCount(v.pid) || !(v.serverPid === null || isCount(v.serverPid)))
    return false;
  if (
    !Array.isArray(v.command) ||
    !v.command.every(isString) ||
    !isString(v.cwd) ||
    !isOneOf(SUPERVISED_STATES, v.state)
  )
    return false;
  if (
    !isString(v.startedAt) ||
    !isString(v.updatedAt) ||
    !stringOrAbsent(v.lastCauseLabel) ||
    !stringOrAbsent(v.lastRestartAt)
  )
    return false;
  if (!(v.lastCause == null || isOneOf(RESTART_CAUSES, v.lastCause))) return false;
  return (
    [v.restarts, v.held, v.resent, v.ambiguous, v.failed].every(isCount) &&
    Array.isArray(v.stderrTail) &&
    v.stderrTail.every(isString)
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

export interface SupervisedServerEntry extends SupervisedServer {
  /** The file, for a person to look at or remove. */
  file: string;
  /** Its supervisor is no longer running (killed without a chance to remove the file). */
  stale: boolean;
}

/** Every supervised server on this machine (for this user), newest first; damaged files skipped. */
export function listSupervisedServers(stateDir: string): SupervisedServerEntry[] {
  const dir = path.join(stateDir, STATE_SUBDIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^\d+\.json$/.test(n));
  } catch {
    return [];
  }
  const out: SupervisedServerEntry[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const s: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (!isStateFileShape(s)) continue;
      const last = {
        lastCause: s.lastCause ?? null,
        lastCauseLabel: s.lastCauseLabel ?? null,
        lastRestartAt: s.lastRestartAt ?? null,
      };
      out.push({ ...s, ...last, file, stale: !alive(s.pid) });
    } catch {
      // being written or damaged: not ours to guess
    }
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
