// Where the extension keeps what must outlive a window: sessions in globalState, tokens in SecretStorage.
import type * as vscode from 'vscode';
import type { PersistedSession, SessionStore } from '../core/session-store';
import type { Logger } from '../core/logger';

const SESSIONS_KEY = 'archonMcp.sessions';

export class GlobalStateSessionStore implements SessionStore {
  constructor(
    private readonly state: vscode.Memento,
    private readonly log: Logger,
  ) {}

  load(key: string): PersistedSession | undefined {
    return this.state.get<Record<string, PersistedSession>>(SESSIONS_KEY, {})[key];
  }

  save(key: string, session: PersistedSession | undefined): void {
    const all = { ...this.state.get<Record<string, PersistedSession>>(SESSIONS_KEY, {}) };
    if (session) all[key] = session;
    else delete all[key];
    this.state
      .update(SESSIONS_KEY, all)
      .then(undefined, (err: Error) => this.log.warn(`could not remember the session: ${err.message}`));
  }
}

export class TokenStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  private key(serverName: string): string {
    return `archonMcp.token.${serverName}`;
  }

  async get(serverName: string): Promise<string | undefined> {
    return this.secrets.get(this.key(serverName));
  }

  async set(serverName: string, token: string | undefined): Promise<void> {
    if (token) await this.secrets.store(this.key(serverName), token);
    else await this.secrets.delete(this.key(serverName));
  }

  /** The Authorization header for a server, when a token is stored for it. */
  async headers(serverName: string): Promise<Record<string, string>> {
    const token = await this.get(serverName);
    return token ? { Authorization: `Bearer ${token}` } : {};
  }
}
