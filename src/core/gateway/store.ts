// Client sessions kept on disk so their ids stay valid across a gateway restart or hand-over.
// One JSON file, mode 0600 in a 0700 directory; entries unused for the TTL expire.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, errorMessage, fieldOf, isRecord } from '../narrow';
import { isClientInitParams, type ClientInitParams } from './init-params';
import { describeValue as describe, ensureStateDir, setAsideDamaged, writeFileAtomic } from '../atomic-file';

export interface GatewaySession {
  id: string;
  /** Upstream slug this session belongs to. */
  server: string;
  /** The client's own initialize params, replayed to re-initialize upstream. */
  initParams: ClientInitParams;
  /** The protocol version upstream negotiated (sent as MCP-Protocol-Version). */
  protocolVersion?: string;
  /** Last known upstream session (tried first; re-initialized if the server lost it). */
  upstreamSessionId?: string;
  subscriptions: string[];
  createdAt: string;
  lastUsedAt: string;
}

interface FileShape {
  version: 1;
  sessions: GatewaySession[];
}

/** An entry as checked on loading: its subscriptions are cleaned afterwards. */
type StoredSession = Omit<GatewaySession, 'subscriptions'> & { subscriptions?: unknown };

export const STORE_FILE = 'gateway-sessions.json';
/** At most this many sessions are kept; the least recently used go first. */
export const MAX_SESSIONS = 1000;

export class GatewaySessionStore {
  private sessions = new Map<string, GatewaySession>();
  private writing: Promise<void> | undefined;
  private dirty = false;
  /** Set when a file we do not understand could not be moved aside: we never overwrite it. */
  private readOnly = false;
  private readonly file: string | undefined;

  constructor(
    private readonly dir: string | undefined,
    private readonly ttlMs: number,
    private readonly onError: (msg: string) => void,
  ) {
    this.file = dir ? join(dir, STORE_FILE) : undefined;
  }

  /**
   * (Re)reads the file, dropping expired entries. A file that is not a session list (unparsable,
   * `"sessions": {}`, a number…) is moved aside, never overwritten, and the store starts empty;
   * entries that are not valid sessions are dropped. Each case is reported through `onError`.
   */
  load(now = Date.now()): void {
    const file = this.file;
    if (!file || !this.dir) return;
    const dirProblem = ensureStateDir(this.dir);
    if (dirProblem) {
      this.onError(`cannot create the state directory: ${dirProblem}`);
      return;
    }
    this.sessions.clear();
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT')
        this.onError(`cannot read the saved sessions (${errorMessage(e)}); starting without them`);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      return this.setAside(file, `is not JSON (${errorMessage(e)})`);
    }
    const list = fieldOf(raw, 'sessions');
    if (!Array.isArray(list)) {
      return this.setAside(
        file,
        `holds no list of sessions (found ${describe(raw === null || typeof raw !== 'object' ? raw : list)})`,
      );
    }
    const problems: string[] = [];
    for (const [i, s] of list.entries()) {
      if (!isStoredSession(s, (problem) => problems.push(`entry ${i + 1} ${problem}`))) continue;
      if (now - Date.parse(s.lastUsedAt) > this.ttlMs) continue; // expired: not a problem
      this.sessions.set(s.id, {
        ...s,
        subscriptions: Array.isArray(s.subscriptions)
          ? s.subscriptions.filter((u): u is string => typeof u === 'string')
          : [],
      });
    }
    if (problems.length) {
      const shown = problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; and ${problems.length - 3} more` : '');
      this.onError(`dropped ${problems.length} of ${list.length} saved session(s) that were not valid: ${shown}`);
    }
  }

  /** Keeps a file we do not understand (renamed next to it) instead of overwriting it later. */
  private setAside(file: string, why: string): void {
    const moved = setAsideDamaged(file);
    if ('aside' in moved) {
      this.onError(
        `the saved sessions file ${why}; kept it as ${moved.aside} and started without saved sessions (clients reconnect once)`,
      );
    } else {
      this.onError(
        `the saved sessions file ${why}, and it cannot be moved aside (${moved.error}); starting without saved sessions and not saving any`,
      );
      this.readOnly = true;
    }
  }

  get(id: string): GatewaySession | undefined {
    return this.sessions.get(id);
  }

  all(): GatewaySession[] {
    return [...this.sessions.values()];
  }

  put(session: GatewaySession): void {
    this.sessions.set(session.id, session);
    this.schedule();
  }

  delete(id: string): void {
    if (this.sessions.delete(id)) this.schedule();
  }

  /** Resolves when everything put so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private schedule(): void {
    const file = this.file;
    if (!file || this.readOnly) return;
    this.dirty = true;
    if (this.writing) return;
    this.writing = this.writeLoop(file).finally(() => {
      this.writing = undefined;
    });
  }

  private async writeLoop(file: string): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      const now = Date.now();
      for (const [id, s] of this.sessions) if (now - Date.parse(s.lastUsedAt) > this.ttlMs) this.sessions.delete(id);
      if (this.sessions.size > MAX_SESSIONS) {
        const oldest = [...this.sessions.values()].sort((a, b) => Date.parse(a.lastUsedAt) - Date.parse(b.lastUsedAt));
        for (const s of oldest.slice(0, this.sessions.size - MAX_SESSIONS)) this.sessions.delete(s.id);
      }
      const body: FileShape = { version: 1, sessions: [...this.sessions.values()] };
      try {
        await writeFileAtomic(file, JSON.stringify(body));
      } catch (e) {
        this.onError(`cannot save sessions: ${errorMessage(e)}`);
      }
    }
  }
}

/** A stored entry is a session we can restore; when not, `why` hears the reason. */
function isStoredSession(entry: unknown, why: (problem: string) => void): entry is StoredSession {
  const problem = invalidReason(entry);
  if (problem !== undefined) why(problem);
  return problem === undefined;
}

/** Why a stored entry is not a session we can restore, or undefined when it is one. */
function invalidReason(e: unknown): string | undefined {
  if (!isRecord(e)) return `is ${describe(e)}, not a session`;
  if (typeof e.id !== 'string' || !e.id) return 'has no id';
  if (typeof e.server !== 'string' || !e.server) return 'names no server';
  if (!isClientInitParams(e.initParams)) return 'has no initialize parameters';
  if (typeof e.lastUsedAt !== 'string' || Number.isNaN(Date.parse(e.lastUsedAt))) return 'has no valid lastUsedAt';
  if (typeof e.createdAt !== 'string') return 'has no createdAt';
  for (const key of ['protocolVersion', 'upstreamSessionId'] as const) {
    if (e[key] !== undefined && typeof e[key] !== 'string') return `has a ${key} that is not a string`;
  }
  return undefined;
}
