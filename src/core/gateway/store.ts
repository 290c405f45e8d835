// Client sessions kept on disk so their ids stay valid across a gateway restart or hand-over.
// One JSON file, mode 0600 in a 0700 directory; entries unused for the TTL expire.
import { promises as fs, mkdirSync, readFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

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
  private readonly file: string | undefined;

  constructor(private readonly dir: string | undefined, private readonly ttlMs: number, private readonly onError: (msg: string) => void) {
    this.file = dir ? join(dir, STORE_FILE) : undefined;
  }

  /** (Re)reads the file, dropping expired entries. Missing or damaged file: start empty. */
  load(now = Date.now()): void {
    if (!this.file || !this.dir) return;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      chmodSync(this.dir, 0o700);
    } catch (e) {
      this.onError(`cannot create the state directory: ${(e as Error).message}`);
      return;
    }
    let data: FileShape | undefined;
    try {
      data = JSON.parse(readFileSync(this.file, 'utf8')) as FileShape;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.onError(`ignoring unreadable session file: ${(e as Error).message}`);
    }
    this.sessions.clear();
    for (const s of data?.sessions ?? []) {
      if (typeof s?.id !== 'string' || typeof s.server !== 'string' || typeof s.initParams !== 'object') continue;
      if (now - Date.parse(s.lastUsedAt) > this.ttlMs) continue;
      this.sessions.set(s.id, { ...s, subscriptions: Array.isArray(s.subscriptions) ? s.subscriptions : [] });
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
    if (!this.file) return;
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
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        await fs.writeFile(tmp, JSON.stringify(body), { mode: 0o600 });
        await fs.chmod(tmp, 0o600);
        await fs.rename(tmp, file);
      } catch (e) {
        this.onError(`cannot save sessions: ${(e as Error).message}`);
      }
    }
  }
}
