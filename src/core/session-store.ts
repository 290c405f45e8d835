// Where a monitor remembers its last session, so a window reload can resume it.
import type { TransportKind } from './server-state';

export interface PersistedSession {
  sessionId: string;
  protocolVersion?: string;
  transport: TransportKind;
  serverInfo?: { name: string; version: string };
  savedAt: string;
}

export interface SessionStore {
  load(key: string): PersistedSession | undefined;
  save(key: string, session: PersistedSession | undefined): void;
}

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, PersistedSession>();
  load(key: string) {
    return this.sessions.get(key);
  }
  save(key: string, session: PersistedSession | undefined) {
    if (session) this.sessions.set(key, session);
    else this.sessions.delete(key);
  }
}
