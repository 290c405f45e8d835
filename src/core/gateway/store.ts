// Client sessions kept on disk so their ids stay valid across a gateway restart or hand-over.
// One JSON file, mode 0600 in a 0700 directory; entries unused for the TTL expire.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeValue as describe, ensureStateDir, setAsideDamaged, writeFileAtomic } from '../state-file';

export interface PersistedSession {
  id: string;
  /** Upstream slug this session belongs to. */
  server: string;
  /** The client's own initialize params, replayed to re-initialize upstream. */
  initParams: Record<string, unknown>;
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
  sessions: PersistedSession[];
}

export const STORE_FILE = 'gateway-sessions.json';
/** At most this many sessions are kept; the least recently used go first. */
export const MAX_SESSIONS = 1000;

export class SessionStore {
  private sessions = new Map<string, PersistedSession>();
  private writing: Promise<void> | undefined;
  private dirty = false;
  /** Set when a file we do not understand could not be moved aside: we never overwrite it. */
  private readOnly = false;
  private readonly file: string | undefined;

  constructor(private readonly dir: string | undefined, private readonly ttlMs: number, private readonly onError: (msg: string) => void) {
    this.file = dir ? join(dir, STORE_FILE) : undefined;
  }

  /**
   * (Re)reads the file, dropping expired entries. A file that is not a session list (unparsable,
   * `"sessions": {}`, a number…) is moved aside, never overwritten, and the store starts empty;
   * entries that are not valid sessions are dropped. Each case is reported through `onError`.
   */
  load(now = Date.now()): void {
    if (!this.file || !this.dir) return;
    const dirProblem = ensureStateDir(this.dir);
    if (dirProblem) {
      this.onError(`cannot create the state directory: ${dirProblem}`);
      return;
    }
    this.sessions.clear();
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.onError(`cannot read the saved sessions (${(e as Error).message}); starting without them`);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      return this.setAside(`is not JSON (${(e as Error).message})`);
    }
    const list = (raw as { sessions?: unknown } | null)?.sessions;
    if (!Array.isArray(list)) {
      return this.setAside(`holds no list of sessions (found ${describe(raw === null || typeof raw !== 'object' ? raw : list)})`);
    }
    const problems: string[] = [];
    for (const [i, entry] of list.entries()) {
      const problem = invalidReason(entry);
      if (problem) {
        problems.push(`entry ${i + 1} ${problem}`);
        continue;
      }
      const s = entry as PersistedSession;
      if (now - Date.parse(s.lastUsedAt) > this.ttlMs) continue; // expired: not a problem
      this.sessions.set(s.id, { ...s, subscriptions: Array.isArray(s.subscriptions) ? s.subscriptions.filter((u) => typeof u === 'string') : [] });
    }
    if (problems.length) {
      const shown = problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; and ${problems.length - 3} more` : '');
      this.onError(`dropped ${problems.length} of ${list.length} saved session(s) that were not valid: ${shown}`);
    }
  }

  /** Keeps a file we do not understand (renamed next to it) instead of overwriting it later. */
  private setAside(why: string): void {
    const moved = setAsideDamaged(this.file as string);
    if ('aside' in moved) {
      this.onError(`the saved sessions file ${why}; kept it as ${moved.aside} and started without saved sessions (clients reconnect once)`);
    } else {
      this.onError(`the saved sessions file ${why}, and it cannot be moved aside (${moved.error}); starting without saved sessions and not saving any`);
      this.readOnly = true;
    }
  }

  get(id: string): PersistedSession | undefined {
    return this.sessions.get(id);
  }

  all(): PersistedSession[] {
    return [...this.sessions.values()];
  }

  put(session: PersistedSession): void {
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
    if (!this.file || this.readOnly) return;
    this.dirty = true;
    if (this.writing) return;
    this.writing = this.writeLoop().finally(() => {
      this.writing = undefined;
    });
  }

  private async writeLoop(): Promise<void> {
    const file = this.file as string;
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
        this.onError(`cannot save sessions: ${(e as Error).message}`);
      }
    }
  }
}

/** Why a stored entry is not a session we can restore, or undefined when it is one. */
function invalidReason(entry: unknown): string | undefined {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return `is ${describe(entry)}, not a session`;
  const e = entry as Record<string, unknown>;
  if (typeof e.id !== 'string' || !e.id) return 'has no id';
  if (typeof e.server !== 'string' || !e.server) return 'names no server';
  if (e.initParams === null || typeof e.initParams !== 'object' || Array.isArray(e.initParams)) return 'has no initialize parameters';
  if (typeof e.lastUsedAt !== 'string' || Number.isNaN(Date.parse(e.lastUsedAt))) return 'has no valid lastUsedAt';
  if (typeof e.createdAt !== 'string') return 'has no createdAt';
  for (const key of ['protocolVersion', 'upstreamSessionId'] as const) {
    if (e[key] !== undefined && typeof e[key] !== 'string') return `has a ${key} that is not a string`;
  }
  return undefined;
}
